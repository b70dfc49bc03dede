"""Fixtures shared by the whole suite. Every test that touches data runs against a real PostGIS.

- ``db``: a session inside a transaction that is rolled back after the test (the app's own commits
  become savepoints), so a test's writes are invisible to the next test.
- ``client``: the FastAPI app over that session (in-process HTTP through httpx).
- ``fresh_database_url``: a whole database of its own, for tests that need real commits seen by other
  connections or processes (concurrency, a live uvicorn server, fault injection).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.orm import Session

from service.settings import Settings, get_settings, load_settings
from tests.support import databases
from tests.support.rolled_back import (
    Login,
    UserFactory,
    app_on_session,
    login_with,
    rolled_back_connection,
    savepoint_session,
    user_factory,
)

TEST_SECRET = "test-secret-" + "x" * 32


@pytest.fixture(scope="session")
def template_database() -> Iterator[str]:
    name = databases.create_template()
    yield name
    databases.drop(name)


@pytest.fixture(scope="session")
def database_url(template_database: str) -> Iterator[str]:
    url = databases.clone(template_database)
    yield url
    databases.drop(url)


@pytest.fixture
def fresh_database_url(template_database: str) -> Iterator[str]:
    url = databases.clone(template_database, prefix="whistle_fresh")
    yield url
    databases.drop(url)


@pytest.fixture
def cli_database_url(fresh_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A database of its own, named by the environment the `whistle` command reads (tests of the CLI)."""
    monkeypatch.setenv("WHISTLE_DATABASE__URL", fresh_database_url)
    monkeypatch.setenv("WHISTLE_ENV", "test")
    monkeypatch.setenv("WHISTLE_SECURITY__SECRET_KEY", TEST_SECRET)
    get_settings.cache_clear()
    yield fresh_database_url
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with rolled_back_connection(engine) as conn:
        yield conn


@pytest.fixture
def db(connection: Connection) -> Iterator[Session]:
    with savepoint_session(connection) as session:
        yield session


def make_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "env": "test",
        "database": {"url": database_url, "pool_timeout_s": 3.0},
        "security": {"secret_key": TEST_SECRET},
        "media": {"root": str(tmp_path / "media")},
        # Most tests never route; those that do build the router on first use (tests of the warm-up
        # itself switch it on).
        "router": {"warm_on_start": False},
        # Webhooks are delivered by the tests that mean to (tests/service/outbound), never in the background.
        "outbound": {"worker": False},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return load_settings(**base)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path)


@pytest.fixture
def app(settings: Settings, db: Session) -> FastAPI:
    return app_on_session(settings, db)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def make_user(db: Session) -> UserFactory:
    return user_factory(db)


@pytest.fixture
def login(client: TestClient) -> Login:
    """Log a user in through the API and return the Authorization header."""
    return login_with(client)


@pytest.fixture
def live_server(fresh_database_url: str, tmp_path: Path) -> Iterator[str]:
    """A real uvicorn process on its own fresh database; yields the base URL."""
    from tests.support.live_server import run_server

    with run_server(database_url=fresh_database_url, workdir=tmp_path, secret_key=TEST_SECRET) as base:
        yield base
