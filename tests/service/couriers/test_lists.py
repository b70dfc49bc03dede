"""The couriers' lists page by key (issue 14, item 11). `GET /api/v1/riders` answered all 1,744 demo
riders at once (about 1 MB); now a page of 100 by default, the next page in `Link`/`X-Next-Cursor`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.accounts.models import Role
from service.couriers import demo
from service.couriers.models import Rider
from service.paging import LINK, NEXT_CURSOR
from tests.service.couriers.conftest import CHANGJIANG, Place, register, seed_places
from tests.support.paging import walk_pages
from tests.support.rolled_back import Login, UserFactory


def test_the_demo_riders_come_in_pages(
    client: TestClient, db: Session, make_user: UserFactory, login: Login
) -> None:
    seed_places(db)
    if not demo.has_demo_couriers(db):
        demo.load_demo_couriers(session=db)
    db.commit()
    riders = int(db.scalar(select(func.count()).select_from(Rider)) or 0)
    assert riders >= 1744
    staff = login(make_user(Role.dispatcher))
    first = client.get("/api/v1/riders", headers=staff)
    assert first.status_code == 200 and len(first.json()) == 100
    assert first.headers[LINK] == f'</api/v1/riders?cursor={first.headers[NEXT_CURSOR]}>; rel="next"'
    walked, pages = walk_pages(client, "/api/v1/riders?limit=500", staff)
    usernames = [r["username"] for r in walked]
    assert len(walked) == riders and pages == -(-riders // 500)
    assert usernames == sorted(set(usernames)) and walked[:100] == first.json()
    hired, _ = walk_pages(client, "/api/v1/riders?limit=500&hired=true", staff)
    assert 0 < len(hired) < riders and all(r["mobile_grid_worker"] for r in hired)
    assert client.get("/api/v1/riders", params={"limit": 501}, headers=staff).status_code == 422


def test_passes_programmes_items_and_participants_page(
    client: TestClient, place: Place, login: Login
) -> None:
    staff = login(place.worker)
    now = datetime.now(UTC)
    riders = [place.rider, place.rider2]
    for rider in riders:
        register(client, login(rider), place.outlet_id)
    for i in range(5):
        body = {
            "community_code": CHANGJIANG,
            "rider_id": str(riders[i % 2].id),
            "valid_from": (now - timedelta(days=1)).isoformat(),
            "valid_to": (now + timedelta(days=30 + i)).isoformat(),
        }
        assert client.post("/api/v1/passes", json=body, headers=staff).status_code == 201
        programme = {
            "community_code": CHANGJIANG,
            "type": "activity",
            "kind": "k",
            "title": f"活动{i}",
            "points": 1,
        }
        created = client.post("/api/v1/programs", json=programme, headers=staff)
        assert created.status_code == 201
        item = {"community_code": CHANGJIANG, "name": f"物品{i}", "cost": 10 - i % 2, "stock": 1}
        assert client.post("/api/v1/redemption-items", json=item, headers=staff).status_code == 201
    program_id = created.json()["id"]
    for rider in riders:
        assert client.post(f"/api/v1/programs/{program_id}/join", headers=login(rider)).status_code == 200

    def same(path: str, headers: dict[str, str], limit: int) -> list[object]:
        sep = "&" if "?" in path else "?"
        one = client.get(f"{path}{sep}limit=500", headers=headers).json()
        walked, _ = walk_pages(client, f"{path}{sep}limit={limit}", headers)
        assert walked == one, path
        return walked

    assert len(same(f"/api/v1/passes?community={CHANGJIANG}", staff, 2)) == 5
    assert len(same(f"/api/v1/gate/{CHANGJIANG}/passes", {}, 2)) == 5
    assert len(same("/api/v1/passes/mine", login(place.rider), 1)) == 3
    assert len(same(f"/api/v1/programs?community={CHANGJIANG}", staff, 2)) == 5
    assert len(same(f"/api/v1/redemption-items?community={CHANGJIANG}", staff, 2)) == 5
    assert len(same(f"/api/v1/programs/{program_id}/participants", staff, 1)) == 2
    garbage = client.get(
        f"/api/v1/programs/{program_id}/participants", params={"cursor": "x!"}, headers=staff
    )
    assert garbage.status_code == 422 and garbage.json()["error"]["message"].startswith("cursor: ")
    assert len(same("/api/v1/programs/counts", staff, 1)) >= 1
    assert len(same("/api/v1/companies", staff, 1)) >= 3
