"""The router is built at start-up, so the first report after a deploy does not wait for it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from service.app import create_app
from service.db.session import open_database
from service.geography.routing import ROUTERS, warm_routers
from tests.conftest import make_settings

TOLERANCE_M = 50.0


def _is_warm(database_url: str) -> bool:
    database = open_database(make_settings(database_url, Path()).database)
    try:
        with database.session() as session:
            return ROUTERS.is_warm(session=session, at=datetime.now(UTC), tolerance_m=TOLERANCE_M)
    finally:
        database.dispose()


def test_the_service_builds_the_router_while_it_starts(fresh_database_url: str, tmp_path: Path) -> None:
    assert not _is_warm(fresh_database_url), "a new database has no router yet"
    settings = make_settings(fresh_database_url, tmp_path, router={"warm_on_start": True})
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200, "the service answers while the router builds"
    assert _is_warm(fresh_database_url)


def test_warming_builds_the_router_the_first_report_would_use(fresh_database_url: str) -> None:
    database = open_database(make_settings(fresh_database_url, Path()).database)
    try:
        seconds = warm_routers(database.sessions, tolerance_m=TOLERANCE_M)
        assert seconds is not None and seconds > 0
        with database.session() as session:
            assert ROUTERS.is_warm(session=session, at=datetime.now(UTC), tolerance_m=TOLERANCE_M)
    finally:
        database.dispose()


def test_a_failed_warm_up_is_logged_not_raised() -> None:
    @contextmanager
    def unreachable() -> Iterator[Session]:
        raise OperationalError("connect", {}, Exception("connection refused"))
        yield  # pragma: no cover

    assert warm_routers(unreachable, tolerance_m=TOLERANCE_M) is None
