"""Shared pieces of the reliability tests: a migrated database with categories, a reporter, uploads."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from service.accounts import service as accounts
from service.accounts.models import Role
from service.photos.models import Photo
from service.reports.models import Report
from tests.media.photo_factory import fixture_bytes
from tests.service.reports.conftest import multipart_files, prepare_database, report_fields
from tests.support.rolled_back import PASSWORD

PHOTO = fixture_bytes("HMD_Nokia_8.3_5G.jpg")  # a real 2 MB phone photo

Headers = dict[str, str]


def add_reporter(url: str, username: str = "li.shaohong") -> None:
    prepare_database(url)
    engine = create_engine(url)
    with Session(engine) as session:
        accounts.create_user(session=session, username=username, password=PASSWORD, role=Role.courier)
        session.commit()
    engine.dispose()


def login(base: str, username: str = "li.shaohong") -> Headers:
    response = httpx.post(f"{base}/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def upload(base: str, headers: Headers, fields: dict[str, str], *, timeout: float = 60) -> httpx.Response:
    return httpx.post(
        f"{base}/api/v1/reports",
        data=fields,
        files=multipart_files([PHOTO]),
        headers={**headers, "Idempotency-Key": fields["id"]},
        timeout=timeout,
    )


def new_fields(**overrides: Any) -> dict[str, str]:
    return report_fields(uuid.uuid4(), **overrides)


def counts(url: str) -> tuple[int, int]:
    """(reports, photos) stored."""
    engine = create_engine(url)
    with Session(engine) as session:
        result = (
            int(session.scalar(select(func.count()).select_from(Report)) or 0),
            int(session.scalar(select(func.count()).select_from(Photo)) or 0),
        )
    engine.dispose()
    return result


def stored_ids(url: str) -> set[str]:
    engine = create_engine(url)
    with Session(engine) as session:
        ids = {str(i) for i in session.scalars(select(Report.id))}
    engine.dispose()
    return ids
