"""Activities joined and projects claimed, confirmed by the community, earn points once; redemption
spends them; the ledger is append-only and sums to the balance; the company export adds up."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from service.couriers import points
from tests.service.couriers.conftest import CHANGJIANG, NEIGHBOUR, Place, register
from tests.support.rolled_back import Login


def offer(
    client: TestClient,
    headers: dict[str, str],
    type_: str,
    kind: str,
    title: str,
    pts: int,
    community: str = CHANGJIANG,
    **extra: object,
) -> str:
    response = client.post(
        "/api/v1/programs",
        json={
            "community_code": community,
            "type": type_,
            "kind": kind,
            "title": title,
            "points": pts,
            **extra,
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def earn(client: TestClient, place: Place, login: Login, pts: int, title: str = "反诈宣传进小区") -> None:
    staff = login(place.worker)
    program = offer(client, staff, "activity", "anti_fraud", title, pts)
    assert client.post(f"/api/v1/programs/{program}/join", headers=login(place.rider)).status_code == 200
    confirmed = client.post(
        f"/api/v1/programs/{program}/participants/{place.rider.id}/confirm", headers=staff
    )
    assert confirmed.status_code == 200, confirmed.text


def test_confirmed_participation_earns_once(
    client: TestClient, place: Place, login: Login, db: Session
) -> None:
    register(client, login(place.rider), place.outlet_id)
    staff, rider = login(place.worker), login(place.rider)
    project = offer(client, staff, "project", "red_errand", "红色代跑：为独居老人代买药品", 15)
    joined = client.post(f"/api/v1/programs/{project}/join", headers=rider)
    assert joined.status_code == 200 and joined.json()["confirmed_at"] is None
    assert client.get("/api/v1/points/me", headers=rider).json()["balance"] == 0
    url = f"/api/v1/programs/{project}/participants/{place.rider.id}/confirm"
    assert client.post(url, headers=login(place.neighbour_worker)).status_code == 403
    first = client.post(url, headers=staff)
    assert first.status_code == 200 and first.json()["points_entry_id"] is not None
    second = client.post(url, headers=login(place.dispatcher))
    assert second.status_code == 200 and second.json()["points_entry_id"] is None
    mine = client.get("/api/v1/points/me", headers=rider).json()
    assert mine["balance"] == 15 and mine["earned"] == 15
    assert [(e["kind"], e["amount"], e["reference_id"]) for e in mine["entries"]] == [
        ("project", 15, project)
    ]
    assert points.ledger_sum(session=db, user_id=place.rider.id) == 15


def test_joining_needs_a_rider_profile_and_room(client: TestClient, place: Place, login: Login) -> None:
    program = offer(client, login(place.worker), "activity", "volunteer", "暖新大集", 5, capacity=1)
    assert client.post(f"/api/v1/programs/{program}/join", headers=login(place.rider)).status_code == 404
    register(client, login(place.rider), place.outlet_id)
    register(client, login(place.rider2), place.outlet_id)
    assert client.post(f"/api/v1/programs/{program}/join", headers=login(place.rider)).status_code == 200
    assert client.post(f"/api/v1/programs/{program}/join", headers=login(place.rider)).status_code == 200
    full = client.post(f"/api/v1/programs/{program}/join", headers=login(place.rider2))
    assert full.status_code == 409
    assert client.post(f"/api/v1/programs/{program}/join", headers=login(place.worker)).status_code == 403


def test_counts_per_community_and_company(client: TestClient, place: Place, login: Login) -> None:
    register(client, login(place.rider), place.outlet_id)
    register(client, login(place.rider2), place.express_id, community=NEIGHBOUR)
    a = offer(client, login(place.worker), "project", "hazard_snap", "隐患问题随手拍", 5)
    b = offer(
        client, login(place.neighbour_worker), "activity", "civility", "文明创建", 5, community=NEIGHBOUR
    )
    for program, user in ((a, place.rider), (a, place.rider2), (b, place.rider2)):
        assert client.post(f"/api/v1/programs/{program}/join", headers=login(user)).status_code == 200
    client.post(f"/api/v1/programs/{a}/participants/{place.rider.id}/confirm", headers=login(place.worker))
    staff = login(place.dispatcher)
    by_community = {
        (r["group"], r["type"]): r for r in client.get("/api/v1/programs/counts", headers=staff).json()
    }
    assert by_community[(CHANGJIANG, "project")]["participations"] == 2
    assert by_community[(CHANGJIANG, "project")]["confirmed"] == 1
    assert by_community[(CHANGJIANG, "project")]["name"] == "长江社区"
    assert by_community[(NEIGHBOUR, "activity")]["participations"] == 1
    codes = {
        name: client.get(f"/api/v1/companies/{cid}", headers=staff).json()["code"]
        for name, cid in (("jishiyu", place.company_id), ("express", place.express_id))
    }
    by_company = {
        (r["group"], r["type"]): r["participations"]
        for r in client.get("/api/v1/programs/counts?by=company", headers=staff).json()
    }
    assert by_company[(codes["jishiyu"], "project")] == 1
    assert by_company[(codes["express"], "project")] == 1
    assert by_company[(codes["express"], "activity")] == 1


def test_redemption_lowers_the_balance_and_never_overdraws(
    client: TestClient, place: Place, login: Login, db: Session
) -> None:
    register(client, login(place.rider), place.outlet_id)
    earn(client, place, login, 25)
    staff, rider = login(place.worker), login(place.rider)
    item = client.post(
        "/api/v1/redemption-items",
        json={"community_code": CHANGJIANG, "name": "暖新保温杯", "cost": 10, "stock": 5},
        headers=staff,
    )
    assert item.status_code == 201
    item_id = item.json()["id"]
    key = str(uuid.uuid4())
    first = client.post("/api/v1/redemptions", json={"item_id": item_id, "id": key}, headers=rider)
    assert first.status_code == 201 and first.json()["balance"] == 15
    replay = client.post("/api/v1/redemptions", json={"item_id": item_id, "id": key}, headers=rider)
    assert replay.status_code == 200 and replay.json()["id"] == key and replay.json()["balance"] == 15
    assert client.post("/api/v1/redemptions", json={"item_id": item_id}, headers=rider).status_code == 201
    broke = client.post("/api/v1/redemptions", json={"item_id": item_id}, headers=rider)
    assert broke.status_code == 409 and broke.json()["error"]["code"] == "insufficient_points"
    assert broke.json()["error"]["details"] == {"balance": 5, "cost": 10}
    mine = client.get("/api/v1/points/me", headers=rider).json()
    assert (mine["balance"], mine["earned"], mine["spent"]) == (5, 25, 20)
    assert (
        sum(e["amount"] for e in mine["entries"])
        == mine["balance"]
        == points.ledger_sum(session=db, user_id=place.rider.id)
    )
    items = client.get(f"/api/v1/redemption-items?community={CHANGJIANG}", headers=rider).json()
    assert items[0]["stock"] == 3
    assert len(client.get("/api/v1/redemptions/mine", headers=rider).json()) == 2


def test_out_of_stock(client: TestClient, place: Place, login: Login) -> None:
    register(client, login(place.rider), place.outlet_id)
    earn(client, place, login, 50)
    item = client.post(
        "/api/v1/redemption-items",
        json={"community_code": CHANGJIANG, "name": "爱心义剪券", "cost": 5, "stock": 1},
        headers=login(place.worker),
    ).json()
    rider = login(place.rider)
    assert client.post("/api/v1/redemptions", json={"item_id": item["id"]}, headers=rider).status_code == 201
    empty = client.post("/api/v1/redemptions", json={"item_id": item["id"]}, headers=rider)
    assert empty.status_code == 409 and empty.json()["error"]["code"] == "out_of_stock"
    restocked = client.patch(
        f"/api/v1/redemption-items/{item['id']}", json={"add_stock": 2}, headers=login(place.worker)
    )
    assert restocked.json()["stock"] == 2
    assert client.post("/api/v1/redemptions", json={"item_id": item["id"]}, headers=rider).status_code == 201


def test_ledger_is_append_only(client: TestClient, place: Place, login: Login, db: Session) -> None:
    register(client, login(place.rider), place.outlet_id)
    earn(client, place, login, 10)
    for statement in ("UPDATE points_entries SET amount = 1000", "DELETE FROM points_entries"):
        with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
            db.execute(text(statement))


def test_company_export_csv(client: TestClient, place: Place, login: Login) -> None:
    register(client, login(place.rider), place.outlet_id)
    register(client, login(place.rider2), place.express_id)
    earn(client, place, login, 30)
    item = client.post(
        "/api/v1/redemption-items",
        json={"community_code": CHANGJIANG, "name": "充电宝租用券", "cost": 12, "stock": 9},
        headers=login(place.worker),
    ).json()
    client.post("/api/v1/redemptions", json={"item_id": item["id"]}, headers=login(place.rider))
    now = datetime.now(UTC)
    params = {"start": (now - timedelta(days=1)).isoformat(), "end": (now + timedelta(days=1)).isoformat()}
    url = f"/api/v1/companies/{place.company_id}/points.csv"
    assert client.get(url, params=params, headers=login(place.worker)).status_code == 403
    response = client.get(url, params=params, headers=login(place.dispatcher))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1  # the express rider belongs to another company
    row = rows[0]
    assert (row["display_name"], row["outlet_name"], row["community_code"]) == (
        "张有志",
        "及时雨外卖江南站",
        CHANGJIANG,
    )
    assert (row["earned"], row["reversed"], row["spent"], row["net"], row["balance_at_end"]) == (
        "30",
        "0",
        "12",
        "18",
        "18",
    )
    before = {"start": (now - timedelta(days=3)).isoformat(), "end": (now - timedelta(days=2)).isoformat()}
    earlier = list(
        csv.DictReader(
            io.StringIO(
                client.get(url, params=before, headers=login(place.dispatcher)).content.decode("utf-8-sig")
            )
        )
    )
    assert [(r["earned"], r["balance_at_end"]) for r in earlier] == [("0", "0")]
    naive = client.get(
        url,
        params={"start": "2026-01-01T00:00:00", "end": "2026-02-01T00:00:00"},
        headers=login(place.dispatcher),
    )
    assert naive.status_code == 422
