"""小区通行证: issuing, validity, revocation, and the public gate list (公示) without private data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from service.couriers.passes import mask_name
from tests.service.couriers.conftest import CHANGJIANG, NEIGHBOUR, Place, register
from tests.support.rolled_back import Login


def test_mask_name() -> None:
    assert [mask_name(n) for n in ("张有志", "王刚", "欧阳娜娜", "A")] == ["张*志", "王*", "欧**娜", "A"]


def test_community_issues_passes_and_the_gate_lists_valid_ones(
    client: TestClient, place: Place, login: Login
) -> None:
    register(client, login(place.rider), place.outlet_id)
    register(client, login(place.rider2), place.express_id)
    client.post(f"/api/v1/riders/{place.rider.id}/hire", headers=login(place.worker))
    now = datetime.now(UTC)
    staff = login(place.worker)

    def issue(rider_id: object, start: datetime, end: datetime) -> dict[str, object]:
        response = client.post(
            "/api/v1/passes",
            json={
                "community_code": CHANGJIANG,
                "rider_id": str(rider_id),
                "valid_from": start.isoformat(),
                "valid_to": end.isoformat(),
            },
            headers=staff,
        )
        assert response.status_code == 201, response.text
        body: dict[str, object] = response.json()
        return body

    first = issue(place.rider.id, now - timedelta(days=1), now + timedelta(days=90))
    expired = issue(place.rider2.id, now - timedelta(days=30), now - timedelta(days=1))
    second = issue(place.rider2.id, now - timedelta(hours=1), now + timedelta(days=30))
    assert first["number"] == f"{CHANGJIANG}-0001" and expired["number"] == f"{CHANGJIANG}-0002"

    gate = client.get(f"/api/v1/gate/{CHANGJIANG}/passes")  # public: no token
    assert gate.status_code == 200
    rows = gate.json()
    assert [r["number"] for r in rows] == [first["number"], second["number"]]
    assert rows[0] == {
        "number": first["number"],
        "rider_name": "张*志",
        "company": "及时雨外卖公司",
        "outlet": "及时雨外卖江南站",
        "mobile_grid_worker": True,
        "valid_from": rows[0]["valid_from"],
        "valid_to": rows[0]["valid_to"],
    }
    assert rows[1]["rider_name"] == "李*红" and rows[1]["outlet"] is None
    text = gate.text
    assert str(place.rider.id) not in text and place.rider.username not in text

    revoked = client.post(f"/api/v1/passes/{second['id']}/revoke", headers=staff)
    assert revoked.status_code == 200
    assert [r["number"] for r in client.get(f"/api/v1/gate/{CHANGJIANG}/passes").json()] == [first["number"]]
    past = (now - timedelta(days=10)).isoformat()
    assert [
        r["number"] for r in client.get(f"/api/v1/gate/{CHANGJIANG}/passes", params={"at": past}).json()
    ] == [expired["number"]]
    mine = client.get("/api/v1/passes/mine", headers=login(place.rider)).json()
    assert [p["number"] for p in mine] == [first["number"]]


def test_passes_need_the_community_and_a_sane_period(client: TestClient, place: Place, login: Login) -> None:
    register(client, login(place.rider), place.outlet_id)
    now = datetime.now(UTC)
    body = {
        "community_code": NEIGHBOUR,
        "rider_id": str(place.rider.id),
        "valid_from": now.isoformat(),
        "valid_to": (now + timedelta(days=1)).isoformat(),
    }
    assert client.post("/api/v1/passes", json=body, headers=login(place.worker)).status_code == 403
    assert client.post("/api/v1/passes", json=body, headers=login(place.neighbour_worker)).status_code == 201
    backwards = {**body, "valid_to": (now - timedelta(days=1)).isoformat()}
    assert client.post("/api/v1/passes", json=backwards, headers=login(place.dispatcher)).status_code == 422
    assert client.get("/api/v1/gate/220211989999/passes").status_code == 404
    assert client.get("/api/v1/gate/not-a-code/passes").status_code == 422
