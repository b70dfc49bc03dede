"""Concurrent redemptions against a real uvicorn on a fresh database cannot overdraw a balance."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from service.accounts import service as accounts
from service.accounts.models import Role
from tests.service.couriers.conftest import CHANGJIANG, GRID_A, assign, seed_places
from tests.support.rolled_back import PASSWORD

THREADS = 12
BALANCE = 35
COST = 10


@pytest.fixture
def seeded(fresh_database_url: str) -> Iterator[dict[str, str]]:
    engine = create_engine(fresh_database_url)
    with Session(engine) as session:
        seed_places(session)
        names = {}
        for role, name in (
            (Role.dispatcher, "dispatcher"),
            (Role.grid_worker, "worker"),
            (Role.courier, "rider"),
        ):
            user = accounts.create_user(session=session, username=f"cc-{name}", password=PASSWORD, role=role)
            names[name] = user.username
            if role is Role.grid_worker:
                assign(session, user, GRID_A)
        session.commit()
    yield names
    engine.dispose()


def login(client: httpx.Client, username: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_parallel_redemptions_succeed_exactly_as_often_as_affordable(
    seeded: dict[str, str], live_server: str, fresh_database_url: str
) -> None:
    with httpx.Client(base_url=live_server, timeout=60) as client:
        staff, worker, rider = (login(client, seeded[k]) for k in ("dispatcher", "worker", "rider"))
        company = client.post(
            "/api/v1/companies",
            json={"code": "jishiyu", "name": "及时雨外卖公司", "kind": "food_delivery"},
            headers=staff,
        ).json()
        assert (
            client.put(
                "/api/v1/riders/me",
                json={"company_id": company["id"], "community_code": CHANGJIANG},
                headers=rider,
            ).status_code
            == 200
        )
        program = client.post(
            "/api/v1/programs",
            json={
                "community_code": CHANGJIANG,
                "type": "activity",
                "kind": "volunteer",
                "title": "暖新大集",
                "points": BALANCE,
            },
            headers=worker,
        ).json()
        client.post(f"/api/v1/programs/{program['id']}/join", headers=rider)
        me = client.get("/api/v1/auth/me", headers=rider).json()
        confirmed = client.post(
            f"/api/v1/programs/{program['id']}/participants/{me['id']}/confirm", headers=worker
        )
        assert confirmed.status_code == 200
        item = client.post(
            "/api/v1/redemption-items",
            json={"community_code": CHANGJIANG, "name": "暖新保温杯", "cost": COST, "stock": 100},
            headers=worker,
        ).json()

    barrier = threading.Barrier(THREADS)
    outcomes: list[tuple[int, str]] = []
    lock = threading.Lock()

    def attempt() -> None:
        with httpx.Client(base_url=live_server, timeout=60) as own:
            barrier.wait()
            response = own.post("/api/v1/redemptions", json={"item_id": item["id"]}, headers=rider)
            code = response.json().get("error", {}).get("code", "") if response.status_code != 201 else ""
            with lock:
                outcomes.append((response.status_code, code))

    threads = [threading.Thread(target=attempt) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    affordable = BALANCE // COST
    assert Counter(outcomes) == Counter(
        {(201, ""): affordable, (409, "insufficient_points"): THREADS - affordable}
    )
    with httpx.Client(base_url=live_server, timeout=60) as client:
        mine = client.get("/api/v1/points/me", headers=rider).json()
        items = client.get(f"/api/v1/redemption-items?community={CHANGJIANG}", headers=rider).json()
    assert mine["balance"] == BALANCE - affordable * COST >= 0
    assert sum(e["amount"] for e in mine["entries"]) == mine["balance"]
    assert items[0]["stock"] == 100 - affordable
    engine = create_engine(fresh_database_url)
    with engine.connect() as conn:
        ledger = conn.execute(text("SELECT coalesce(sum(amount), 0), count(*) FROM points_entries")).one()
        stored = conn.execute(text("SELECT balance FROM points_balances")).scalar_one()
    engine.dispose()
    assert (ledger[0], ledger[1], stored) == (mine["balance"], 1 + affordable, mine["balance"])
