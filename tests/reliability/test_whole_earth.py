"""The whole Earth through every read interface: reports from anywhere (the poles, the antimeridian, 0/0,
every continent, the Songhua River, just outside the city) are uploaded through the phone API, some
accepted as cases, and then read through the public API, OGC API, Open311 (JSON and XML), the tiles at
several zooms (anonymous and staff) and the staff lists. No answer may be a 5xx, and every answer must
be what its format says it is.

The run is derandomised and short by default; dig deeper with, for example:

    WHISTLE_EARTH_EXAMPLES=300 .venv/bin/pytest tests/reliability/test_whole_earth.py
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree as ET

import mapbox_vector_tile
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.tiles import tile_of
from service.accounts.models import Role, User
from tests.media.photo_factory import encode, scene
from tests.support.cases import make_case

EXAMPLES = int(os.environ.get("WHISTLE_EARTH_EXAMPLES", "25"))
JILIN = (126.5496, 43.8379)
SPECIAL = [
    (0.0, 0.0), (0.0, 90.0), (0.0, -90.0), (180.0, 90.0), (-180.0, -90.0), (180.0, 0.0), (-180.0, 0.0),
    (179.9999999, 45.0), (-179.9999999, -45.0), (36.06, -0.37), (35.0, 0.37), (-74.006, 40.7128),
    (151.2093, -33.8688), (-58.3816, -34.6037), (2.3522, 48.8566), (18.4241, -33.9249), (166.67, -77.85),
    (-157.8583, 21.3069), JILIN,
]  # fmt: skip
PHOTO = encode(scene(), "JPEG", quality=80)


def _check(name: str, response: Any) -> None:
    assert response.status_code < 500, f"{name}: {response.status_code} {response.text[:300]}"
    kind = response.headers.get("content-type", "")
    if response.status_code in (204, 304) or not response.content:
        return
    if "json" in kind:
        json.loads(response.content)
    elif "xml" in kind:
        ET.fromstring(response.content)  # noqa: S314 - our own answer
    elif "vnd.mapbox-vector-tile" in kind:
        mapbox_vector_tile.decode(response.content)
    else:
        raise AssertionError(f"{name}: unexpected content type {kind!r}")


def _reads(lon: float, lat: float, report_id: uuid.UUID) -> dict[str, tuple[str, dict[str, Any]]]:
    box = f"{max(lon - 0.01, -180)},{max(lat - 0.01, -90)},{min(lon + 0.01, 180)},{min(lat + 0.01, 90)}"
    reads: dict[str, tuple[str, dict[str, Any]]] = {
        "public reports": ("/api/v1/public/reports", {"bbox": box}),
        "public stations nearest": ("/api/v1/public/stations/nearest", {"lon": lon, "lat": lat}),
        "OGC items": ("/ogc/collections/reports/items", {"bbox": box}),
        "OGC item": (f"/ogc/collections/reports/items/{report_id}", {}),
        "OGC grids": ("/ogc/collections/grids/items", {"bbox": box, "limit": 5}),
        "Open311 JSON": ("/open311/v2/requests.json", {"service_request_id": str(report_id)}),
        "Open311 XML": ("/open311/v2/requests.xml", {"service_request_id": str(report_id)}),
        "Open311 one": (f"/open311/v2/requests/{report_id}.json", {}),
        "Open311 one XML": (f"/open311/v2/requests/{report_id}.xml", {}),
        "route": ("/api/v1/route", {"lon": lon, "lat": lat, "category": "0101"}),
        "nearby": ("/api/v1/reports/nearby", {"lon": lon, "lat": lat, "category": "0101"}),
        "report": (f"/api/v1/reports/{report_id}", {}),
        "triage": ("/api/v1/console/triage", {}),
        "cases": ("/api/v1/console/cases", {}),
        "board": ("/api/v1/console/board", {}),
    }
    for z in (2, 8, 12, 14, 17):
        x, y = tile_of(lon, lat, z)
        reads[f"tile z{z}"] = (f"/tiles/reports/{z}/{x}/{y}.mvt", {})
    return reads


def test_reports_from_anywhere_on_earth_break_no_interface(
    client: TestClient, db: Session, make_user: Callable[..., User], login: Any
) -> None:
    reporter = login(make_user(Role.grid_worker))
    dispatcher = login(make_user(Role.dispatcher))
    river = db.execute(
        text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM water_features) q")
    ).first()
    edge = db.execute(
        text(
            "SELECT ST_X(p) + 0.0005, ST_Y(p) FROM (SELECT ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1) p "
            "FROM districts WHERE valid_to IS NULL ORDER BY code LIMIT 1) q"
        )
    ).first()
    places = [*SPECIAL, *([tuple(river)] if river else []), *([tuple(edge)] if edge else [])]
    points = st.one_of(
        st.sampled_from(places),
        st.tuples(
            st.floats(min_value=-180, max_value=180, allow_nan=False),
            st.floats(min_value=-90, max_value=90, allow_nan=False),
        ),
    )

    @given(point=points, datum=st.sampled_from(["wgs84", "gcj02", "bd09"]), accepted=st.booleans())
    @settings(
        max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    def one_place(point: tuple[float, float], datum: str, accepted: bool) -> None:
        lon, lat = point
        report_id = uuid.uuid4()
        posted = client.post(
            "/api/v1/reports",
            data={"id": str(report_id), "category": "0101", "lon": repr(lon), "lat": repr(lat), "datum": datum,
                  "accuracy_m": "10"},
            files=[("photos", ("p.jpg", PHOTO, "image/jpeg"))],
            headers=reporter,
        )  # fmt: skip
        assert posted.status_code == 201, (
            f"upload at {point} ({datum}): {posted.status_code} {posted.text[:300]}"
        )
        if accepted:
            make_case(db, report_id)
        for name, (path, params) in _reads(lon, lat, report_id).items():
            headers = dispatcher if name in ("triage", "cases", "board", "report", "route", "nearby") else {}
            _check(f"{name} at {point}", client.get(path, params=params, headers=headers))
            if path.startswith("/tiles/"):
                _check(f"{name} (staff) at {point}", client.get(path, headers=dispatcher))

    one_place()
    print(
        f"whole Earth: {EXAMPLES} places (at most), each through {len(_reads(0.0, 0.0, uuid.uuid4()))} reads"
    )
