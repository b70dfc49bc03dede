"""The public map of the demo city: 267 warm-new stations, 215 pairing points, 3 warm-new streets.

From the newspaper account: 225 municipal units pair with 215 communities (包联, each community a
"first secretary" 第一书记, 208 party-building liaisons 党建联络员, 763 joint projects 共建项目); the
city built 267 warm-new stations (暖新驿站: drinking water, charging, toilet, rest) and 3 warm-new
commercial streets (暖新商街). The five pairings the article names keep their real units, communities
and projects (their positions and most people are still generated, so every record is marked demo);
everything else is generated from the seed. Pure and deterministic:
the same city and seed give the same records.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from geo.crs import LocalMetric
from geo.demo.model import DemoCity, DemoDivision
from geo.demo.tiling import random_points_in
from geo.opening_hours import OpeningHours, parse_compact

STATION_COUNT = 267
PAIRING_COUNT = 215
LIAISON_COUNT = 208
URBAN_STATION_SHARE = 0.9
SERVICES = ("drinking_water", "charging", "toilet", "rest", "microwave", "heating")
# Share of stations offering each service (water, charging, toilet and rest are the promised four).
SERVICE_SHARE = {
    "drinking_water": 0.97,
    "charging": 0.93,
    "toilet": 0.72,
    "rest": 0.95,
    "microwave": 0.4,
    "heating": 0.55,
}
HOURS_PATTERNS = (
    ("24/7", 0.16),
    ("daily 08:00-20:00", 0.34),
    ("mon-fri 08:30-17:30; sat,sun 09:00-16:00", 0.2),
    ("daily 07:00-22:00", 0.18),
    ("daily 10:00-14:00,17:00-02:00", 0.12),
)
OPERATORS = (
    "社区党群服务中心",
    "街道党工委",
    "中国邮政吉林市分公司",
    "顺丰速运吉林营业部",
    "美团外卖吉林站点",
    "饿了么吉林站点",
    "中国石油吉林销售分公司",
    "吉林银行",
    "国网吉林供电公司",
    "及时雨外卖公司",
)

SEED_OFFSET = 6  # the public map draws from its own stream: the city's outlines stay as they are


@dataclass(frozen=True)
class NamedPairing:
    """A pairing the newspaper account names: unit, the community's street code and name, projects."""

    unit_name: str
    street_code: str
    community_name: str
    projects: tuple[str, ...]
    first_secretary_role: str = ""
    first_secretary_name: str = ""


NAMED_PAIRINGS = (
    NamedPairing(
        "吉林市政协", "220204009000", "泰和社区", ("休闲广场建设（党建宣传栏、花箱、健身器材、休闲长廊）",)
    ),
    NamedPairing(
        "中共吉林市委宣传部",
        "220204002000",
        "怀德社区",
        ("以党建促联建“三提升”项目", "小区临时党支部", "“双三长”制度", "志愿服务队"),
    ),
    NamedPairing(
        "吉林市国资委",
        "220211002000",
        "长江社区",
        ("“家门口”党群服务站", "“3456”便民服务队", "“全科社工”", "“骑士共享家”骑手休息区"),
    ),
    NamedPairing("吉林市生态环境局", "220203001000", "新村社区", ("“红心物业”服务项目",)),
    NamedPairing(
        "吉林市教育局",
        "220202011000",
        "新邑西区社区",
        ("“民心长廊”长廊修复", "口袋公园建设"),
        "市教育局干部处三级主任科员",
        "付政达",
    ),
)

UNIT_NAMES = (
    "市发展和改革委员会",
    "市财政局",
    "市公安局",
    "市民政局",
    "市司法局",
    "市人力资源和社会保障局",
    "市自然资源局",
    "市住房和城乡建设局",
    "市城市管理行政执法局",
    "市交通运输局",
    "市水利局",
    "市农业农村局",
    "市商务局",
    "市文化广电和旅游局",
    "市卫生健康委员会",
    "市退役军人事务局",
    "市应急管理局",
    "市审计局",
    "市市场监督管理局",
    "市统计局",
    "市医疗保障局",
    "市林业局",
    "市信访局",
    "市政务服务和数字化建设管理局",
    "市体育局",
    "市机关事务管理局",
    "市工业和信息化局",
    "市科学技术局",
    "市总工会",
    "团市委",
    "市妇联",
    "市科协",
    "市残联",
    "市红十字会",
    "市工商联",
    "市委组织部",
    "市委统战部",
    "市委政法委",
    "市委政策研究室",
    "市委网信办",
    "市委编办",
    "市纪委监委",
    "市人大常委会办公厅",
    "市政府办公室",
    "市委办公室",
    "市档案馆",
    "市地方志办公室",
    "市气象局",
    "市税务局",
    "市烟草专卖局",
    "市邮政管理局",
    "市供销合作社",
    "市住房公积金管理中心",
    "市中级人民法院",
    "市人民检察院",
    "市图书馆",
    "市博物馆",
    "市广播电视台",
    "江城日报社",
    "市第一中学",
    "市第二中学",
    "市第三中学",
    "市第四中学",
    "市第五中学",
    "市第六中学",
    "市第七中学",
    "市第八中学",
    "市第九中学",
    "市第十二中学",
    "市实验中学",
    "市田家炳高级中学",
    "市中心医院",
    "市人民医院",
    "市中医院",
    "市妇幼保健院",
    "市第二人民医院",
    "市疾病预防控制中心",
    "市急救中心",
    "市血站",
    "市儿童医院",
    "北华大学",
    "吉林化工学院",
    "吉林医药学院",
    "东北电力大学",
    "吉林农业科技学院",
    "吉林铁道职业技术学院",
    "吉林工业职业技术学院",
    "国网吉林供电公司",
    "吉林化纤集团",
    "吉林市城市建设控股集团",
    "吉林市水务集团",
    "吉林市公交集团",
    "吉林市热力集团",
    "吉林市燃气集团",
    "吉林银行吉林分行",
    "吉林市农商银行",
    "中国工商银行吉林分行",
    "中国建设银行吉林分行",
    "中国农业银行吉林分行",
    "中国银行吉林分行",
    "中国移动吉林分公司",
    "中国联通吉林分公司",
    "中国电信吉林分公司",
    "中国邮政吉林分公司",
)
PROJECTS = (
    "老旧小区楼道照明改造",
    "口袋公园建设",
    "社区图书角",
    "骑手休息点",
    "便民理发",
    "义诊进社区",
    "困难群众帮扶",
    "小区路面修整",
    "建筑垃圾清运",
    "反诈宣传",
    "健身器材更新",
    "四点半课堂",
    "暖心食堂",
    "垃圾分类宣传",
    "雨污管网疏通",
    "停车位规划",
    "楼院绿化认领",
    "物业党建联建",
    "文化共建活动",
    "主题党日联办",
    "网格员AB岗",
    "新就业群体“双积分”",
    "法律服务进社区",
    "适老化改造",
    "志愿服务队",
)
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏"
    "薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏浩宇晨博文志新建国宏亮春梅"
SECRETARY_ROLES = (
    "四级调研员",
    "一级主任科员",
    "二级主任科员",
    "三级主任科员",
    "科长",
    "副科长",
    "党支部书记",
)
STREET_WORDS = (
    "解放",
    "重庆",
    "北京",
    "天津",
    "河南",
    "松江",
    "遵义",
    "珲春",
    "吉林",
    "长春",
    "太原",
    "青岛",
)


@dataclass(frozen=True)
class DemoStation:
    code: str
    name: str
    address: str
    lon: float
    lat: float
    services: tuple[str, ...]
    hours: OpeningHours
    operator: str
    community_code: str
    is_demo: bool = True


@dataclass(frozen=True)
class DemoPairing:
    code: str
    unit_name: str
    community_code: str
    community_name: str
    lon: float
    lat: float
    first_secretary_role: str
    first_secretary_name: str
    liaison_name: str | None
    projects: tuple[str, ...]
    is_demo: bool = True


@dataclass(frozen=True)
class DemoCommercialStreet:
    code: str
    name: str
    line: shapely.LineString
    is_demo: bool = True


@dataclass(frozen=True)
class DemoPublicMap:
    stations: list[DemoStation]
    pairings: list[DemoPairing]
    streets: list[DemoCommercialStreet]


def person_name(rng: np.random.Generator) -> str:
    given_length = 1 + int(rng.random() < 0.6)
    return SURNAMES[rng.integers(len(SURNAMES))] + "".join(
        GIVEN[rng.integers(len(GIVEN))] for _ in range(given_length)
    )


def point_in(area: shapely.Geometry, rng: np.random.Generator) -> tuple[float, float]:
    xy = random_points_in(area, 1, rng)[0]
    return round(float(xy[0]), 7), round(float(xy[1]), 7)


def _ancestry(city: DemoCity) -> dict[str, tuple[DemoDivision, DemoDivision]]:
    """community code → (street, district)."""
    index = city.by_code()
    out = {}
    for c in city.communities:
        street = index[c.parent_code or ""]
        out[c.code] = (street, index[street.parent_code or ""])
    return out


def named_communities(city: DemoCity) -> dict[NamedPairing, DemoDivision]:
    found = {}
    for named in NAMED_PAIRINGS:
        matches = [
            c
            for c in city.communities
            if c.parent_code == named.street_code and c.name == named.community_name
        ]
        if len(matches) != 1:
            raise ValueError(f"the demo city lacks {named.community_name} in street {named.street_code}")
        found[named] = matches[0]
    return found


def make_pairings(city: DemoCity, rng: np.random.Generator) -> list[DemoPairing]:
    """215 pairings, one per community: the five named ones and 210 other urban communities."""
    named = named_communities(city)
    taken = {c.code for c in named.values()}
    urban = sorted(
        (c for c in city.communities if c.kind == "community" and c.code not in taken), key=lambda c: c.code
    )
    others = [urban[k] for k in sorted(rng.choice(len(urban), PAIRING_COUNT - len(named), replace=False))]
    units = [UNIT_NAMES[k % len(UNIT_NAMES)] for k in rng.permutation(PAIRING_COUNT)]
    without_liaison = set(rng.choice(PAIRING_COUNT, PAIRING_COUNT - LIAISON_COUNT, replace=False).tolist())
    pairings = []
    order = [(n, c) for n, c in named.items()] + [(None, c) for c in others]
    order.sort(key=lambda item: item[1].code)
    used_units: dict[str, int] = {}
    for index, (spec, community) in enumerate(order):
        lon, lat = point_in(community.geometry, rng)
        liaison = None if index in without_liaison else person_name(rng)
        if spec is not None:
            unit, projects = spec.unit_name, spec.projects
            role = (
                spec.first_secretary_role
                or f"{spec.unit_name}{SECRETARY_ROLES[rng.integers(len(SECRETARY_ROLES))]}"
            )
            secretary = spec.first_secretary_name or person_name(rng)
        else:
            base = "吉林" + units[index] if units[index].startswith("市") else units[index]
            used_units[base] = used_units.get(base, 0) + 1
            unit = base if used_units[base] == 1 else f"{base}（第{used_units[base]}包联组）"
            count = int(rng.integers(2, 6))
            projects = tuple(PROJECTS[k] for k in sorted(rng.choice(len(PROJECTS), count, replace=False)))
            role = f"{unit}{SECRETARY_ROLES[rng.integers(len(SECRETARY_ROLES))]}"
            secretary = person_name(rng)
        pairings.append(
            DemoPairing(
                code=f"pairing-{community.code}",
                unit_name=unit,
                community_code=community.code,
                community_name=community.name,
                lon=lon,
                lat=lat,
                first_secretary_role=role,
                first_secretary_name=secretary,
                liaison_name=liaison,
                projects=projects,
            )
        )
    return pairings


def _pick(rng: np.random.Generator, weighted: tuple[tuple[str, float], ...]) -> str:
    weights = np.array([w for _, w in weighted])
    return weighted[int(rng.choice(len(weighted), p=weights / weights.sum()))][0]


def make_stations(city: DemoCity, rng: np.random.Generator) -> list[DemoStation]:
    """267 stations inside communities, ~90 % in urban ones; every station offers at least water or rest."""
    ancestry = _ancestry(city)
    urban = sorted((c for c in city.communities if c.kind == "community"), key=lambda c: c.code)
    rural = sorted((c for c in city.communities if c.kind != "community"), key=lambda c: c.code)
    n_urban = round(STATION_COUNT * URBAN_STATION_SHARE)
    hosts = [urban[k] for k in rng.choice(len(urban), n_urban, replace=n_urban > len(urban))]
    hosts += [rural[k] for k in rng.choice(len(rural), STATION_COUNT - n_urban, replace=False)]
    hosts.sort(key=lambda c: c.code)
    stations = []
    per_community: dict[str, int] = {}
    for index, community in enumerate(hosts, start=1):
        street, district = ancestry[community.code]
        per_community[community.code] = per_community.get(community.code, 0) + 1
        suffix = "" if per_community[community.code] == 1 else f"{per_community[community.code]}号"
        lon, lat = point_in(community.geometry, rng)
        services = tuple(s for s in SERVICES if rng.random() < SERVICE_SHARE[s])
        if not {"drinking_water", "rest"} & set(services):
            services = ("drinking_water", *services)
        road = STREET_WORDS[rng.integers(len(STREET_WORDS))]
        stations.append(
            DemoStation(
                code=f"station-{index:03d}",
                name=f"{community.name}暖新驿站{suffix}",
                address=f"吉林市{district.name}{street.name}{road}路{int(rng.integers(1, 400))}号",
                lon=lon,
                lat=lat,
                services=services,
                hours=parse_compact(_pick(rng, HOURS_PATTERNS)),
                operator=OPERATORS[rng.integers(len(OPERATORS))],
                community_code=community.code,
            )
        )
    return stations


def make_commercial_streets(city: DemoCity, rng: np.random.Generator) -> list[DemoCommercialStreet]:
    """Three straight-ish streets of about 700 m, each inside one central urban community (off the river)."""
    centre = shapely.Point(126.553, 43.862)
    urban = [c for c in city.communities if c.kind == "community"]
    urban.sort(key=lambda c: (c.geometry.representative_point().distance(centre), c.code))
    streets = []
    names = ("河南街暖新商街", "重庆街暖新商街", "北京路暖新商街")
    for index, (name, community) in enumerate(zip(names, urban[::4], strict=False)):
        start = community.geometry.representative_point()
        metric = LocalMetric(start.x, start.y)
        angle = float(rng.uniform(0, np.pi))
        half = 350.0
        dx, dy = np.cos(angle) * half, np.sin(angle) * half
        local = shapely.LineString([(-dx, -dy), (-dx / 3 + 15, -dy / 3), (dx / 3 - 15, dy / 3), (dx, dy)])
        line = shapely.intersection(metric.inverse(local), community.geometry)
        if line.geom_type != "LineString" or line.is_empty:
            line = max(getattr(line, "geoms", [line]), key=lambda g: g.length)
        coords = [(round(x, 7), round(y, 7)) for x, y in line.coords]
        streets.append(DemoCommercialStreet(f"warm-street-{index + 1}", name, shapely.LineString(coords)))
    return streets


def build_public_map(city: DemoCity) -> DemoPublicMap:
    rng = np.random.default_rng(city.seed + SEED_OFFSET)
    pairings = make_pairings(city, rng)
    stations = make_stations(city, rng)
    streets = make_commercial_streets(city, rng)
    return DemoPublicMap(stations, pairings, streets)
