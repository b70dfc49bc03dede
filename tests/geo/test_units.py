"""Responsible units on the demo city: the article's two cases and the level rule."""

from __future__ import annotations

import pytest
import shapely

from geo.categories import load_rules
from geo.demo import DemoCity, build_demo_city
from geo.router import Division, Router, UnitArea, UnitRouter


@pytest.fixture(scope="module")
def city() -> DemoCity:
    return build_demo_city()


@pytest.fixture(scope="module")
def units(city: DemoCity) -> UnitRouter:
    return UnitRouter([u.unit_area() for u in city.units])


def point_in(city: DemoCity, name: str) -> shapely.Point:
    place = next(d for d in (*city.streets, *city.communities) if d.name == name)
    return place.geometry.representative_point()


def test_desheng_signboard_case_whistles_market_regulation_and_beijing_road_police(
    city: DemoCity, units: UnitRouter
) -> None:
    rule = load_rules()["0202"]  # 违章张贴悬挂广告牌匾
    p = point_in(city, "德胜街道")
    found, trace = units.responsible(
        p.x,
        p.y,
        primary_kind=rule.primary_kind,
        joint_kinds=rule.joint_kinds,
        on_street_list=rule.on_street_list,
    )
    names = [(r.role, r.unit.name if r.unit else None) for r in found]
    assert names == [("primary", "吉林市市场监督管理局"), ("joint", "北京路派出所")]
    assert trace[0].startswith("primary market_regulation")


def test_street_list_item_goes_to_the_street_team(city: DemoCity, units: UnitRouter) -> None:
    rule = load_rules()["0507"]  # 乱堆物料堆: on the list, no joint department
    assert rule.on_street_list and not rule.joint_kinds
    p = point_in(city, "德胜街道")
    found, trace = units.responsible(
        p.x, p.y, primary_kind=rule.primary_kind, joint_kinds=rule.joint_kinds, on_street_list=True
    )
    assert [(r.role, r.unit.name if r.unit else None) for r in found] == [
        ("street_team", "德胜街道综合行政执法队")
    ]
    assert "directly" in trace[0]


def test_street_list_item_with_joint_departments_is_led_by_the_street_team(
    city: DemoCity, units: UnitRouter
) -> None:
    rule = load_rules()["0501"]  # 无照经营游商: on the list, with the market regulator
    p = point_in(city, "德胜街道")
    found, trace = units.responsible(
        p.x, p.y, primary_kind=rule.primary_kind, joint_kinds=rule.joint_kinds, on_street_list=True
    )
    assert [(r.role, r.unit.name if r.unit else None) for r in found] == [
        ("street_team", "德胜街道综合行政执法队"),
        ("joint", "船营区城管执法大队"),
        ("joint", "吉林市市场监督管理局"),
    ]
    assert "leads" in trace[0]


def test_zhengyang_wiring_case_prefers_county_units(city: DemoCity, units: UnitRouter) -> None:
    rule = load_rules()["2101"]  # 私接电线: on 北城街道's list, with the departments (the 正阳社区 story)
    p = point_in(city, "正阳社区")
    found, _ = units.responsible(
        p.x,
        p.y,
        primary_kind=rule.primary_kind,
        joint_kinds=rule.joint_kinds,
        on_street_list=rule.on_street_list,
    )
    assert [(r.role, r.unit.name if r.unit else None) for r in found] == [
        ("street_team", "北城街道综合行政执法队"),
        ("joint", "国网舒兰市供电公司"),
        ("joint", "舒兰市应急管理局"),
        ("joint", "舒兰市消防救援大队"),
    ]
    # Without the street list, the departments alone (the primary first).
    found, _ = units.responsible(p.x, p.y, primary_kind=rule.primary_kind, joint_kinds=rule.joint_kinds)
    assert [(r.role, r.unit.name if r.unit else None) for r in found] == [
        ("primary", "国网舒兰市供电公司"),
        ("joint", "舒兰市应急管理局"),
        ("joint", "舒兰市消防救援大队"),
    ]
    # In the urban districts the same kinds fall to the city-wide units.
    q = point_in(city, "德胜街道")
    assert units.unit_for("power_supply", q.x, q.y) == Division("power_supply-220200", "国网吉林供电公司")
    police = units.unit_for("public_security", q.x, q.y)
    assert police is not None and police.name == "北京路派出所"
    assert units.unit_for("urban_management", q.x, q.y) == Division(
        "urban_management-220204", "船营区城管执法大队"
    )


def test_every_urban_grid_has_a_police_station_and_street_team(city: DemoCity, units: UnitRouter) -> None:
    router = Router(city.grid_records(), max_cells=500_000)
    for g in city.grids[::25]:
        p = g.geometry.representative_point()
        a = router.route(p.x, p.y)
        assert a.street is not None
        team = units.unit_for("street_team", p.x, p.y)
        assert team is not None and team.code == f"street_team-{a.street.code}"
        assert units.unit_for("public_security", p.x, p.y) is not None


def test_outside_the_city_nobody_is_responsible(units: UnitRouter) -> None:
    found, trace = units.responsible(120.0, 30.0, primary_kind="public_security", joint_kinds=["fire_rescue"])
    assert [r.unit for r in found] == [None, None]
    assert all("no unit covers" in t for t in trace)
    assert units.unit_for("no_such_kind", 126.55, 43.85) is None


def test_nested_levels_most_local_wins() -> None:
    big = UnitArea("b-1", "市局", "k", "city", shapely.box(0, 0, 1, 1))
    small = UnitArea("z-9", "县局", "k", "district", shapely.box(0.2, 0.2, 0.4, 0.4))
    router = UnitRouter([big, small])
    assert router.unit_for("k", 0.3, 0.3) == Division("z-9", "县局")
    assert router.unit_for("k", 0.8, 0.8) == Division("b-1", "市局")
    with pytest.raises(ValueError, match="unknown level"):
        UnitRouter([UnitArea("x", "x", "k", "province", shapely.box(0, 0, 1, 1))])
