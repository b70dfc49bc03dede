"""The schema comes from migrations only, on a real PostGIS; tests are isolated from each other."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from service.accounts.models import User
from service.audit import service as audit
from service.db import admin
from service.db.migrate import current_revision, head_revision, upgrade
from tests.support import databases

ISOLATION_MARKER = "isolation-probe-user"


def test_migrations_upgrade_an_empty_database_to_head_with_postgis() -> None:
    url = databases.database_url(databases.unique_name("whistle_empty"))
    admin.create_database(url)  # no extension, no tables
    try:
        upgrade(url)
        engine = create_engine(url)
        with engine.connect() as conn:
            assert current_revision(conn) == head_revision()
            version = conn.scalar(text("SELECT postgis_lib_version()"))
            assert version is not None and int(version.split(".")[0]) >= 3
            tables = set(conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")))
            assert {"users", "access_tokens", "audit_events", "alembic_version"} <= tables
        engine.dispose()
    finally:
        databases.drop(url)


def test_postgis_answers_in_the_suite_database(db: Session) -> None:
    assert db.scalar(text("SELECT postgis_version()")) is not None
    covered = db.scalar(text("SELECT ST_Covers(ST_MakeEnvelope(0, 0, 1, 1, 4326), ST_Point(0.5, 0.5, 4326))"))
    assert covered is True


def test_isolation_first_test_writes(db: Session) -> None:
    db.add(User(username=ISOLATION_MARKER, display_name="x", role="courier", password_hash="x"))
    db.commit()  # the app commits too: this becomes a savepoint inside the test's transaction
    assert db.scalar(select(User.id).where(User.username == ISOLATION_MARKER)) is not None


def test_isolation_second_test_does_not_see_it(db: Session) -> None:
    assert db.scalar(select(User.id).where(User.username == ISOLATION_MARKER)) is None


def test_audit_log_is_append_only(db: Session) -> None:
    event = audit.record(session=db, action="probe", subject_id="x")
    db.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text("UPDATE audit_events SET action = 'tampered' WHERE id = :id"), {"id": event.id})
    db.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": event.id})
    db.rollback()
