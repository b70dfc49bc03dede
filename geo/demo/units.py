"""Department units of the demo city and their jurisdictions.

Per kind, jurisdictions are laid out as the article describes the city's enforcement:

* 公安: police stations (派出所), each covering one town or two neighbouring subdistricts; the
  station covering 德胜街道 is 北京路派出所 (it answers the 德胜街道 whistle in the article).
* 城管: one urban-management squadron per district (船营区城管执法大队 …).
* street_team: one 综合行政执法队 per street (德胜街道综合行政执法队 …).
* Other kinds: a city-wide unit (吉林市市场监督管理局, short name 市市场监督管理局 …) and, for some
  kinds, county-level units in the five counties. Overlaps are ordered by ``level``: the most local
  unit covering a point is responsible (street < district < city), ties by smallest code.
"""

from __future__ import annotations

import shapely

from geo.demo.model import DemoDivision, DemoUnit
from geo.demo.tiling import as_multipolygon

CITY_CODE = "220200"
URBAN_DISTRICTS = ("220202", "220203", "220204", "220211")
DESHENG = "220204001000"

CITY_UNITS = (
    ("market_regulation", "吉林市市场监督管理局", "市市场监督管理局"),
    ("ecology_environment", "吉林市生态环境局", "市生态环境局"),
    ("agriculture_rural", "吉林市农业农村局", "市农业农村局"),
    ("housing_construction", "吉林市住房和城乡建设局", "市住建局"),
    ("emergency_management", "吉林市应急管理局", "市应急管理局"),
    ("fire_rescue", "吉林市消防救援支队", "市消防救援支队"),
    ("power_supply", "国网吉林供电公司", "吉林供电公司"),
    ("water_affairs", "吉林市水务局", "市水务局"),
    ("transport", "吉林市交通运输局", "市交通运输局"),
)
# County-level offices of some kinds in the five counties ("{}" is the county's name).
COUNTY_UNITS = (
    ("market_regulation", "{}市场监督管理局"),
    ("ecology_environment", "吉林市生态环境局{}分局"),
    ("agriculture_rural", "{}农业农村局"),
    ("emergency_management", "{}应急管理局"),
    ("fire_rescue", "{}消防救援大队"),
    ("power_supply", "国网{}供电公司"),
)


def short_street_name(name: str) -> str:
    return name.removesuffix("街道")


def police_groups(streets: list[DemoDivision]) -> list[list[DemoDivision]]:
    """Subdistricts paired with a touching neighbour (smallest code first); other streets alone."""
    groups: list[list[DemoDivision]] = []
    done: set[str] = set()
    for s in streets:
        if s.code in done:
            continue
        group = [s]
        done.add(s.code)
        if s.kind == "subdistrict":
            mates = sorted(
                (
                    t
                    for t in streets
                    if t.code not in done and t.kind == "subdistrict" and t.parent_code == s.parent_code
                ),
                key=lambda t: t.code,
            )
            for t in mates:
                if shapely.length(shapely.intersection(s.geometry.boundary, t.geometry.boundary)) > 0:
                    group.append(t)
                    done.add(t.code)
                    break
        groups.append(group)
    return groups


def police_name(group: list[DemoDivision]) -> str:
    if any(s.code == DESHENG for s in group):
        return "北京路派出所"
    first = group[0]
    if first.kind == "placeholder":
        return first.name.replace("其他乡镇（演示）", "其他乡镇派出所（演示）")
    if first.kind == "subdistrict":
        return short_street_name(first.name) + "派出所"
    return first.name + "派出所"


def union_of(parts: list[DemoDivision]) -> shapely.MultiPolygon:
    return as_multipolygon(shapely.union_all([p.geometry for p in parts]))


def make_units(districts: list[DemoDivision], streets: list[DemoDivision]) -> list[DemoUnit]:
    units: list[DemoUnit] = []
    city = union_of(districts)
    for group in police_groups(streets):
        codes = tuple(s.code for s in group)
        units.append(
            DemoUnit(
                f"public_security-{codes[0]}",
                police_name(group),
                "public_security",
                "street",
                codes,
                union_of(group),
            )
        )
    for d in districts:
        name = f"{d.name}城管执法大队" if d.code in URBAN_DISTRICTS else f"{d.name}城市管理综合执法大队"
        units.append(
            DemoUnit(
                f"urban_management-{d.code}", name, "urban_management", "district", (d.code,), d.geometry
            )
        )
    for s in streets:
        units.append(
            DemoUnit(
                f"street_team-{s.code}",
                f"{s.name.removesuffix('（演示）')}综合行政执法队"
                + ("（演示）" if s.kind == "placeholder" else ""),
                "street_team",
                "street",
                (s.code,),
                s.geometry,
            )
        )
    for kind, name, short in CITY_UNITS:
        units.append(DemoUnit(f"{kind}-{CITY_CODE}", name, kind, "city", (CITY_CODE,), city, short))
    for d in districts:
        if d.code in URBAN_DISTRICTS:
            continue
        for kind, pattern in COUNTY_UNITS:
            units.append(
                DemoUnit(f"{kind}-{d.code}", pattern.format(d.name), kind, "district", (d.code,), d.geometry)
            )
    return units
