"""Stations and pairing points through the public API; nearest stations against brute force."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from service.publicmap import service

TZ = "Asia/Shanghai"
# A Wednesday 15:00 in Jilin (07:00 UTC): most stations are open; 03:00 on a Sunday, mostly 24/7 ones.
NOON = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
NIGHT = datetime(2026, 11, 28, 19, 0, tzinfo=UTC)


def test_all_stations_are_listed_with_their_services_and_hours(client: TestClient) -> None:
    response = client.get("/api/v1/public/stations", params={"limit": 500})
    assert response.status_code == 200
    stations = response.json()
    assert len(stations) == 267
    first = stations[0]
    assert set(first) >= {
        "name",
        "address",
        "lon",
        "lat",
        "services",
        "opening_hours",
        "open_now",
        "operator",
    }
    assert set(first["opening_hours"]) == {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}


def test_service_filter_keeps_only_stations_offering_every_service(client: TestClient) -> None:
    both = client.get("/api/v1/public/stations", params={"service": "toilet,microwave", "limit": 500}).json()
    assert both and all({"toilet", "microwave"} <= set(s["services"]) for s in both)
    toilets = client.get("/api/v1/public/stations", params=[("service", "toilet"), ("limit", "500")]).json()
    assert len(both) < len(toilets) < 267


def test_unknown_service_is_refused(client: TestClient) -> None:
    response = client.get("/api/v1/public/stations", params={"service": "sauna"})
    assert response.status_code == 422
    assert "sauna" in response.json()["error"]["message"]


def test_open_now_follows_the_city_clock(db: Session) -> None:
    noon = service.list_stations(session=db, services=[], at=NOON, timezone=TZ, open_now=True)
    night = service.list_stations(session=db, services=[], at=NIGHT, timezone=TZ, open_now=True)
    assert len(night) < len(noon) < 267
    assert all(row.open_now for row in noon)
    always = {r.values["code"] for r in night if r.values["always_open"]}
    assert always and always <= {r.values["code"] for r in night}


def test_bbox_filters_stations(client: TestClient) -> None:
    box = "126.50,43.84,126.58,43.89"
    stations = client.get("/api/v1/public/stations", params={"bbox": box, "limit": 500}).json()
    assert 0 < len(stations) < 267
    assert all(126.50 <= s["lon"] <= 126.58 and 43.84 <= s["lat"] <= 43.89 for s in stations)
    assert client.get("/api/v1/public/stations", params={"bbox": "1,2,3"}).status_code == 422


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def test_nearest_stations_match_brute_force_for_random_points(db: Session) -> None:
    """For 40 seeded random points and service mixes, the KNN answer equals a full scan ordered by the
    exact (spheroidal) distance, and the metres agree with a haversine computation to 0.5 %."""
    rng = np.random.default_rng(7)
    everything = db.execute(
        text(
            "SELECT code, ST_X(geom) AS lon, ST_Y(geom) AS lat, services, open_minutes @> CAST(:m AS integer) AS open "
            "FROM stations"
        ),
        {"m": service.local_minute_of_week(NOON, TZ)},
    ).all()
    mixes = [[], ["toilet"], ["charging", "rest"], ["microwave", "heating"]]
    for k in range(40):
        lon, lat = float(rng.uniform(126.35, 126.75)), float(rng.uniform(43.70, 44.00))
        wanted = mixes[k % len(mixes)]
        open_now = k % 2 == 0
        answer = service.nearest_stations(
            session=db, lon=lon, lat=lat, services=wanted, at=NOON, timezone=TZ, open_now=open_now, limit=5
        )
        exact = db.execute(
            text(
                "SELECT code, ST_Distance(geog, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) AS d "
                "FROM stations WHERE services @> CAST(:s AS text[]) "
                "AND (NOT :open_only OR open_minutes @> CAST(:m AS integer)) ORDER BY d, code LIMIT 5"
            ),
            {
                "lon": lon,
                "lat": lat,
                "s": wanted,
                "open_only": open_now,
                "m": service.local_minute_of_week(NOON, TZ),
            },
        ).all()
        assert [r.values["code"] for r in answer] == [e.code for e in exact]
        candidates = [s for s in everything if set(wanted) <= set(s.services) and (s.open or not open_now)]
        brute = sorted(haversine_m(lon, lat, s.lon, s.lat) for s in candidates)[:5]
        got = [float(r.distance_m or 0.0) for r in answer]
        assert got == sorted(got)
        for mine, theirs in zip(got, brute, strict=True):
            assert abs(mine - theirs) <= 0.005 * theirs + 0.5


def test_nearest_endpoint_answers_metres(client: TestClient) -> None:
    response = client.get(
        "/api/v1/public/stations/nearest",
        params={"lon": 126.553, "lat": 43.862, "service": "charging", "open_now": "false", "limit": 3},
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert len(answer) == 3
    assert answer[0]["distance_m"] <= answer[1]["distance_m"] <= answer[2]["distance_m"]
    assert all("charging" in s["services"] for s in answer)
    assert client.get("/api/v1/public/stations/nearest", params={"lon": 500, "lat": 43}).status_code == 422


def test_pairings_carry_unit_community_secretary_and_projects(client: TestClient) -> None:
    pairings = client.get("/api/v1/public/pairings", params={"limit": 500}).json()
    assert len(pairings) == 215
    by_unit = {p["unit_name"]: p for p in pairings}
    education = by_unit["吉林市教育局"]
    assert education["community"]["name"] == "新邑西区社区"
    assert education["first_secretary"]["name"] == "付政达"
    assert "口袋公园建设" in education["projects"]
    assert by_unit["吉林市政协"]["community"]["name"] == "泰和社区"
    one = client.get("/api/v1/public/pairings", params={"community": education["community"]["code"]}).json()
    assert [p["code"] for p in one] == [education["code"]]


def test_commercial_streets_are_lines(client: TestClient) -> None:
    streets = client.get("/api/v1/public/commercial-streets").json()
    assert [s["geometry"]["type"] for s in streets] == ["LineString"] * 3
