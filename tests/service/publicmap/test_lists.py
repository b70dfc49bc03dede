"""The public map's lists page by key (issue 14, item 11): stations and pairing points by code, public
reports newest first; the web map follows `X-Next-Cursor` to show every one of them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.paging import LINK
from tests.service.publicmap.test_public_reports import off_centre_points
from tests.support.paging import walk_pages


def test_stations_and_pairings_page_by_code(client: TestClient) -> None:
    first = client.get("/api/v1/public/stations")
    assert len(first.json()) == 100 and LINK in first.headers
    stations, pages = walk_pages(client, "/api/v1/public/stations")
    codes = [s["code"] for s in stations]
    assert len(stations) == 267 and pages == 3 and codes == sorted(set(codes))
    assert stations == client.get("/api/v1/public/stations", params={"limit": 500}).json()
    toilets, _ = walk_pages(client, "/api/v1/public/stations?service=toilet&limit=50")
    assert 0 < len(toilets) < 267 and all("toilet" in s["services"] for s in toilets)
    pairings, pages = walk_pages(client, "/api/v1/public/pairings?limit=100")
    assert len(pairings) == 215 and pages == 3
    assert [p["code"] for p in pairings] == sorted({p["code"] for p in pairings})
    assert len(client.get("/api/v1/public/commercial-streets", params={"limit": 2}).json()) == 2


def test_public_reports_page_newest_first(
    client: TestClient, db: Session, make_report: Callable[..., object]
) -> None:
    now = datetime.now(UTC)
    same_instant = now - timedelta(hours=1)
    for i, point in enumerate(off_centre_points(db, 7)):
        make_report(*point, state="filed", created_at=same_instant if i < 3 else now - timedelta(minutes=i))
    db.commit()
    everything = client.get("/api/v1/public/reports").json()
    assert len(everything) == 7
    walked, pages = walk_pages(client, "/api/v1/public/reports?limit=2")
    assert walked == everything and pages == 4
    assert [r["created_at"] for r in walked] == sorted((r["created_at"] for r in walked), reverse=True)
