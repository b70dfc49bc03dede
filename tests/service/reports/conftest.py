"""Fixtures of the intake tests: a category to report under, reporters, and a multipart upload helper."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.orm import Session

from service.accounts.models import Role, User
from tests.support.rolled_back import UserFactory

CATEGORY = "0501"
OTHER_CATEGORY = "0502"
# Near the centre of Jilin City (WGS-84).
JILIN_LON, JILIN_LAT = 126.549572, 43.837883


def insert_categories(conn: Connection | Session) -> None:
    """Two categories (and their department kind), as the geography import would load them."""
    conn.execute(
        text(
            "INSERT INTO department_kinds (code, name) VALUES ('urban_management', '城管') "
            "ON CONFLICT DO NOTHING"
        )
    )
    for code, name in ((CATEGORY, "无照经营游商"), (OTHER_CATEGORY, "占道经营")):
        conn.execute(
            text(
                "INSERT INTO categories (code, major_code, major_name, name, primary_kind, "
                "report_in_amount, report_in_unit, handling_amount, handling_unit) "
                "VALUES (:code, '05', '街面秩序', :name, 'urban_management', 1, 'work_hours', 2, 'work_days') "
                "ON CONFLICT DO NOTHING"
            ),
            {"code": code, "name": name},
        )


def prepare_database(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        insert_categories(conn)
    engine.dispose()


@pytest.fixture
def categories(db: Session) -> None:
    insert_categories(db)
    db.commit()


Headers = dict[str, str]


@pytest.fixture
def reporter(make_user: UserFactory, categories: None) -> User:
    return make_user(Role.grid_worker)


@pytest.fixture
def reporter_headers(reporter: User, login: Callable[[User], Headers]) -> Headers:
    return login(reporter)


def report_fields(report_id: uuid.UUID | None = None, **fields: Any) -> dict[str, str]:
    base: dict[str, Any] = {
        "id": str(report_id or uuid.uuid4()),
        "category": CATEGORY,
        "text": "路口有游商占道",
        "lon": JILIN_LON,
        "lat": JILIN_LAT,
        "datum": "wgs84",
        "accuracy_m": 8,
        "captured_at": "2026-11-27T08:30:00+08:00",
    }
    base.update(fields)
    return {k: str(v) for k, v in base.items() if v is not None}


def multipart_files(photos: Sequence[bytes], names: Sequence[str] | None = None) -> list[tuple[str, Any]]:
    names = names or [f"photo{i}.jpg" for i in range(len(photos))]
    return [("photos", (name, data, "image/jpeg")) for name, data in zip(names, photos, strict=True)]


def post_report(
    client: TestClient | httpx.Client,
    headers: Headers,
    photos: Sequence[bytes],
    *,
    key: str | None = None,
    **fields: Any,
) -> httpx.Response:
    all_headers = dict(headers)
    if key is not None:
        all_headers["Idempotency-Key"] = key
    data = fields.pop("data", None) or report_fields(**fields)
    return client.post("/api/v1/reports", data=data, files=multipart_files(photos), headers=all_headers)
