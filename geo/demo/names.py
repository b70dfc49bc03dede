"""Plausible generated names for demo communities and villages (unique within a street)."""

from __future__ import annotations

import numpy as np

COMMUNITY_WORDS = (
    "和平",
    "东升",
    "江湾",
    "新华",
    "光明",
    "长安",
    "松江",
    "临松",
    "北华",
    "华山",
    "解放",
    "胜利",
    "繁荣",
    "春光",
    "兴业",
    "朝阳",
    "金桥",
    "锦绣",
    "德润",
    "安康",
    "阳光",
    "丽水",
    "翠湖",
    "文化",
    "民康",
    "永安",
    "福源",
    "康宁",
    "富强",
    "团结",
    "建设",
    "幸福",
    "太平",
    "吉祥",
    "美满",
    "长青",
    "紫光",
    "滨江",
    "滨河",
    "宏泰",
    "盛世",
    "嘉园",
    "凯旋",
    "景福",
    "东山",
    "西山",
    "南岭",
    "北岸",
    "桃源",
    "龙泉",
    "雾凇",
    "江城",
    "青山",
    "红旗",
    "星光",
    "恒山",
    "泰安",
    "万福",
    "仁和",
    "兴隆",
)
VILLAGE_PREFIXES = (
    "王家",
    "李家",
    "张家",
    "刘家",
    "陈家",
    "杨家",
    "赵家",
    "孙家",
    "马家",
    "朱家",
    "胡家",
    "郭家",
    "何家",
    "高家",
    "于家",
    "韩家",
    "前屯",
    "后屯",
    "东岗",
    "西岗",
    "南沟",
    "北沟",
    "大岭",
    "小岭",
    "榆树",
    "柳树",
    "杏山",
    "黄花",
    "白石",
    "红石",
    "三道",
    "五家",
)


def community_names(count: int, rng: np.random.Generator, reserved: str | None = None) -> list[str]:
    """``count`` distinct names such as 和平社区 (never ``reserved``); numbered when the list runs out."""
    words = [COMMUNITY_WORDS[k] for k in rng.permutation(len(COMMUNITY_WORDS))]
    names = [w + "社区" for w in words if w + "社区" != reserved]
    while len(names) < count:
        names.append(f"第{len(names) + 1}社区")
    return names[:count]


def village_names(count: int, rng: np.random.Generator) -> list[str]:
    words = [VILLAGE_PREFIXES[k] for k in rng.permutation(len(VILLAGE_PREFIXES))]
    names = [w + "村" for w in words]
    while len(names) < count:
        names.append(f"第{len(names) + 1}村")
    return names[:count]
