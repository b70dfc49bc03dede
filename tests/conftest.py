"""Fixtures shared by the whole suite. Every test that touches data runs against a real PostGIS.

- ``db``: a session inside a transaction that is rolled back after the test (the app's own commits
  become savepoints), so a test's writes are invisible to the next test.
- ``client``: the FastAPI app over that session (in-process HTTP through httpx).
- ``fresh_database_url``: a whole database of its own, for tests that need real commits seen by other
  connections or processes (concurrency, a live uvicorn server, fault injection).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.orm import Session

from service.accounts import service as accounts
from service.accounts.models import Role, User
from service.app import create_app
from service.deps import get_session
from service.settings import Settings, load_settings
from tests.support import databases

TEST_SECRET = "test-secret-" + "x" * 32
PASSWORD = "correct horse battery"


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


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def db(connection: Connection) -> Iterator[Session]:
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield session
    session.close()


def make_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "env": "test",
        "database": {"url": database_url, "pool_timeout_s": 3.0},
        "security": {"secret_key": TEST_SECRET},
        "media": {"root": str(tmp_path / "media")},
        # Most tests never route; those that do build the router on first use (tests of the warm-up
        # itself switch it on).
        "router": {"warm_on_start": False},
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
    app = create_app(settings)

    def _session() -> Iterator[Session]:
        try:
            yield db
        except Exception:
            db.rollback()  # as the real session would be discarded; the test's outer transaction stays
            raise

    app.dependency_overrides[get_session] = _session
    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


UserFactory = Callable[..., User]


@pytest.fixture
def make_user(db: Session) -> UserFactory:
    def factory(role: Role = Role.grid_worker, *, username: str | None = None, **kw: Any) -> User:
        user = accounts.create_user(
            session=db,
            username=username or f"{role.value}-{uuid.uuid4().hex[:8]}",
            password=PASSWORD,
            role=role,
            **kw,
        )
        db.commit()
        return user

    return factory


@pytest.fixture
def login(client: TestClient) -> Callable[[User], dict[str, str]]:
    """Log a user in through the API and return the Authorization header."""

    def do_login(user: User) -> dict[str, str]:
        response = client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return do_login


@pytest.fixture
def live_server(fresh_database_url: str, tmp_path: Path) -> Iterator[str]:
    """A real uvicorn process on its own fresh database; yields the base URL."""
    from tests.support.live_server import run_server

    with run_server(database_url=fresh_database_url, workdir=tmp_path, secret_key=TEST_SECRET) as base:
        yield base
