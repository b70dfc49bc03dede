"""Throwaway databases on the real PostGIS server that `make test` prepared.

One template database per test run is created and migrated to head; the suite's database and every
"fresh" database a test asks for are cloned from it (CREATE DATABASE ... TEMPLATE is a file copy: fast).
All of them are dropped when the run ends.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy import make_url

from service.db import admin
from service.db.migrate import upgrade
from service.settings import PROJECT_ROOT, normalise_database_url


def server_url() -> str:
    """The PostgreSQL server to use: WHISTLE_TEST_SERVER_URL, else what scripts/ensure_postgres.sh found."""
    if url := os.environ.get("WHISTLE_TEST_SERVER_URL"):
        return normalise_database_url(url)
    env_file = Path(PROJECT_ROOT) / ".whistle" / "server.env"
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            if line.startswith("WHISTLE_SERVER_URL="):
                return normalise_database_url(line.split("=", 1)[1].strip())
    return "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def database_url(name: str) -> str:
    return make_url(server_url()).set(database=name).render_as_string(hide_password=False)


def unique_name(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"


def create_template() -> str:
    """Create and migrate the run's template database; returns its name."""
    name = unique_name("whistle_tpl")
    url = database_url(name)
    admin.create_database(url)
    admin.enable_postgis(url)
    upgrade(url)
    load_demo_city(url)
    return name


def load_demo_city(url: str) -> None:
    """The demo city (no accounts) in the template: every test database starts with Jilin City, its
    stations, pairing points and warm-new streets."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from geo.demo import build_demo_city
    from service.demo.service import load_demo as store

    engine = create_engine(url)
    try:
        with Session(engine) as session:
            store(session=session, city=build_demo_city())
            session.commit()
    finally:
        engine.dispose()


def clone(template: str, prefix: str = "whistle_test") -> str:
    """A new database with the template's content; returns its URL."""
    url = database_url(unique_name(prefix))
    admin.create_database(url, template=template)
    return url


def drop(url_or_name: str) -> None:
    url = url_or_name if "://" in url_or_name else database_url(url_or_name)
    admin.drop_database(url)
