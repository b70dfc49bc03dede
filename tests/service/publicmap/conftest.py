"""A database of the public-map tests: the suite's template plus the demo city's divisions (when the
template lacks them), two categories, and the demo stations, pairing points and streets.

Built once per run (a clone of the template); every test runs in a transaction rolled back afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.orm import Session

from geo.demo import DemoCity, build_demo_city
from service.accounts.models import Role, User
from service.publicmap.loading import load_demo_public_map
from service.publicmap.settings import PublicMapSettings
from service.settings import Settings
from tests.conftest import make_settings
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

PARENTS = {
    "districts": None,
    "streets": "district_code",
    "communities": "street_code",
    "grids": "community_code",
}
CATEGORIES = (("0101", "01", "市容环境", "01", "私搭乱建"), ("0502", "05", "街面秩序", "02", "占道经营"))


@pytest.fixture(scope="session")
def demo_city() -> DemoCity:
    return build_demo_city()


def _ensure_divisions(session: Session, city: DemoCity) -> None:
    if session.scalar(text("SELECT count(*) FROM grids")):
        return
    levels = (
        ("districts", city.districts),
        ("streets", city.streets),
        ("communities", city.communities),
        ("grids", city.grids),
    )
    for table, rows in levels:
        parent = PARENTS[table]
        columns = "id, code, name, kind, geom, valid_from, is_demo" + (f", {parent}" if parent else "")
        values = "gen_random_uuid(), :code, :name, :kind, ST_GeomFromText(:wkt, 4326), '2020-01-01', true"
        values += ", :parent" if parent else ""
        session.execute(
            text(f"INSERT INTO {table} ({columns}) VALUES ({values})"),
            [
                {
                    "code": d.code,
                    "name": d.name,
                    "kind": d.kind,
                    "wkt": d.geometry.wkt,
                    "parent": d.parent_code,
                }
                for d in rows
            ],
        )


def _ensure_categories(session: Session) -> None:
    session.execute(
        text(
            "INSERT INTO department_kinds (code, name, enforcement, sort) "
            "VALUES ('urban_management', '城管', true, 1) ON CONFLICT DO NOTHING"
        )
    )
    for code, major, major_name, minor, name in CATEGORIES:
        session.execute(
            text(
                """
                INSERT INTO categories (code, major_code, major_name, minor_code, name, note, primary_kind,
                    joint_kinds, on_street_list, report_in_amount, report_in_unit, handling_amount,
                    handling_unit, points, active, sort)
                VALUES (:code, :major, :major_name, :minor, :name, '', 'urban_management', '{}', false,
                        2, 'work_hours', 3, 'work_days', 10, true, 0)
                ON CONFLICT (code) DO NOTHING
                """
            ),
            {"code": code, "major": major, "major_name": major_name, "minor": minor, "name": name},
        )


@pytest.fixture(scope="session")
def publicmap_database_url(template_database: str, demo_city: DemoCity) -> Iterator[str]:
    url = databases.clone(template_database, prefix="whistle_pm")
    engine = create_engine(url)
    with Session(engine) as session:
        _ensure_divisions(session, demo_city)
        _ensure_categories(session)
        if not session.scalar(text("SELECT count(*) FROM stations")):
            load_demo_public_map(session=session, city=demo_city)
        session.commit()
    engine.dispose()
    yield url
    databases.drop(url)


@pytest.fixture(scope="session")
def pm_engine(publicmap_database_url: str) -> Iterator[Engine]:
    engine = create_engine(publicmap_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def pm_connection(pm_engine: Engine) -> Iterator[Connection]:
    with rolled_back_connection(pm_engine) as conn:
        yield conn


@pytest.fixture
def pm_db(pm_connection: Connection) -> Iterator[Session]:
    with savepoint_session(pm_connection) as session:
        yield session


@pytest.fixture
def pm_settings(publicmap_database_url: str, tmp_path: Path) -> Settings:
    return make_settings(publicmap_database_url, tmp_path)


@pytest.fixture
def map_settings() -> PublicMapSettings:
    return PublicMapSettings(counts_max_age_s=0, counts_refresh_in_background=False)


@pytest.fixture
def pm_app(pm_settings: Settings, pm_db: Session, map_settings: PublicMapSettings) -> FastAPI:
    app = app_on_session(pm_settings, pm_db)
    app.state.publicmap_settings = map_settings
    return app


@pytest.fixture
def pm_client(pm_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(pm_app) as client:
        yield client


@pytest.fixture
def pm_user(pm_db: Session) -> UserFactory:
    return user_factory(pm_db)


@pytest.fixture
def pm_login(pm_client: TestClient) -> Login:
    return login_with(pm_client)


ReportMaker = Callable[..., uuid.UUID]


@pytest.fixture
def make_report(pm_db: Session, pm_user: Callable[..., User]) -> ReportMaker:
    """Insert a report at (lon, lat), optionally filed as a case in ``state`` with one dispatch."""
    reporter = pm_user(Role.grid_worker)

    def factory(
        lon: float,
        lat: float,
        *,
        state: str | None = None,
        category: str = "0101",
        created_at: datetime | None = None,
        photos: int = 0,
        dispatch_deadline: datetime | None = None,
    ) -> uuid.UUID:
        report_id = uuid.uuid4()
        codes = pm_db.execute(
            text(
                """
                SELECT g.code AS grid, g.community_code AS community, c.street_code AS street,
                       s.district_code AS district
                FROM grids g JOIN communities c ON c.code = g.community_code AND c.valid_to IS NULL
                JOIN streets s ON s.code = c.street_code AND s.valid_to IS NULL
                WHERE g.valid_to IS NULL AND ST_Covers(g.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
                ORDER BY g.code LIMIT 1
                """
            ),
            {"lon": lon, "lat": lat},
        ).first()
        values: dict[str, Any] = {
            "id": report_id,
            "reporter": reporter.id,
            "category": category,
            "lon": lon,
            "lat": lat,
            "created": created_at or datetime.now(UTC),
            "grid": codes.grid if codes else None,
            "community": codes.community if codes else None,
            "street": codes.street if codes else None,
            "district": codes.district if codes else None,
            "status": "routed" if codes else "unrouted",
        }
        pm_db.execute(
            text(
                """
                INSERT INTO reports (id, reporter_id, category_code, text, created_at, lon, lat, geom,
                    location_source, datum, routing_status, district_code, street_code, community_code,
                    grid_code, routing, flags, flag_notes, request_hash)
                VALUES (:id, :reporter, :category, '张三家门口 3 号楼', :created, :lon, :lat,
                    ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 'device', 'wgs84', :status, :district,
                    :street, :community, :grid, '{}', '{}', '{}', repeat('0', 64))
                """
            ),
            values,
        )
        for position in range(photos):
            pm_db.execute(
                text(
                    "INSERT INTO photos (id, report_id, position, sha256, original_key, display_key, thumb_key) "
                    "VALUES (gen_random_uuid(), :r, :p, :sha, :o, :d, :t)"
                ),
                {
                    "r": report_id,
                    "p": position,
                    "sha": f"{position:064d}",
                    "o": f"originals/secret-{report_id}-{position}.jpg",
                    "d": f"display/{report_id}-{position}.jpg",
                    "t": f"thumbs/{report_id}-{position}.jpg",
                },
            )
        if state is not None:
            case_id = uuid.uuid4()
            closed_at = values["created"] if state == "closed" else None
            pm_db.execute(
                text(
                    """
                    INSERT INTO cases (id, state, category_code, primary_report_id, district_code, street_code,
                        community_code, grid_code, note, created_at, updated_at, filed_at, closed_at)
                    VALUES (:id, :state, :category, :report, :district, :street, :community, :grid, '',
                        :created, :created, :created, :closed_at)
                    """
                ),
                {**values, "id": case_id, "state": state, "report": report_id, "closed_at": closed_at},
            )
            pm_db.execute(
                text("UPDATE reports SET case_id = :c WHERE id = :r"), {"c": case_id, "r": report_id}
            )
            if dispatch_deadline is not None:
                unit = pm_db.scalar(text("SELECT id FROM department_units ORDER BY code LIMIT 1"))
                pm_db.execute(
                    text(
                        """
                        INSERT INTO dispatches (id, case_id, unit_id, role, district_code, street_code, state,
                            dispatched_at, note, check_in_amount, check_in_unit, handling_amount, handling_unit,
                            check_in_deadline, handling_deadline, extensions, rework_count, result_photo_count)
                        VALUES (gen_random_uuid(), :case, :unit, 'primary', :district, :street, 'dispatched',
                            :start, '', 2, 'work_hours', 3, 'work_days', :deadline, :deadline, '[]', 0, 0)
                        """
                    ),
                    {
                        "case": case_id,
                        "unit": unit,
                        "district": values["district"],
                        "street": values["street"],
                        "start": dispatch_deadline - timedelta(hours=10),
                        "deadline": dispatch_deadline,
                    },
                )
        pm_db.flush()
        return report_id

    return factory
