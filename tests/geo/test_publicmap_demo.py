"""The demo city's public map: counts, the named pairings, positions inside their communities, determinism."""

from __future__ import annotations

import pytest
import shapely

from geo.demo import DemoCity, build_demo_city
from geo.demo.publicmap import NAMED_PAIRINGS, SERVICES, DemoPublicMap, build_public_map


@pytest.fixture(scope="module")
def city() -> DemoCity:
    return build_demo_city()


@pytest.fixture(scope="module")
def public_map(city: DemoCity) -> DemoPublicMap:
    return build_public_map(city)


def test_counts_follow_the_article(public_map: DemoPublicMap) -> None:
    assert len(public_map.stations) == 267
    assert len(public_map.pairings) == 215
    assert len({p.community_code for p in public_map.pairings}) == 215
    assert sum(1 for p in public_map.pairings if p.liaison_name) == 208
    assert len(public_map.streets) == 3
    assert len({s.code for s in public_map.stations}) == 267


def test_named_pairings_keep_their_real_units_and_communities(
    city: DemoCity, public_map: DemoPublicMap
) -> None:
    by_code = city.by_code()
    found = {}
    for p in public_map.pairings:
        community = by_code[p.community_code]
        found[(p.unit_name, community.parent_code, community.name)] = p
    for named in NAMED_PAIRINGS:
        pairing = found[(named.unit_name, named.street_code, named.community_name)]
        assert pairing.projects == named.projects
    education = found[("吉林市教育局", "220202011000", "新邑西区社区")]
    assert education.first_secretary_name == "付政达"


def test_every_point_lies_inside_its_community(city: DemoCity, public_map: DemoPublicMap) -> None:
    by_code = city.by_code()
    for station in public_map.stations:
        assert by_code[station.community_code].geometry.covers(shapely.Point(station.lon, station.lat))
    for pairing in public_map.pairings:
        assert by_code[pairing.community_code].geometry.covers(shapely.Point(pairing.lon, pairing.lat))
    for street in public_map.streets:
        assert street.line.length > 0.003  # a few hundred metres
        assert not street.line.intersects(city.river.geometry)


def test_stations_are_mostly_urban_with_plausible_services_and_hours(
    city: DemoCity, public_map: DemoPublicMap
) -> None:
    by_code = city.by_code()
    urban = sum(1 for s in public_map.stations if by_code[s.community_code].kind == "community")
    assert urban / len(public_map.stations) >= 0.85
    for station in public_map.stations:
        assert set(station.services) <= set(SERVICES) and {"drinking_water", "rest"} & set(station.services)
    always = sum(1 for s in public_map.stations if s.hours.always_open)
    assert 0 < always < len(public_map.stations)


def test_generation_is_deterministic(city: DemoCity, public_map: DemoPublicMap) -> None:
    again = build_public_map(city)
    assert again.stations == public_map.stations
    assert again.pairings == public_map.pairings
    assert [s.line.wkt for s in again.streets] == [s.line.wkt for s in public_map.streets]
