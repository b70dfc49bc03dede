"""The service survives a database restart: while the database is down it answers 503 quickly (JSON, with
Retry-After); once it is back, the very next request is served — no stale pooled connection leaks out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.db import admin
from service.db.migrate import upgrade
from tests.conftest import TEST_SECRET
from tests.support.live_server import run_server
from tests.support.private_cluster import PrivateCluster, private_cluster
from tests.support.rolled_back import PASSWORD


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    with private_cluster() as cluster:
        yield cluster


def make_user(url: str) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from service.accounts import service as accounts
    from service.accounts.models import Role

    engine = create_engine(url)
    with Session(engine) as session:
        accounts.create_user(session=session, username="survivor", password=PASSWORD, role=Role.courier)
        session.commit()
    engine.dispose()


def test_service_survives_a_database_restart(cluster: PrivateCluster, tmp_path: Path) -> None:
    url = cluster.url("whistle")
    admin.create_database(url)
    upgrade(url)
    make_user(url)
    with (
        run_server(database_url=url, workdir=tmp_path, secret_key=TEST_SECRET, allow_5xx=True) as base,
        httpx.Client() as http,
    ):
        login = http.post(f"{base}/api/v1/auth/login", json={"username": "survivor", "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        assert http.get(f"{base}/api/v1/auth/me", headers=headers).status_code == 200

        cluster.stop()
        down = http.get(f"{base}/api/v1/auth/me", headers=headers)
        assert down.status_code == 503
        assert down.json()["error"]["code"] == "database_unavailable"
        assert "retry-after" in down.headers
        ready = http.get(f"{base}/readyz")
        assert ready.status_code == 503 and ready.json()["database"] is False

        cluster.start()
        # pool_pre_ping replaces the dead pooled connections: the first request after the restart succeeds.
        assert http.get(f"{base}/api/v1/auth/me", headers=headers).status_code == 200
        assert http.get(f"{base}/readyz").status_code == 200
