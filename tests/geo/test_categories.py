"""Categories and their default rules: loading, completeness, and the article's cases."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from geo.categories import (
    DEPARTMENT_KINDS,
    CategoryError,
    LimitUnit,
    load_categories,
    load_rules,
)

HEADER = "category_code,primary_kind,joint_kinds,on_street_list,report_in_amount,report_in_unit,handling_amount,handling_unit,note\n"


def test_categories_load_with_full_codes() -> None:
    cats = load_categories()
    by_code = {c.code: c for c in cats}
    assert len(cats) == len(by_code) >= 40
    assert by_code["0501"].minor_name == "无照经营游商"
    assert by_code["0501"].major_name == "街面秩序"
    assert by_code["2101"].minor_name == "私接电线"
    assert {c.major_name for c in cats} >= {
        "市容环境",
        "宣传广告",
        "施工管理",
        "突发事件",
        "街面秩序",
        "扩展事件",
    }


def test_every_category_has_a_rule_and_every_rule_a_category() -> None:
    cats = load_categories()
    rules = load_rules(categories=cats)
    assert set(rules) == {c.code for c in cats}


def test_rules_follow_the_article_and_the_standards() -> None:
    cats = {c.code: c for c in load_categories()}
    rules = load_rules(categories=list(cats.values()))
    wiring = rules["2101"]  # 私接电线
    assert wiring.primary_kind == "power_supply"
    assert set(wiring.joint_kinds) == {"emergency_management", "fire_rescue"}
    assert wiring.on_street_list  # the street's team removes it with the departments (正阳社区)
    sign = rules["0202"]  # 违章张贴悬挂广告牌匾: the 德胜街道 case
    assert sign.kinds == ("market_regulation", "public_security")
    assert not sign.on_street_list
    assert rules["0101"].on_street_list  # 私搭乱建
    assert rules["0102"].on_street_list  # 暴露垃圾
    assert all(r.on_street_list for code, r in rules.items() if code.startswith("05") and code != "0505")
    for code, rule in rules.items():
        if cats[code].major_name == "突发事件":
            assert rule.report_in.unit is LimitUnit.URGENT_HOURS and rule.report_in.amount <= 1
            assert rule.handling.unit is LimitUnit.URGENT_HOURS
            assert not rule.on_street_list
    assert (
        rules["0501"].report_in.amount == Decimal(2) and rules["0501"].report_in.unit is LimitUnit.WORK_HOURS
    )


def test_eleven_enforcement_kinds_and_the_street_team() -> None:
    enforcement = [k for k in DEPARTMENT_KINDS if k.enforcement]
    assert len(enforcement) == 11
    assert {k.name for k in enforcement} == {
        "公安",
        "城管",
        "市场监管",
        "生态环境",
        "农业农村",
        "住建",
        "应急",
        "消防",
        "供电",
        "水务",
        "交通",
    }
    assert all(k.code.isascii() and k.code.islower() for k in DEPARTMENT_KINDS)


def write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "rules.csv"
    p.write_text(HEADER + body, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("0101,police,,true,2,work_hours,5,work_days,\n", "unknown department kind 'police'"),
        ("0101,urban_management,,maybe,2,work_hours,5,work_days,\n", "on_street_list must be true or false"),
        ("0101,urban_management,,true,2,fortnights,5,work_days,\n", "report-in unit 'fortnights'"),
        ("0101,urban_management,,true,0,work_hours,5,work_days,\n", "must be positive"),
        ("0101,urban_management,,true,2,work_hours,x,work_days,\n", "handling amount 'x' is not a number"),
        ("0101,urban_management,urban_management,true,2,work_hours,5,work_days,\n", "listed twice"),
        (
            "0101,urban_management,,true,2,work_hours,5,work_days,\n0101,urban_management,,true,2,work_hours,5,work_days,\n",
            "duplicate rule",
        ),
    ],
)
def test_bad_rules_are_refused_with_the_line(tmp_path: Path, row: str, message: str) -> None:
    with pytest.raises(CategoryError, match=message) as info:
        load_rules(write(tmp_path, row))
    assert "rules.csv:" in str(info.value)


def test_missing_rules_are_named(tmp_path: Path) -> None:
    path = write(tmp_path, "0101,urban_management,,true,2,work_hours,5,work_days,\n")
    with pytest.raises(CategoryError, match="no rule for categories 0102, 0103"):
        load_rules(path, categories=load_categories())


def test_bad_category_file(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text("major_code,major_name,minor_code,minor_name\n1,市容环境,01,私搭乱建\n", encoding="utf-8")
    with pytest.raises(CategoryError, match=r"c\.csv:2: codes must be two digits"):
        load_categories(p)
    p.write_text("major,minor\n", encoding="utf-8")
    with pytest.raises(CategoryError, match="missing column"):
        load_categories(p)
