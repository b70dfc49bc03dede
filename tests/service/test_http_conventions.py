"""What ordinary web and GIS clients rely on (issue 14, items 5 and 7): CORS for pages on other
origins, HEAD wherever GET works, compressed answers, TileJSON that declares every property."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from geo.tiles import tile_of
from service.accounts.models import Role, User
from service.settings import Settings
from tests.conftest import make_settings
from tests.service.cases.conftest import insert_report
from tests.support.cases import make_case
from tests.support.rolled_back import app_on_session

PARTNER = "https://map.partner.example"
CENTRE = (126.553, 43.862)
PUBLIC_GETS = [
    f"/tiles/grids/15/{tile_of(*CENTRE, 15)[0]}/{tile_of(*CENTRE, 15)[1]}.mvt",
    "/tiles/reports.json",
    "/ogc",
    "/ogc/collections",
    "/ogc/collections/stations/items?limit=2",
    "/open311/v2/services.json",
    "/open311/v2/requests.xml",
    "/api/v1/public/stations",
    "/api/v1/public/reports",
    "/api/v1/categories",
]


@pytest.mark.parametrize("path", PUBLIC_GETS)
def test_public_interfaces_allow_any_origin(client: TestClient, path: str) -> None:
    preflight = client.options(path, headers={"Origin": PARTNER, "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200, preflight.text
    assert preflight.headers["access-control-allow-origin"] == "*"
    answer = client.get(path, headers={"Origin": PARTNER})
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == "*"
    assert "ETag" in answer.headers["access-control-expose-headers"]


def test_the_authenticated_api_allows_only_the_listed_origins(
    db: Session, tmp_path: Path, database_url: str, make_user: Callable[..., User]
) -> None:
    preflight = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}
    closed = make_settings(database_url, tmp_path)
    with TestClient(app_on_session(closed, db)) as client:
        refused = client.options("/api/v1/reports/mine", headers={"Origin": PARTNER, **preflight})
        assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers
    listed: Settings = make_settings(database_url, tmp_path, security={"cors_origins": [PARTNER]})
    with TestClient(app_on_session(listed, db)) as client:
        allowed = client.options("/api/v1/reports/mine", headers={"Origin": PARTNER, **preflight})
        assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == PARTNER
        assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
        other = client.options(
            "/api/v1/reports/mine", headers={"Origin": "https://evil.example", **preflight}
        )
        assert other.status_code == 400


def _get_paths(client: TestClient) -> list[str]:
    """Every GET route of the OpenAPI document whose path needs no parameter."""
    spec = client.get("/openapi.json").json()
    return sorted(p for p, ops in spec["paths"].items() if "get" in ops and "{" not in p)


def test_head_answers_wherever_get_does(
    client: TestClient, make_user: Callable[..., User], login: Any
) -> None:
    headers = login(make_user(Role.dispatcher))
    paths = [*_get_paths(client), *PUBLIC_GETS, "/app/", "/console/", "/map/"]
    assert len(paths) > 40
    for path in paths:
        if path.endswith("/feed"):
            continue  # an endless stream
        got = client.get(path, headers=headers)
        head = client.head(path, headers=headers)
        assert head.status_code == got.status_code, (path, head.status_code, got.status_code)
        assert head.content == b"", path
        assert head.headers.get("content-type") == got.headers.get("content-type"), path


def test_answers_are_compressed_when_the_client_accepts_it(client: TestClient) -> None:
    x, y = tile_of(*CENTRE, 15)
    plain = client.get(f"/tiles/grids/15/{x}/{y}.mvt", headers={"Accept-Encoding": "identity"})
    packed = client.get(f"/tiles/grids/15/{x}/{y}.mvt", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert packed.content == plain.content  # the client inflates it to the same tile
    assert int(packed.headers["content-length"]) < len(plain.content) * 0.8
    assert "Accept-Encoding" in packed.headers["vary"]
    # The web apps' largest script, and JSON.
    index = client.get("/console/").text
    script = re.search(r'src="([^"]+\.js)"', index)
    assert script is not None
    js = client.get(script.group(1), headers={"Accept-Encoding": "gzip"})
    assert js.headers["content-encoding"] == "gzip"
    stations = client.get("/api/v1/public/stations", headers={"Accept-Encoding": "gzip"})
    assert stations.headers["content-encoding"] == "gzip"


def _tile_properties(client: TestClient, z: int, headers: dict[str, str]) -> set[str]:
    x, y = tile_of(*CENTRE, z)
    data = client.get(f"/tiles/reports/{z}/{x}/{y}.mvt", headers=headers).content
    layers: dict[str, Any] = mapbox_vector_tile.decode(data) if data else {}
    return {k for f in layers.get("reports", {"features": []})["features"] for k in f["properties"]}


def test_tilejson_declares_every_property_the_report_tiles_carry(
    client: TestClient,
    db: Session,
    make_user: Callable[..., User],
    login: Any,
    make_public_report: Callable[..., uuid.UUID],
) -> None:
    for state in ("reported", "filed", "dispatched", "closed"):
        make_public_report(state)
    anonymous: dict[str, str] = {}
    for headers in (anonymous, login(make_user(Role.dispatcher))):
        declared = set(
            client.get("/tiles/reports.json", headers=headers).json()["vector_layers"][0]["fields"]
        )
        carried = set().union(*(_tile_properties(client, z, headers) for z in (8, 10, 12, 14, 16)))
        assert carried, "the tiles carry reports"
        assert carried <= declared, carried - declared


@pytest.fixture
def make_public_report(db: Session, make_user: Callable[..., User]) -> Callable[..., uuid.UUID]:
    reporter = make_user(Role.grid_worker)
    place = {
        "district": "220204",
        "street": "220204001000",
        "community": "220204001001",
        "grid": "220204001001001",
    }

    def make(state: str) -> uuid.UUID:
        report_id = insert_report(db, reporter=reporter, category="0101", point=CENTRE, place=place)
        if state != "reported":
            make_case(db, report_id, state)
        return report_id

    return make
