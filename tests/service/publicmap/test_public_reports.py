"""Public reports never show an exact point, a reporter or free text; only accepted states; only derivatives."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.coarsen import cell_centre
from geo.crs import M_PER_DEG, haversine_m

CELL = 100.0


def off_centre_points(db: Session, count: int) -> list[tuple[float, float]]:
    """WGS-84 points 20–45 m away from the centre of their 100 m cell (`geo.coarsen`), in the urban core."""
    points = []
    for k in range(1, count + 1):
        centre_lon, centre_lat = cell_centre(126.53 + k * 0.0021, 43.85 + (k % 7) * 0.0023, CELL)
        east = (1 if k % 2 == 0 else -1) * (20 + k % 25)
        north = (1 if k % 3 == 0 else -1) * (20 + (k * 7) % 25)
        points.append(
            (
                centre_lon + east / (M_PER_DEG * math.cos(math.radians(centre_lat))),
                centre_lat + north / M_PER_DEG,
            )
        )
    return points


def assert_cell_centre(db: Session, report_id: uuid.UUID, lon: float, lat: float) -> None:
    """The shown point is the centre of the 100 m cell holding the stored point, and not the point."""
    stored = db.execute(text("SELECT lon, lat FROM reports WHERE id = :id"), {"id": report_id}).one()
    centre = cell_centre(stored.lon, stored.lat, CELL)
    assert (lon, lat) == pytest.approx(centre, abs=1e-6)  # Open311 writes 6 decimals
    assert haversine_m((lon, lat), (stored.lon, stored.lat)) > 10.0  # the test points sit >= 20 m off


def test_public_reports_are_coarsened_and_stripped(
    client: TestClient, db: Session, make_report: Callable[..., uuid.UUID]
) -> None:
    points = off_centre_points(db, 12)
    states = ["dispatched", "closed", "filed", "checked_in", None, "voided"] * 2
    ids = {
        make_report(lon, lat, state=state, photos=2): state
        for (lon, lat), state in zip(points, states, strict=True)
    }
    response = client.get("/api/v1/public/reports", params={"limit": 1000})
    assert response.status_code == 200
    shown = {uuid.UUID(r["id"]): r for r in response.json()}
    public = {i for i, s in ids.items() if s in ("dispatched", "closed", "filed", "checked_in")}
    assert public <= set(shown)
    assert not (set(ids) - public) & set(shown)  # triage and voided reports stay inside
    for report_id in public:
        report = shown[report_id]
        assert_cell_centre(db, report_id, report["lon"], report["lat"])
        assert report["status"] == ("closed" if ids[report_id] == "closed" else "open")
        assert set(report) & {"reporter_id", "reporter", "text", "routing", "flags"} == set()
        for photo in report["photos"]:
            assert photo["display_url"].startswith("http://testserver/media/public/")
            assert photo["thumb_url"].startswith("http://testserver/media/public/")
        assert "secret" not in str(report) and "张三" not in str(report)


def test_bbox_applies_to_the_coarse_position(
    client: TestClient, db: Session, make_report: Callable[..., uuid.UUID]
) -> None:
    ((lon, lat),) = off_centre_points(db, 1)
    report_id = make_report(lon, lat, state="filed")
    shown = client.get("/api/v1/public/reports", params={"limit": 1000}).json()
    centre = next(r for r in shown if r["id"] == str(report_id))
    # A tiny box around the exact point but not its cell centre finds nothing.
    tiny = f"{lon - 1e-5},{lat - 1e-5},{lon + 1e-5},{lat + 1e-5}"
    assert str(report_id) not in {
        r["id"] for r in client.get("/api/v1/public/reports", params={"bbox": tiny}).json()
    }
    around_centre = (
        f"{centre['lon'] - 1e-5},{centre['lat'] - 1e-5},{centre['lon'] + 1e-5},{centre['lat'] + 1e-5}"
    )
    found = client.get("/api/v1/public/reports", params={"bbox": around_centre}).json()
    assert str(report_id) in {r["id"] for r in found}


def test_status_filter(client: TestClient, db: Session, make_report: Callable[..., uuid.UUID]) -> None:
    (a, b) = off_centre_points(db, 2)
    open_id = make_report(*a, state="dispatched")
    closed_id = make_report(*b, state="closed")
    closed = {r["id"] for r in client.get("/api/v1/public/reports", params={"status": "closed"}).json()}
    assert str(closed_id) in closed and str(open_id) not in closed
