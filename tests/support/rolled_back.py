"""A test's view of one database: a transaction rolled back afterwards, a session whose commits are
savepoints inside it, the app serving that session, and users created and logged in through it.

The suite's conftest uses these for its `db`/`client`/`make_user`/`login` fixtures, and a test package
with a database of its own (the public map's) builds the same fixtures over that database.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from service.accounts import service as accounts
from service.accounts.models import Role, User
from service.app import create_app
from service.deps import get_session
from service.settings import Settings

PASSWORD = "correct horse battery"

UserFactory = Callable[..., User]
Login = Callable[[User], dict[str, str]]


@contextmanager
def rolled_back_connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back when the block ends."""
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@contextmanager
def savepoint_session(connection: Connection) -> Iterator[Session]:
    """A session on `connection` whose commits become savepoints of its outer transaction."""
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield session
    session.close()


def app_on_session(settings: Settings, session: Session) -> FastAPI:
    """The service's app, every request using `session` (so the test's rollback undoes the app's work)."""
    app = create_app(settings)

    def _session() -> Iterator[Session]:
        try:
            yield session
        except Exception:
            session.rollback()  # as the real session would be discarded; the test's outer transaction stays
            raise

    app.dependency_overrides[get_session] = _session
    return app


def user_factory(session: Session) -> UserFactory:
    """Create (and commit) a user of a role, password `PASSWORD`; extra keywords go to `create_user`."""

    def factory(role: Role = Role.grid_worker, *, username: str | None = None, **kw: Any) -> User:
        user = accounts.create_user(
            session=session,
            username=username or f"{role.value}-{uuid.uuid4().hex[:8]}",
            password=PASSWORD,
            role=role,
            **kw,
        )
        session.commit()
        return user

    return factory


def login_with(client: TestClient) -> Login:
    """Log a user in through the API and return the Authorization header."""

    def do_login(user: User) -> dict[str, str]:
        response = client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return do_login
