"""Fixtures of the public-map tests. The suite's template holds the demo city with its public map
(stations, pairing points, warm-new streets); these tests run on it like every other test, with the
city-zoom report counts rebuilt inline (no background thread, no age)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from media.hashing import display_key, thumbnail_key
from service.accounts.models import Role, User
from service.cases.calendar import default_calendar
from service.cases.deadlines import LimitUnit
from service.cases.sla import Clock
from service.settings import PublicMapSettings, Settings
from tests.conftest import make_settings


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(
        database_url,
        tmp_path,
        publicmap={"counts_max_age_s": 0, "counts_refresh_in_background": False},
    )


CAL = default_calendar()

# 0502 is not a demo category: the Open311 tests file reports under a second service code.
EXTRA_CATEGORY = ("0502", "05", "街面秩序", "02", "占道经营")


@pytest.fixture(autouse=True)
def extra_category(db: Session) -> None:
    code, major, major_name, minor, name = EXTRA_CATEGORY
    db.execute(
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


@pytest.fixture
def map_settings(settings: Settings) -> PublicMapSettings:
    """The public-map settings the app reads (a test may change one for its own request)."""
    return settings.publicmap


ReportMaker = Callable[..., uuid.UUID]


@pytest.fixture
def make_report(db: Session, make_user: Callable[..., User]) -> ReportMaker:
    """Insert a report at (lon, lat), optionally filed as a case in ``state`` with one dispatch."""
    reporter = make_user(Role.grid_worker)

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
        codes = db.execute(
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
        db.execute(
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
            db.execute(
                text(
                    "INSERT INTO photos (id, report_id, position, sha256, original_key, display_key, thumb_key) "
                    "VALUES (gen_random_uuid(), :r, :p, :sha, :o, :d, :t)"
                ),
                {
                    "r": report_id,
                    "p": position,
                    "sha": f"{position:064d}",
                    "o": f"originals/secret-{report_id}-{position}.jpg",
                    "d": display_key(fake := hashlib.sha256(f"{report_id}{position}".encode()).hexdigest()),
                    "t": thumbnail_key(fake),
                },
            )
        if state is not None:
            case_id = uuid.uuid4()
            closed_at = values["created"] if state == "closed" else None
            db.execute(
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
            db.execute(text("UPDATE reports SET case_id = :c WHERE id = :r"), {"c": case_id, "r": report_id})
            if dispatch_deadline is not None:
                unit = db.scalar(text("SELECT id FROM department_units ORDER BY code LIMIT 1"))
                start = dispatch_deadline - timedelta(hours=10)
                yellow = Clock(start, dispatch_deadline, LimitUnit.URGENT_HOURS).yellow_at(CAL)
                db.execute(
                    text(
                        """
                        INSERT INTO dispatches (id, case_id, unit_id, role, district_code, street_code, state,
                            dispatched_at, note, check_in_amount, check_in_unit, handling_amount, handling_unit,
                            check_in_deadline, handling_deadline, check_in_yellow_at, handling_yellow_at,
                            extensions, rework_count, result_photo_count)
                        VALUES (gen_random_uuid(), :case, :unit, 'primary', :district, :street, 'dispatched',
                            :start, '', 2, 'work_hours', 3, 'work_days', :deadline, :deadline, :check_in_yellow,
                            :handling_yellow, '[]', 0, 0)
                        """
                    ),
                    {
                        "case": case_id,
                        "unit": unit,
                        "district": values["district"],
                        "street": values["street"],
                        "start": start,
                        "deadline": dispatch_deadline,
                        # The deadlines here are wall-clock: their yellow instants are 80 % of the wall clock.
                        "check_in_yellow": yellow,
                        "handling_yellow": yellow,
                    },
                )
        db.flush()
        return report_id

    return factory
