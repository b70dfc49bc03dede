"""Public reports never show an exact point, a reporter or free text; only accepted states; only derivatives."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

UTM = 32652
CELL = 100.0


def off_centre_points(db: Session, count: int) -> list[tuple[float, float]]:
    """WGS-84 points 20–45 m away from the centre of their 100 m UTM cell, in the urban core."""
    rows = db.execute(
        text(
            """
            SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (
                SELECT ST_Transform(ST_SetSRID(ST_MakePoint(
                    floor(ST_X(c) / 100) * 100 + 50 + (CASE WHEN k % 2 = 0 THEN 1 ELSE -1 END) * (20 + k % 25),
                    floor(ST_Y(c) / 100) * 100 + 50 + (CASE WHEN k % 3 = 0 THEN 1 ELSE -1 END) * (20 + (k * 7) % 25)),
                    32652), 4326) AS p
                FROM (SELECT k, ST_Transform(ST_SetSRID(ST_MakePoint(126.53 + k * 0.0021, 43.85 + (k % 7) * 0.0023), 4326),
                                             32652) AS c
                      FROM generate_series(1, :n) AS k) q
            ) pts
            """
        ),
        {"n": count},
    ).all()
    return [(float(r.lon), float(r.lat)) for r in rows]


def assert_cell_centre(db: Session, report_id: uuid.UUID, lon: float, lat: float) -> None:
    """The shown point is the centre of the 100 m cell holding the stored point, and not the point."""
    row = db.execute(
        text(
            """
            SELECT ST_X(m) AS mx, ST_Y(m) AS my, ST_X(e) AS ex, ST_Y(e) AS ey,
                   ST_Distance(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, r.geom::geography) AS d
            FROM reports r,
                 LATERAL (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 32652) AS m,
                                 ST_Transform(r.geom, 32652) AS e) t
            WHERE r.id = :id
            """
        ),
        {"id": report_id, "lon": lon, "lat": lat},
    ).one()
    assert abs((row.mx % CELL) - CELL / 2) < 0.05 and abs((row.my % CELL) - CELL / 2) < 0.05
    assert row.mx // CELL == row.ex // CELL and row.my // CELL == row.ey // CELL
    assert row.d > 10.0  # the test points sit >= 20 m from their cell centres


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
            assert photo["display_url"].startswith("/media/public/display/")
            assert photo["thumb_url"].startswith("/media/public/thumbs/")
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
