"""Companies, rider registration (社区报到), hiring (流动网格员), grids (编入网格) and 1+N pairing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.service.couriers.conftest import CHANGJIANG, GRID_A, GRID_B, GRID_N, NEIGHBOUR, Place, register
from tests.support.rolled_back import Login


def test_company_tree_and_kinds(client: TestClient, place: Place, login: Login) -> None:
    headers = login(place.dispatcher)
    listed = client.get(f"/api/v1/companies?under={place.company_id}", headers=headers).json()
    assert [c["name"] for c in listed] == ["及时雨外卖公司", "及时雨外卖江南站"]
    assert {c["kind"] for c in listed} == {"food_delivery"}
    assert listed[1]["level"] == "outlet" and listed[1]["parent_id"] == str(place.company_id)
    wrong = client.post(
        "/api/v1/companies",
        json={
            "code": "x-outlet-kind",
            "name": "错",
            "level": "branch",
            "parent_id": str(place.company_id),
            "kind": "express",
        },
        headers=headers,
    )
    assert wrong.status_code == 422
    orphan = client.post(
        "/api/v1/companies", json={"code": "x-orphan", "name": "孤", "level": "outlet"}, headers=headers
    )
    assert orphan.status_code == 422
    rider = client.post(
        "/api/v1/companies",
        json={"code": "x-rider", "name": "骑手", "kind": "express"},
        headers=login(place.rider),
    )
    assert rider.status_code == 403


def test_rider_registers_with_a_community(client: TestClient, place: Place, login: Login) -> None:
    headers = login(place.rider)
    assert client.get("/api/v1/riders/me", headers=headers).status_code == 404
    body = register(client, headers, place.outlet_id)
    assert body["community_code"] == CHANGJIANG and body["community_name"] == "长江社区"
    assert body["company"]["name"] == "及时雨外卖江南站"  # type: ignore[index]
    assert body["company"]["top_name"] == "及时雨外卖公司"  # type: ignore[index]
    assert body["mobile_grid_worker"] is False and body["grid_worker"] is None
    unknown = client.put(
        "/api/v1/riders/me",
        json={"company_id": str(place.outlet_id), "community_code": "220211989999"},
        headers=headers,
    )
    assert unknown.status_code == 404
    not_courier = client.put(
        "/api/v1/riders/me",
        json={"company_id": str(place.outlet_id), "community_code": CHANGJIANG},
        headers=login(place.worker),
    )
    assert not_courier.status_code == 403


def test_community_hires_a_mobile_grid_worker_and_moving_ends_it(
    client: TestClient, place: Place, login: Login
) -> None:
    register(client, login(place.rider), place.outlet_id)
    rider = str(place.rider.id)
    denied = client.post(f"/api/v1/riders/{rider}/hire", headers=login(place.neighbour_worker))
    assert denied.status_code == 403
    hired = client.post(f"/api/v1/riders/{rider}/hire", headers=login(place.worker))
    assert hired.status_code == 200 and hired.json()["mobile_grid_worker"] is True
    since = hired.json()["mobile_grid_worker_since"]
    again = client.post(f"/api/v1/riders/{rider}/hire", headers=login(place.dispatcher))
    assert again.json()["mobile_grid_worker_since"] == since
    moved = register(client, login(place.rider), place.outlet_id, community=NEIGHBOUR)
    assert moved["mobile_grid_worker"] is False and moved["registered_at"] != hired.json()["registered_at"]


def test_grid_worker_lists_only_riders_of_their_communities(
    client: TestClient, place: Place, login: Login
) -> None:
    register(client, login(place.rider), place.outlet_id)
    register(client, login(place.rider2), place.express_id, community=NEIGHBOUR)
    mine = client.get("/api/v1/riders", headers=login(place.worker)).json()
    assert [r["display_name"] for r in mine] == ["张有志"]
    assert client.get(f"/api/v1/riders?community={NEIGHBOUR}", headers=login(place.worker)).status_code == 403
    everyone = client.get(
        f"/api/v1/riders?company_id={place.company_id}", headers=login(place.dispatcher)
    ).json()
    assert [r["display_name"] for r in everyone] == ["张有志"]
    assert client.get("/api/v1/riders", headers=login(place.rider)).status_code == 403


def test_pairing_by_service_area(client: TestClient, place: Place, login: Login) -> None:
    register(client, login(place.rider), place.outlet_id)
    rider = str(place.rider.id)
    staff = login(place.dispatcher)
    no_grids = client.post("/api/v1/pairings", json={"rider_id": rider}, headers=staff)
    assert no_grids.status_code == 422
    placed = client.put(f"/api/v1/riders/{rider}/grids", json={"grid_codes": [GRID_A, GRID_B]}, headers=staff)
    assert placed.status_code == 200 and placed.json()["grid_codes"] == [GRID_A, GRID_B]
    bad = client.put(
        f"/api/v1/riders/{rider}/grids", json={"grid_codes": [CHANGJIANG + "999"]}, headers=staff
    )
    assert bad.status_code == 422
    # The neighbouring community's grid worker may not place riders in 长江社区's grids.
    other = client.put(
        f"/api/v1/riders/{rider}/grids", json={"grid_codes": [GRID_N]}, headers=login(place.neighbour_worker)
    )
    assert other.status_code == 403
    candidates = client.get(f"/api/v1/riders/{rider}/pairing-candidates", headers=staff).json()
    assert {c["grid_worker"]["id"] for c in candidates} == {str(place.worker.id), str(place.worker_b.id)}
    outside = client.post(
        "/api/v1/pairings",
        json={"rider_id": rider, "grid_worker_id": str(place.neighbour_worker.id)},
        headers=staff,
    )
    assert outside.status_code == 422
    paired = client.post(
        "/api/v1/pairings",
        json={"rider_id": rider, "grid_worker_id": str(place.worker.id)},
        headers=login(place.worker),
    )
    assert paired.status_code == 201, paired.text
    mine = client.get("/api/v1/pairings/mine", headers=login(place.worker)).json()
    assert [m["rider"]["display_name"] for m in mine] == ["张有志"]
    assert mine[0]["rider"]["grid_worker"]["id"] == str(place.worker.id)
    # Re-pairing with the other grid worker ends the first pairing: one current pairing per rider.
    repaired = client.post(
        "/api/v1/pairings", json={"rider_id": rider, "grid_worker_id": str(place.worker_b.id)}, headers=staff
    )
    assert repaired.status_code == 201
    assert client.get("/api/v1/pairings/mine", headers=login(place.worker)).json() == []
    assert len(client.get("/api/v1/pairings/mine", headers=login(place.worker_b)).json()) == 1
    ended = client.post(f"/api/v1/pairings/{repaired.json()['id']}/end", headers=login(place.worker_b))
    assert ended.status_code == 200 and ended.json()["ended_at"] is not None
    assert client.post(f"/api/v1/pairings/{repaired.json()['id']}/end", headers=staff).status_code == 409


def test_one_grid_worker_many_riders(client: TestClient, place: Place, login: Login) -> None:
    staff = login(place.dispatcher)
    for user in (place.rider, place.rider2):
        register(client, login(user), place.outlet_id)
        client.put(f"/api/v1/riders/{user.id}/grids", json={"grid_codes": [GRID_A]}, headers=staff)
        auto = client.post("/api/v1/pairings", json={"rider_id": str(user.id)}, headers=staff)
        assert auto.status_code == 201 and auto.json()["grid_worker_id"] == str(place.worker.id)
    mine = client.get("/api/v1/pairings/mine", headers=login(place.worker)).json()
    assert sorted(m["rider"]["display_name"] for m in mine) == ["张有志", "李少红"]
    stats = client.get("/api/v1/couriers/stats", headers=staff).json()
    changjiang = next(g for g in stats["by_community"] if g["group"] == CHANGJIANG)
    assert changjiang["registered"] == 2 and changjiang["paired"] == 2 and changjiang["name"] == "长江社区"
    assert stats["grid_workers_paired"] >= 1
