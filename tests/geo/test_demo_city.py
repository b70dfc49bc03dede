"""The demo city: tilings without gaps or overlaps, real names in real streets, codes, determinism."""

from __future__ import annotations

import hashlib
from collections import defaultdict

import numpy as np
import pytest
import shapely

from geo.categories import DEPARTMENT_KINDS
from geo.crs import area_m2
from geo.demo import NAMED_COMMUNITIES, DemoCity, DemoDivision, build_demo_city
from geo.demo.divisions import read_division_list

REL = 1e-7  # relative area tolerance for "tiles exactly" (float noise only)


@pytest.fixture(scope="module")
def city() -> DemoCity:
    return build_demo_city()


def assert_tiles(parent: shapely.Geometry, pieces: list[shapely.Geometry]) -> None:
    """Pieces cover ``parent`` with no gap and no overlap (up to float noise)."""
    total = parent.area
    assert sum(p.area for p in pieces) == pytest.approx(total, rel=REL)
    union = shapely.union_all(pieces)
    assert shapely.symmetric_difference(union, parent).area <= REL * total
    tree = shapely.STRtree(pieces)
    a, b = tree.query(pieces, predicate="intersects")
    keep = a < b
    overlap = shapely.intersection(
        np.asarray(pieces, dtype=object)[a[keep]], np.asarray(pieces, dtype=object)[b[keep]]
    )
    assert float(shapely.area(overlap).sum()) <= REL * total
    assert all(p.geom_type in ("Polygon", "MultiPolygon") and p.is_valid and not p.is_empty for p in pieces)


def children(parents: list[DemoDivision], kids: list[DemoDivision]) -> dict[str, list[DemoDivision]]:
    by_parent: dict[str, list[DemoDivision]] = defaultdict(list)
    for k in kids:
        by_parent[k.parent_code or ""].append(k)
    assert set(by_parent) <= {p.code for p in parents}
    return by_parent


def test_districts_are_real_and_converted(city: DemoCity) -> None:
    assert [d.code for d in city.districts] == [
        "220202",
        "220203",
        "220204",
        "220211",
        "220221",
        "220281",
        "220282",
        "220283",
        "220284",
    ]
    assert any("220283" in r and "repaired" in r for r in city.repairs)
    assert all(d.real_code and d.real_name and d.is_demo for d in city.districts)
    total = sum(area_m2(d.geometry) for d in city.districts) / 1e6
    assert 27_000 < total < 28_500


def test_every_listed_street_plus_placeholders_tile_their_district(city: DemoCity) -> None:
    listed = {d.code: d for d in read_division_list() if len(d.code) == 12}
    codes = {s.code for s in city.streets}
    assert set(listed) <= codes
    placeholders = [s for s in city.streets if s.kind == "placeholder"]
    assert {s.parent_code for s in placeholders} == {"220221", "220281", "220282", "220283", "220284"}
    assert all(s.code[6:9] == "990" and s.code not in listed and "演示" in s.name for s in placeholders)
    assert len(codes) == len(city.streets) == len(listed) + 5
    for s in city.streets:
        if s.code in listed:
            assert (s.name, s.parent_code, s.kind) == (
                listed[s.code].name,
                listed[s.code].parent_code,
                listed[s.code].level,
            )
    by_district = children(city.districts, city.streets)
    for d in city.districts:
        assert_tiles(d.geometry, [s.geometry for s in by_district[d.code]])


def test_communities_tile_the_land_of_their_street(city: DemoCity) -> None:
    river = city.river.geometry
    by_street = children(city.streets, city.communities)
    for s in city.streets:
        kids = by_street.get(s.code, [])
        if s.kind == "placeholder":
            assert kids == []
            continue
        assert len(kids) >= 3, s.name
        assert_tiles(shapely.difference(s.geometry, river), [c.geometry for c in kids])


def test_grids_tile_every_urban_community(city: DemoCity) -> None:
    by_community = children(city.communities, city.grids)
    for c in city.communities:
        grids = by_community.get(c.code, [])
        if c.kind == "village":
            assert grids == []
            continue
        assert grids, c.name
        assert_tiles(c.geometry, [g.geometry for g in grids])


def test_river_is_covered_by_streets_but_not_by_communities_or_grids(city: DemoCity) -> None:
    river = city.river.geometry
    assert river.is_valid and city.river.is_demo and city.river.name.startswith("松花江")
    assert 5 < area_m2(river) / 1e6 < 30  # ~300 m wide, tens of km long
    assert river.buffer(-0.001).intersects(shapely.Point(126.545, 43.838).buffer(0.01))  # through the core
    streets = shapely.union_all([s.geometry for s in city.streets])
    assert shapely.difference(river, streets).area <= REL * river.area
    for layer in (city.communities, city.grids):
        tree = shapely.STRtree([x.geometry for x in layer])
        hit = tree.query(river, predicate="intersects")
        overlap = sum(shapely.intersection(layer[k].geometry, river).area for k in hit)
        assert overlap <= REL * river.area


def test_counts_and_sizes(city: DemoCity) -> None:
    assert len(city.communities) >= 215
    assert sum(1 for c in city.communities if c.kind == "community") >= 215
    assert 2_000 <= len(city.grids) <= 5_000
    km2 = np.array([area_m2(g.geometry) for g in city.grids]) / 1e6
    assert 0.08 < float(np.median(km2)) < 0.3
    assert float(km2.min()) >= 0.02 and float(km2.max()) < 0.6
    urban_districts = {"220202", "220203", "220204", "220211", "220283"}
    assert {g.code[:6] for g in city.grids} == urban_districts


def test_named_communities_are_in_their_real_streets(city: DemoCity) -> None:
    streets = {s.code: s for s in city.streets}
    found = {c.name: c for c in city.communities if c.real_name}
    assert set(found) == set(NAMED_COMMUNITIES.values())
    for street_code, name in NAMED_COMMUNITIES.items():
        c = found[name]
        assert c.parent_code == street_code
        assert c.code.startswith(street_code[:9])
    assert streets["220204009000"].name == "临江街道" and found["泰和社区"].parent_code == "220204009000"
    assert streets["220283001000"].name == "北城街道" and found["正阳社区"].code[:6] == "220283"
    assert any(g.parent_code == found["正阳社区"].code for g in city.grids)  # 正阳社区 has grid workers


def test_names_are_unique_within_a_street(city: DemoCity) -> None:
    by_street = children(city.streets, city.communities)
    for kids in by_street.values():
        names = [c.name for c in kids]
        assert len(names) == len(set(names))
        assert all(n.endswith(("社区", "村")) for n in names)


def test_codes_have_the_right_lengths_and_prefixes(city: DemoCity) -> None:
    index = city.by_code()
    assert len(index) == 9 + len(city.streets) + len(city.communities) + len(city.grids)  # all unique
    for s in city.streets:
        assert (
            len(s.code) == 12
            and s.code.isdigit()
            and s.code.startswith(s.parent_code or "-")
            and s.code.endswith("000")
        )
    for c in city.communities:
        assert len(c.code) == 12 and c.code.isdigit() and c.code[:9] == (c.parent_code or "")[:9]
        seq = int(c.code[9:])
        assert (1 <= seq < 200) if c.kind == "community" else (201 <= seq < 400)
    for g in city.grids:
        assert len(g.code) == 15 and g.code.isdigit() and g.code[:12] == g.parent_code
    assert all(x.is_demo for x in index.values())


def test_grids_are_numbered_north_to_south_then_west_to_east(city: DemoCity) -> None:
    by_community = children(city.communities, city.grids)
    checked = 0
    for grids in by_community.values():
        if len(grids) < 6:
            continue
        ordered = sorted(grids, key=lambda g: g.code)
        lat_first = ordered[0].geometry.representative_point().y
        lat_last = ordered[-1].geometry.representative_point().y
        assert lat_first > lat_last
        checked += 1
    assert checked > 100


def test_units(city: DemoCity) -> None:
    kinds = {k.code for k in DEPARTMENT_KINDS}
    assert {u.kind for u in city.units} == kinds
    assert len({u.code for u in city.units}) == len(city.units)
    streets = {s.code: s for s in city.streets}
    beijing = [u for u in city.units if u.name == "北京路派出所"]
    assert len(beijing) == 1 and "220204001000" in beijing[0].area_codes
    assert beijing[0].geometry.buffer(1e-9).covers(streets["220204001000"].geometry)
    market = [u for u in city.units if u.short_name == "市市场监督管理局"]
    assert len(market) == 1 and market[0].level == "city"
    city_outline = shapely.union_all([d.geometry for d in city.districts])
    assert shapely.symmetric_difference(market[0].geometry, city_outline).area <= REL * city_outline.area
    names = {u.name for u in city.units}
    assert {"船营区城管执法大队", "德胜街道综合行政执法队", "北城街道综合行政执法队"} <= names
    teams = [u for u in city.units if u.kind == "street_team"]
    assert sorted(t.area_codes[0] for t in teams) == sorted(streets)
    # Within one kind and level, jurisdictions do not overlap; police stations tile the city.
    groups: dict[tuple[str, str], list[shapely.Geometry]] = defaultdict(list)
    for u in city.units:
        groups[(u.kind, u.level)].append(u.geometry)
    for geoms in groups.values():
        total = sum(g.area for g in geoms)
        assert shapely.union_all(geoms).area == pytest.approx(total, rel=1e-6)
    assert_tiles(city_outline, groups[("public_security", "street")])


def city_digest(c: DemoCity) -> str:
    h = hashlib.sha256()
    for layer in (c.districts, c.streets, c.communities, c.grids):
        for d in layer:
            h.update(f"{d.code}|{d.name}|{d.parent_code}|{d.kind}".encode())
            h.update(shapely.to_wkb(d.geometry))
    h.update(shapely.to_wkb(c.river.geometry))
    for u in c.units:
        h.update(f"{u.code}|{u.name}|{u.area_codes}".encode())
        h.update(shapely.to_wkb(u.geometry))
    return h.hexdigest()


def test_same_seed_gives_byte_identical_output(city: DemoCity) -> None:
    stages: list[tuple[str, int, int]] = []
    again = build_demo_city(
        city.seed, progress=lambda stage, done, total: stages.append((stage, done, total))
    )
    assert city_digest(again) == city_digest(city)
    assert {s for s, _, _ in stages} == {"districts", "streets", "communities", "grids", "units"}
    assert all(0 <= done <= total for _, done, total in stages)
    other = build_demo_city(city.seed + 1)
    assert city_digest(other) != city_digest(city)
    assert len(other.communities) >= 215 and 2_000 <= len(other.grids) <= 5_000
