"""GET /api/v1/route and friends over HTTP on the demo city: the documented answers (README, Routing rules)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo import crs
from geo.router import Router
from service.accounts.models import Role
from service.geography.reference import reference_route
from tests.service.geography.helpers import URBAN_BBOX, current_router
from tests.support.rolled_back import Login, UserFactory

DESHENG = "220204001000"


@pytest.fixture
def headers(make_user: UserFactory, login: Login) -> dict[str, str]:
    return login(make_user(Role.grid_worker))


def get_route(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/route", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def river(db: Session) -> shapely.Geometry:
    wkb = db.execute(text("SELECT ST_AsBinary(geom) FROM water_features WHERE kind = 'river'")).scalar_one()
    return shapely.from_wkb(bytes(wkb))


def river_points(db: Session, router: Router) -> tuple[np.ndarray, np.ndarray, Any]:
    water = shapely.intersection(river(db), shapely.box(*URBAN_BBOX))
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = water.bounds
    x, y = rng.uniform(minx, maxx, 40_000), rng.uniform(miny, maxy, 40_000)
    inside = shapely.contains_xy(water, x, y)
    x, y = x[inside], y[inside]
    return x, y, router.route_many(x, y)


def test_a_point_inside_a_grid_is_routed_with_every_level(
    client: TestClient, headers: dict[str, str], db: Session
) -> None:
    router = current_router(db)
    grid = next(g for g in router.grids if g.street.code == DESHENG)
    p = grid.geometry.representative_point()
    body = get_route(client, headers, lon=p.x, lat=p.y)
    assert body["status"] == "routed" and body["snapped_distance_m"] is None
    assert body["grid"] == {"code": grid.code, "name": grid.name}
    assert body["community"]["code"] == grid.community.code
    assert body["street"] == {"code": DESHENG, "name": "德胜街道"}
    assert body["district"] == {"code": "220204", "name": "船营区"}
    assert body["units"] == [] and "no category given: no units chosen" in body["trace"]


def test_gcj02_and_wgs84_of_the_same_place_route_to_the_same_grid(
    client: TestClient, headers: dict[str, str], db: Session
) -> None:
    router = current_router(db)
    for grid in router.grids[::150]:
        p = grid.geometry.representative_point()
        gx, gy = crs.wgs84_to_gcj02(p.x, p.y)
        assert abs(gx - p.x) + abs(gy - p.y) > 0.003  # GCJ-02 is ~500 m off in Jilin
        wgs = get_route(client, headers, lon=p.x, lat=p.y, datum="wgs84")
        gcj = get_route(client, headers, lon=gx, lat=gy, datum="gcj02")
        bd = get_route(
            client,
            headers,
            lon=crs.wgs84_to_bd09(p.x, p.y)[0],
            lat=crs.wgs84_to_bd09(p.x, p.y)[1],
            datum="bd09",
        )
        assert wgs["grid"]["code"] == gcj["grid"]["code"] == bd["grid"]["code"] == grid.code
        assert abs(gcj["lon"] - p.x) < 1e-7 and abs(gcj["lat"] - p.y) < 1e-7
        assert gcj["trace"][0].startswith("converted gcj02")


def test_a_point_on_a_shared_edge_goes_to_the_smallest_code(
    client: TestClient, headers: dict[str, str], db: Session
) -> None:
    router = current_router(db)
    first = next(g for g in router.grids if g.street.code == DESHENG)
    vertices = shapely.get_coordinates(first.geometry)
    candidates = [g for g in router.grids if g.geometry.intersects(first.geometry) and g.code != first.code]
    for x, y in vertices.tolist():
        covering = sorted(
            g.code for g in [first, *candidates] if shapely.covers(g.geometry, shapely.Point(x, y))
        )
        if len(covering) >= 2:
            break
    else:
        pytest.fail(f"no shared vertex on {first.code}")
    body = get_route(client, headers, lon=x, lat=y)
    assert body["status"] == "routed" and body["grid"]["code"] == covering[0]
    assert any("the smallest code wins" in line for line in body["trace"])
    assert reference_route(session=db, lon=x, lat=y).grid_code == covering[0]


def test_a_point_in_a_gap_near_a_grid_is_snapped(
    client: TestClient, headers: dict[str, str], db: Session
) -> None:
    router = current_router(db)
    x, y, routes = river_points(db, router)
    pick = np.flatnonzero(routes.snapped & (routes.distance_m > 10) & (routes.distance_m < 40))
    assert pick.size > 0
    k = int(pick[0])
    body = get_route(client, headers, lon=float(x[k]), lat=float(y[k]))
    nearest = router.grids[int(routes.grid[k])]
    assert body["status"] == "snapped" and body["grid"]["code"] == nearest.code
    assert 10 < body["snapped_distance_m"] < 40
    assert body["community"]["code"] == nearest.community.code  # parents follow the snapped grid
    ref = reference_route(session=db, lon=float(x[k]), lat=float(y[k]))
    assert ref.status == "snapped" and ref.grid_code == nearest.code
    assert ref.distance_m is not None and abs(ref.distance_m - body["snapped_distance_m"]) < 0.5


def test_a_point_in_the_river_is_unrouted_but_keeps_street_and_district(
    client: TestClient, headers: dict[str, str], db: Session
) -> None:
    router = current_router(db)
    x, y, routes = river_points(db, router)
    far = np.flatnonzero(routes.grid < 0)
    k = int(far[0])
    gap = db.execute(
        text(
            "SELECT min(ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(:x, :y), 4326)::geography)) FROM grids"
        ),
        {"x": float(x[k]), "y": float(y[k])},
    ).scalar_one()
    assert gap > 50
    body = get_route(client, headers, lon=float(x[k]), lat=float(y[k]), category="0202")
    assert body["status"] == "unrouted"
    assert body["grid"] is None and body["community"] is None  # communities leave the river out
    assert body["street"] is not None and body["district"] is not None  # streets and districts cover it
    assert body["units"], "units follow jurisdictions, which cover the river"
    assert reference_route(session=db, lon=float(x[k]), lat=float(y[k])).status == "unrouted"


def test_a_point_100_km_outside_the_city_is_unrouted_with_nothing(
    client: TestClient, headers: dict[str, str], db: Session
) -> None:
    bounds = db.execute(
        text("SELECT ST_XMax(ST_Extent(geom)), ST_YMin(ST_Extent(geom)) FROM districts")
    ).one()
    lon, lat = float(bounds[0]) + 100_000 / (111_320 * np.cos(np.radians(float(bounds[1])))), float(bounds[1])
    body = get_route(client, headers, lon=lon, lat=lat, category="0202")
    assert body["status"] == "unrouted"
    assert [body[k] for k in ("grid", "community", "street", "district")] == [None] * 4
    assert body["units"] == [] and body["snapped_distance_m"] is None


def test_units_follow_the_category_rule(client: TestClient, headers: dict[str, str], db: Session) -> None:
    router = current_router(db)
    grid = next(g for g in router.grids if g.street.code == DESHENG)
    p = grid.geometry.representative_point()
    clutter = get_route(client, headers, lon=p.x, lat=p.y, category="0507")  # on the street list
    assert [(u["name"], u["role"]) for u in clutter["units"]] == [("德胜街道综合行政执法队", "street_team")]
    vending = get_route(client, headers, lon=p.x, lat=p.y, category="0501")  # on the list, with a department
    assert [(u["name"], u["role"]) for u in vending["units"]] == [
        ("德胜街道综合行政执法队", "street_team"),
        ("船营区城管执法大队", "joint"),
        ("吉林市市场监督管理局", "joint"),
    ]
    signboard = get_route(client, headers, lon=p.x, lat=p.y, category="0202")  # market + police
    named = [(u["name"], u["kind"], u["role"]) for u in signboard["units"]]
    assert named == [
        ("吉林市市场监督管理局", "market_regulation", "primary"),
        ("北京路派出所", "public_security", "joint"),
    ]
    unit_ids = {u["id"] for u in signboard["units"]}
    stored = {
        str(i)
        for i in db.execute(
            text("SELECT id FROM department_units WHERE name IN ('吉林市市场监督管理局', '北京路派出所')")
        ).scalars()
    }
    assert unit_ids == stored


def test_route_errors(client: TestClient, headers: dict[str, str]) -> None:
    assert client.get("/api/v1/route", params={"lon": 126.5, "lat": 43.8}).status_code == 401
    unknown = client.get(
        "/api/v1/route", params={"lon": 126.5, "lat": 43.8, "category": "9999"}, headers=headers
    )
    assert unknown.status_code == 422 and "unknown category" in unknown.json()["error"]["message"]
    datum = client.get(
        "/api/v1/route", params={"lon": 126.5, "lat": 43.8, "datum": "osgb36"}, headers=headers
    )
    assert datum.status_code == 422
    far = client.get("/api/v1/route", params={"lon": 1000, "lat": 43.8}, headers=headers)
    assert far.status_code == 422


def test_categories_are_public_with_rules_and_limits(client: TestClient) -> None:
    response = client.get("/api/v1/categories")
    assert response.status_code == 200
    body = response.json()
    vending = next(c for c in body if c["code"] == "0501")
    assert (
        vending["name"] == "无照经营游商"
        and vending["major_code"] == "05"
        and vending["major_name"] == "街面秩序"
    )
    assert vending["on_street_list"] is True
    assert set(vending["report_in_limit"]) == {"amount", "unit"}
    assert vending["handling_limit"]["unit"] in ("urgent_hours", "work_hours", "work_days", "natural_days")
    assert len(body) == len({c["code"] for c in body}) >= 40


def test_divisions_as_geojson(client: TestClient, headers: dict[str, str]) -> None:
    districts = client.get("/api/v1/divisions/district", headers=headers).json()
    assert districts["type"] == "FeatureCollection" and len(districts["features"]) == 9
    assert all(f["geometry"]["type"] == "MultiPolygon" for f in districts["features"])
    assert {f["properties"]["name"] for f in districts["features"]} >= {"船营区", "舒兰市"}
    streets = client.get("/api/v1/divisions/street", params={"parent": "220204"}, headers=headers).json()
    assert DESHENG in {f["id"] for f in streets["features"]}
    assert all(f["properties"]["parent_code"] == "220204" for f in streets["features"])
    box = client.get(
        "/api/v1/divisions/grid",
        params={"bbox": "126.53,43.83,126.55,43.85", "geometry": "false"},
        headers=headers,
    ).json()
    assert 0 < len(box["features"]) < 200 and box["features"][0]["geometry"] is None
    one = client.get("/api/v1/divisions/street/" + DESHENG, headers=headers).json()
    assert (
        one["type"] == "Feature" and one["properties"]["name"] == "德胜街道" and one["properties"]["is_demo"]
    )
    missing = client.get("/api/v1/divisions/grid/220204001999999", headers=headers)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/divisions/planet", headers=headers).status_code == 422
    bad = client.get("/api/v1/divisions/grid", params={"bbox": "1,2,3"}, headers=headers)
    assert bad.status_code == 422
    assert client.get("/api/v1/divisions/district").status_code == 401


def test_units_list(client: TestClient, headers: dict[str, str]) -> None:
    police = client.get("/api/v1/units", params={"kind": "public_security"}, headers=headers).json()
    assert "北京路派出所" in {u["name"] for u in police}
    assert {u["kind_name"] for u in police} == {"公安"}
    everything = client.get("/api/v1/units", params={"limit": 500}, headers=headers).json()
    teams = [u for u in everything if u["is_street_team"]]
    assert len(teams) == 75 and all(u["street_code"] for u in teams)
