"""The geography lists page (units, divisions) and the small ones are bounded (categories)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service.accounts.models import Role
from service.paging import LINK
from tests.support.paging import walk_pages
from tests.support.rolled_back import Login, UserFactory


@pytest.fixture
def headers(make_user: UserFactory, login: Login) -> dict[str, str]:
    return login(make_user(Role.dispatcher))


def test_units_page_through_every_unit_once_in_order(client: TestClient, headers: dict[str, str]) -> None:
    everything = client.get("/api/v1/units", params={"limit": 500}, headers=headers).json()
    assert len(everything) > 150
    first = client.get("/api/v1/units", headers=headers)
    assert len(first.json()) == 100 and "cursor=" in first.headers[LINK]
    paged, pages = walk_pages(client, "/api/v1/units?limit=40", headers)
    assert paged == everything and pages == (len(everything) + 39) // 40
    police, _ = walk_pages(client, "/api/v1/units?kind=public_security&limit=3", headers)
    assert police == [u for u in everything if u["kind"] == "public_security"]


def test_divisions_page_by_code(client: TestClient, headers: dict[str, str]) -> None:
    features, pages = walk_pages(
        client, "/api/v1/divisions/street?limit=10&geometry=false", headers, items=lambda b: b["features"]
    )
    codes = [f["id"] for f in features]
    assert len(codes) > 20 and codes == sorted(set(codes)) and pages == (len(codes) + 9) // 10
    one_page = client.get("/api/v1/divisions/street", params={"limit": 10}, headers=headers).json()
    assert one_page["type"] == "FeatureCollection" and len(one_page["features"]) == 10


def test_categories_are_bounded(client: TestClient) -> None:
    assert len(client.get("/api/v1/categories", params={"limit": 5}).json()) == 5
    assert client.get("/api/v1/categories", params={"limit": 501}).status_code == 422
    assert LINK not in client.get("/api/v1/categories").headers
