"""Vector tiles decoded with mapbox-vector-tile: each layer's features, the role-aware report layer,
city-zoom counts, ETag/304 and TileJSON."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.coarsen import cell_centre
from geo.tiles import lonlat_to_3857, tile_bounds_3857, tile_of, tile_pixel_to_3857
from service.accounts.models import Role, User
from tests.service.publicmap.test_public_reports import CELL, off_centre_points

CENTRE = (126.553, 43.862)


def decode(data: bytes) -> dict[str, Any]:
    if not data:
        return {}
    decoded: dict[str, Any] = mapbox_vector_tile.decode(data)
    return decoded


def fetch(client: TestClient, layer: str, z: int, lon: float, lat: float, **kw: Any) -> dict[str, Any]:
    x, y = tile_of(lon, lat, z)
    response = client.get(f"/tiles/{layer}/{z}/{x}/{y}.mvt", **kw)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    found: dict[str, Any] = decode(response.content).get(layer, {"features": []})
    return found


@pytest.mark.parametrize(
    ("layer", "z", "table", "key"),
    [
        ("districts", 9, "districts", "code"),
        ("streets", 12, "streets", "code"),
        ("communities", 13, "communities", "code"),
        ("grids", 14, "grids", "code"),
        ("stations", 12, "stations", "code"),
        ("pairings", 12, "pairings", "code"),
        ("commercial_streets", 12, "commercial_streets", "code"),
    ],
)
def test_layer_tile_holds_the_features_of_its_envelope(
    client: TestClient, db: Session, layer: str, z: int, table: str, key: str
) -> None:
    x, y = tile_of(*CENTRE, z)
    minx, miny, maxx, maxy = tile_bounds_3857(z, x, y)
    where = "valid_to IS NULL AND " if table in ("districts", "streets", "communities", "grids") else ""
    margin = (maxx - minx) * 64 / 4096  # the tile's buffer: features just outside it are drawn too

    def inside(pad: float) -> set[str]:
        return set(
            db.scalars(
                text(
                    f"SELECT {key} FROM {table} WHERE {where} "
                    "ST_Intersects(geom_3857, ST_MakeEnvelope(:a, :b, :c, :d, 3857))"
                ),
                {"a": minx - pad, "b": miny - pad, "c": maxx + pad, "d": maxy + pad},
            )
        )

    expected = inside(0.0)
    assert expected, "the test tile should not be empty"
    features = fetch(client, layer, z, *CENTRE)["features"]
    got = {f["properties"][key] for f in features}
    assert expected <= got <= inside(margin)
    if layer == "stations":
        station = db.execute(
            text("SELECT ST_X(geom_3857) AS x, ST_Y(geom_3857) AS y, services FROM stations WHERE code = :c"),
            {"c": features[0]["properties"]["code"]},
        ).one()
        px, py = features[0]["geometry"]["coordinates"]
        mx, my = tile_pixel_to_3857(z, x, y, px, py)
        assert abs(mx - station.x) <= (maxx - minx) / 4096 and abs(my - station.y) <= (maxx - minx) / 4096
        assert features[0]["properties"]["services"] == ",".join(station.services)


def test_layers_below_their_minimum_zoom_are_empty(client: TestClient) -> None:
    assert fetch(client, "grids", 6, *CENTRE)["features"] == []


def test_unknown_layer_or_tile_is_404(client: TestClient) -> None:
    assert client.get("/tiles/secrets/1/0/0.mvt").status_code == 404
    assert client.get("/tiles/grids/3/8/0.mvt").status_code == 404


def test_public_report_tile_never_holds_an_exact_position(
    client: TestClient,
    db: Session,
    make_report: Callable[..., uuid.UUID],
    make_user: Callable[..., User],
    login: Callable[[User], dict[str, str]],
) -> None:
    z = 16
    points = off_centre_points(db, 8)
    ids = [make_report(lon, lat, state="dispatched") for lon, lat in points]
    hidden = make_report(points[0][0], points[0][1])  # still in triage: not public
    seen: dict[str, tuple[float, float]] = {}
    staff_seen: dict[str, tuple[float, float]] = {}
    staff = login(make_user(Role.dispatcher))
    # The tiles holding the points and those holding their cells' centres (where the public sees them).
    tiles = {tile_of(lon, lat, z) for lon, lat in points} | {
        tile_of(*cell_centre(lon, lat, CELL), z) for lon, lat in points
    }
    for x, y in sorted(tiles):
        for headers, into in (({}, seen), (staff, staff_seen)):
            response = client.get(f"/tiles/reports/{z}/{x}/{y}.mvt", headers=headers)
            for feature in decode(response.content).get("reports", {"features": []})["features"]:
                into[feature["properties"]["id"]] = tile_pixel_to_3857(
                    z, x, y, *feature["geometry"]["coordinates"]
                )
    assert {str(i) for i in ids} <= set(seen)
    assert str(hidden) not in seen and str(hidden) in staff_seen
    pixel = (tile_bounds_3857(z, 0, 0)[2] - tile_bounds_3857(z, 0, 0)[0]) / 4096
    for report_id in ids:
        row = db.execute(
            text("SELECT lon, lat, ST_X(geom_3857) AS ex, ST_Y(geom_3857) AS ey FROM reports WHERE id = :id"),
            {"id": report_id},
        ).one()
        cx, cy = lonlat_to_3857(*cell_centre(row.lon, row.lat, CELL))
        px, py = seen[str(report_id)]
        assert abs(px - cx) <= 1.5 * pixel and abs(py - cy) <= 1.5 * pixel  # the cell centre
        assert ((px - row.ex) ** 2 + (py - row.ey) ** 2) ** 0.5 > 20  # never the stored point
        sx, sy = staff_seen[str(report_id)]
        assert abs(sx - row.ex) <= 1.5 * pixel and abs(sy - row.ey) <= 1.5 * pixel  # staff: exact


def test_city_zoom_report_tile_carries_counts_per_grid(
    client: TestClient,
    db: Session,
    make_report: Callable[..., uuid.UUID],
    make_user: Callable[..., User],
    login: Callable[[User], dict[str, str]],
) -> None:
    lon, lat = 126.5535, 43.8625
    now = datetime.now(UTC)
    make_report(lon, lat, state="dispatched", dispatch_deadline=now - timedelta(hours=1))  # red
    make_report(
        lon, lat, state="dispatched", dispatch_deadline=now + timedelta(hours=1)
    )  # yellow (90 % used)
    make_report(lon, lat, state="dispatched", dispatch_deadline=now + timedelta(days=30))  # green
    make_report(lon, lat, state="closed")
    make_report(lon, lat)  # triage
    grid = db.scalar(
        text(
            "SELECT grid_code FROM reports WHERE ST_Equals(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) LIMIT 1"
        ),
        {"lon": lon, "lat": lat},
    )
    staff = login(make_user(Role.dispatcher))
    features = fetch(client, "reports", 12, lon, lat, headers=staff)["features"]
    mine = [f for f in features if f["properties"]["code"] == grid]
    assert len(mine) == 1 and mine[0]["geometry"]["type"] == "Point"
    counts = mine[0]["properties"]
    assert counts["level"] == "grid"
    assert (counts["total"], counts["reported"], counts["in_progress"], counts["closed"]) == (5, 1, 3, 1)
    assert (counts["red"], counts["yellow"], counts["green"]) == (1, 1, 1)
    public = fetch(client, "reports", 12, lon, lat)["features"]
    (mine_public,) = [f for f in public if f["properties"]["code"] == grid]
    assert mine_public["properties"] == {
        "level": "grid",
        "code": grid,
        "name": counts["name"],
        "count": 4,
        "open": 3,
        "closed": 1,
    }
    assert "red" not in mine_public["properties"]
    assert {f["properties"]["level"] for f in fetch(client, "reports", 10, lon, lat)["features"]} <= {
        "community"
    }
    assert {f["properties"]["level"] for f in fetch(client, "reports", 8, lon, lat)["features"]} <= {"street"}


def test_feature_limit_per_tile(client: TestClient, map_settings: Any) -> None:
    map_settings.tile_feature_limit = 5
    assert len(fetch(client, "grids", 12, *CENTRE)["features"]) == 5


def test_etag_and_304(client: TestClient) -> None:
    x, y = tile_of(*CENTRE, 12)
    first = client.get(f"/tiles/stations/12/{x}/{y}.mvt")
    etag = first.headers["etag"]
    # Weak: the same tile goes out plain or gzip-compressed.
    assert etag.startswith('W/"') and "max-age" in first.headers["cache-control"]
    again = client.get(f"/tiles/stations/12/{x}/{y}.mvt", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other = client.get(f"/tiles/stations/12/{x}/{y}.mvt", headers={"If-None-Match": '"stale"'})
    assert other.status_code == 200 and other.content == first.content
    reports = client.get(f"/tiles/reports/12/{x}/{y}.mvt")
    assert "Authorization" in reports.headers["vary"].split(", ")


def test_tilejson_per_layer(client: TestClient) -> None:
    for layer in (
        "districts",
        "streets",
        "communities",
        "grids",
        "stations",
        "pairings",
        "commercial_streets",
        "reports",
    ):
        doc = client.get(f"/tiles/{layer}.json").json()
        assert doc["tilejson"] == "3.0.0"
        assert doc["tiles"][0].endswith(f"/tiles/{layer}/{{z}}/{{x}}/{{y}}.mvt")
        assert doc["vector_layers"][0]["id"] == layer
        west, south, east, north = doc["bounds"]
        assert 125 < west < east < 128.5 and 42 < south < north < 45
    assert client.get("/tiles/nope.json").status_code == 404


def test_stale_counts_are_served_while_a_background_rebuild_is_asked_for(db: Session) -> None:
    from service.tiles import counts

    now = datetime.now(UTC)
    first = counts.refresh(session=db, now=now)
    asked: list[bool] = []
    later = now + timedelta(minutes=5)
    served = counts.ensure_fresh(session=db, now=later, max_age_s=60, background=lambda: asked.append(True))
    assert asked == [True] and served == first  # the previous counts, at once
    fresh = counts.ensure_fresh(session=db, now=later, max_age_s=60)
    assert fresh.version == first.version + 1 and fresh.refreshed_at == later  # inline when no background
    again = counts.ensure_fresh(session=db, now=later, max_age_s=60, background=lambda: asked.append(True))
    assert again == fresh and asked == [True]  # fresh: nothing to do
