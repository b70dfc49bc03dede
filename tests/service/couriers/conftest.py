"""A small piece of the city for the couriers tests: 长江社区 in 江南街道 (the article's place for
张有志 of 及时雨外卖) with two grids, a neighbouring community with one, and the people who act there.

Divisions are inserted only when the database lacks them (the demo city may hold the same codes).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from service.accounts.models import Role, User
from tests.support.rolled_back import Login, UserFactory

DISTRICT = "220211"
# Codes and a place no real or demo division uses (street 980, far west of Jilin City), so that the
# router puts the tests' points in these grids whatever else the database holds.
STREET = "220211980000"
CHANGJIANG = "220211980001"
NEIGHBOUR = "220211980002"
GRID_A = CHANGJIANG + "001"
GRID_B = CHANGJIANG + "002"
GRID_N = NEIGHBOUR + "001"
CENTRE = (124.5651, 45.5010)


def square(lon: float, lat: float, half: float) -> str:
    return (
        f"SRID=4326;MULTIPOLYGON((({lon - half} {lat - half},{lon + half} {lat - half},"
        f"{lon + half} {lat + half},{lon - half} {lat + half},{lon - half} {lat - half})))"
    )


def _division(
    session: Session, table: str, code: str, parent: tuple[str, str] | None, name: str, geom: str
) -> None:
    parent_col = f", {parent[0]}" if parent else ""
    parent_val = ", CAST(:parent AS varchar)" if parent else ""
    session.execute(
        text(
            f"INSERT INTO {table} (id, code{parent_col}, name, kind, geom, valid_from, is_demo) "
            f"SELECT gen_random_uuid(), CAST(:code AS varchar){parent_val}, :name, :kind, ST_GeomFromEWKT(:geom), "
            "now() - interval '1 year', false "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE code = :code AND valid_to IS NULL)"
        ),
        {
            "code": code,
            "parent": parent[1] if parent else None,
            "name": name,
            "kind": table[:-1],
            "geom": geom,
        },
    )


def seed_places(session: Session) -> None:
    lon, lat = CENTRE
    _division(session, "districts", DISTRICT, None, "丰满区", square(lon, lat, 0.05))
    _division(session, "streets", STREET, ("district_code", DISTRICT), "江南街道", square(lon, lat, 0.03))
    _division(
        session,
        "communities",
        CHANGJIANG,
        ("street_code", STREET),
        "长江社区",
        square(lon - 0.005, lat, 0.005),
    )
    _division(
        session,
        "communities",
        NEIGHBOUR,
        ("street_code", STREET),
        "邻里社区",
        square(lon + 0.005, lat, 0.005),
    )
    _division(
        session,
        "grids",
        GRID_A,
        ("community_code", CHANGJIANG),
        "长江一网格",
        square(lon - 0.0075, lat, 0.0025),
    )
    _division(
        session,
        "grids",
        GRID_B,
        ("community_code", CHANGJIANG),
        "长江二网格",
        square(lon - 0.0025, lat, 0.0025),
    )
    _division(
        session, "grids", GRID_N, ("community_code", NEIGHBOUR), "邻里一网格", square(lon + 0.005, lat, 0.005)
    )


def assign(session: Session, user: User, *grids: str) -> None:
    for grid in grids:
        session.execute(
            text("INSERT INTO grid_assignments (user_id, grid_code) VALUES (:u, :g) ON CONFLICT DO NOTHING"),
            {"u": user.id, "g": grid},
        )


@dataclass
class Place:
    dispatcher: User
    admin: User
    worker: User  # 长江社区 grid worker (grid A)
    worker_b: User  # 长江社区 grid worker (grid B)
    neighbour_worker: User  # the other community's grid worker
    rider: User  # 张有志
    rider2: User  # 李少红
    company_id: uuid.UUID  # 及时雨外卖
    outlet_id: uuid.UUID  # its 江南 outlet
    express_id: uuid.UUID  # a demo express company


@pytest.fixture
def place(db: Session, make_user: UserFactory, client: TestClient, login: Login) -> Place:
    seed_places(db)
    dispatcher = make_user(Role.dispatcher, display_name="指挥中心值班员")
    worker = make_user(Role.grid_worker, display_name="长江社区网格员")
    worker_b = make_user(Role.grid_worker, display_name="长江社区二网格员")
    neighbour_worker = make_user(Role.grid_worker, display_name="邻里社区网格员")
    assign(db, worker, GRID_A)
    assign(db, worker_b, GRID_B)
    assign(db, neighbour_worker, GRID_N)
    db.commit()
    headers = login(dispatcher)
    tag = uuid.uuid4().hex[:6]
    company = client.post(
        "/api/v1/companies",
        json={"code": f"jishiyu-{tag}", "name": "及时雨外卖公司", "kind": "food_delivery"},
        headers=headers,
    )
    assert company.status_code == 201, company.text
    outlet = client.post(
        "/api/v1/companies",
        json={
            "code": f"jishiyu-{tag}-jn",
            "name": "及时雨外卖江南站",
            "level": "outlet",
            "parent_id": company.json()["id"],
            "community_code": CHANGJIANG,
        },
        headers=headers,
    )
    assert outlet.status_code == 201, outlet.text
    express = client.post(
        "/api/v1/companies",
        json={"code": f"express-{tag}", "name": "示例快递（演示）", "kind": "express"},
        headers=headers,
    )
    assert express.status_code == 201, express.text
    return Place(
        dispatcher=dispatcher,
        admin=make_user(Role.admin),
        worker=worker,
        worker_b=worker_b,
        neighbour_worker=neighbour_worker,
        rider=make_user(Role.courier, display_name="张有志"),
        rider2=make_user(Role.courier, display_name="李少红"),
        company_id=uuid.UUID(company.json()["id"]),
        outlet_id=uuid.UUID(outlet.json()["id"]),
        express_id=uuid.UUID(express.json()["id"]),
    )


def register(
    client: TestClient, headers: dict[str, str], company_id: uuid.UUID, community: str = CHANGJIANG
) -> dict[str, object]:
    response = client.put(
        "/api/v1/riders/me",
        json={"company_id": str(company_id), "community_code": community},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body
