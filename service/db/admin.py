"""Server-level chores: create a database with PostGIS, drop it, clone it from a template (tests)."""

from __future__ import annotations

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL


def _maintenance_url(url: str | URL) -> URL:
    return make_url(url).set(database="postgres")


def _quote(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"refusing unusual database name {name!r}")
    return f'"{name}"'


def database_exists(url: str | URL) -> bool:
    name = make_url(url).database
    engine = create_engine(_maintenance_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            return conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is not None
    finally:
        engine.dispose()


def create_database(url: str | URL, *, template: str | None = None) -> None:
    name = make_url(url).database or ""
    engine = create_engine(_maintenance_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            suffix = f" TEMPLATE {_quote(template)}" if template else ""
            conn.execute(text(f"CREATE DATABASE {_quote(name)}{suffix}"))
    finally:
        engine.dispose()


def enable_postgis(url: str | URL) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    finally:
        engine.dispose()


def ensure_database(url: str | URL) -> bool:
    """Create the database and enable PostGIS when missing. Returns True when it was created."""
    created = False
    if not database_exists(url):
        create_database(url)
        created = True
    enable_postgis(url)
    return created


def drop_database(url: str | URL) -> None:
    name = make_url(url).database or ""
    engine = create_engine(_maintenance_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)"))
    finally:
        engine.dispose()
