"""No public answer ever carries a reporter's exact position or identity.

A grid worker with a distinctive name reports a hazard at a distinctive point (through the API, with a
real photo carrying its own EXIF GPS); the command center files it so that it becomes public. Then every
anonymous interface is read — the public API, OGC API – Features, Open311 in JSON and XML, and the public
report tiles — and searched for the exact coordinates (device fix and EXIF), the reporter's username,
display name and id, and the report's free text.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import mapbox_vector_tile
from fastapi.testclient import TestClient

from service.accounts.models import Role, User
from tests.media.photo_factory import fixture_bytes
from tests.service.reports.conftest import post_report
from tests.support.rolled_back import UserFactory

LON, LAT = 126.5498761, 43.8612347  # 昌邑区, inside the urban grids
SECRET_TEXT = "王秘密家门口"  # free text may name people or homes: never public


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def tile_point_to_lonlat(px: float, py: float, z: int, x: int, y: int, extent: int) -> tuple[float, float]:
    n = 2**z
    fx = (x + px / extent) / n
    fy = (y + 1 - py / extent) / n  # MVT y grows downwards within the tile; the decoder flips it
    lon = fx * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * fy))))
    return lon, lat


def test_public_interfaces_never_reveal_position_or_reporter(
    client: TestClient, make_user: UserFactory, login: Callable[[User], dict[str, str]]
) -> None:
    reporter = make_user(Role.grid_worker, username="zhengyang.grid.7", display_name="赵隐私")
    created = post_report(
        client, login(reporter), [fixture_bytes("DSCN0010.jpg")], lon=LON, lat=LAT, text=SECRET_TEXT
    )
    assert created.status_code == 201, created.text
    report_id = created.json()["id"]
    dispatcher = login(make_user(Role.dispatcher))
    filed = client.post(f"/api/v1/console/triage/{report_id}/file", json={}, headers=dispatcher)
    assert filed.status_code == 201, filed.text

    secrets = [
        f"{LON:.5f}",
        f"{LAT:.5f}",  # the device fix, to about a metre
        "11.88512",
        "43.46744",  # the photo's own EXIF position (DSCN0010.jpg)
        reporter.username,
        reporter.display_name,
        str(reporter.id),
        SECRET_TEXT,
    ]
    answers = {
        "public reports": client.get("/api/v1/public/reports"),
        "OGC items": client.get("/ogc/collections/reports/items", params={"limit": 1000}),
        "OGC item": client.get(f"/ogc/collections/reports/items/{report_id}"),
        "Open311 JSON": client.get("/open311/v2/requests.json"),
        "Open311 XML": client.get("/open311/v2/requests.xml"),
        "Open311 one": client.get(f"/open311/v2/requests/{report_id}.json"),
    }
    for name, response in answers.items():
        assert response.status_code == 200, f"{name}: {response.status_code} {response.text[:200]}"
        assert report_id in response.text, f"{name} should list the filed report"
        for secret in secrets:
            assert secret not in response.text, f"{name} reveals {secret!r}"

    # The anonymous report tile, zoomed in as far as a tile goes: the point is the cell centre, metres away
    # (but within the coarsening cell: the map still shows the right block).
    points_seen = 0
    for z in (14, 16, 18):
        x, y = tile_of(LON, LAT, z)
        tile = client.get(f"/tiles/reports/{z}/{x}/{y}.mvt")
        assert tile.status_code in (200, 204), tile.text
        if tile.status_code == 204 or not tile.content:
            continue
        for layer in mapbox_vector_tile.decode(tile.content).values():
            extent = layer.get("extent", 4096)
            for feature in layer["features"]:
                props = " ".join(str(v) for v in feature["properties"].values())
                for secret in secrets[4:]:
                    assert secret not in props
                geometry = feature["geometry"]
                if geometry["type"] != "Point":
                    continue
                px, py = geometry["coordinates"]
                lon, lat = tile_point_to_lonlat(px, py, z, x, y, extent)
                metres = math.hypot(
                    (lon - LON) * 111_320 * math.cos(math.radians(LAT)), (lat - LAT) * 110_540
                )
                assert 5 < metres < 150, (
                    f"tile z{z} places a public report {metres:.1f} m from the exact point"
                )
                points_seen += 1
    assert points_seen > 0, "the zoomed-in public tiles should show the filed report as a point"
