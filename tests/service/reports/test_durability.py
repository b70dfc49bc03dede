"""Killing the database connection between storing the photos and committing leaves no report; the retry
succeeds; the orphan sweep (`whistle media sweep`) removes what the failed attempt stored.

The app runs on its own fresh database with real sessions (no test transaction around it), so the
commit is a real commit and the kill is a real `pg_terminate_backend` of the app's own backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from service.accounts import service as accounts
from service.accounts.models import Role
from service.app import create_app
from service.cli import app as cli
from service.idempotency.models import IdempotencyKey
from service.photos.models import Photo
from service.reports import intake
from service.reports.models import Report
from service.settings import Settings, get_settings
from tests.conftest import TEST_SECRET, make_settings
from tests.media.photo_factory import fixture_bytes
from tests.service.reports.conftest import Headers, post_report, prepare_database, report_fields
from tests.support.rolled_back import PASSWORD


@pytest.fixture
def real_settings(fresh_database_url: str, tmp_path: Path) -> Settings:
    prepare_database(fresh_database_url)
    return make_settings(fresh_database_url, tmp_path)


@pytest.fixture
def real_client(real_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(real_settings)) as client:
        yield client


@pytest.fixture
def real_reporter(real_settings: Settings, real_client: TestClient) -> Headers:
    engine = create_engine(real_settings.database.url)
    with Session(engine) as session:
        user = accounts.create_user(
            session=session, username="li.na", password=PASSWORD, role=Role.grid_worker
        )
        session.commit()
        username = user.username
    engine.dispose()
    token = real_client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def media_files(settings: Settings) -> set[str]:
    root = Path(settings.media.root)
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def rows(settings: Settings) -> tuple[int, int, int]:
    engine = create_engine(settings.database.url)
    with Session(engine) as session:
        counts = tuple(
            int(session.scalar(select(func.count()).select_from(m)) or 0)
            for m in (Report, Photo, IdempotencyKey)
        )
    engine.dispose()
    return counts  # type: ignore[return-value]


def run_sweep(settings: Settings, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    monkeypatch.setenv("WHISTLE_ENV", "test")
    monkeypatch.setenv("WHISTLE_DATABASE__URL", settings.database.url)
    monkeypatch.setenv("WHISTLE_SECURITY__SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("WHISTLE_MEDIA__ROOT", str(settings.media.root))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["media", "sweep", *args])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return result.output


def kill_own_connection(settings: Settings) -> object:
    killer = create_engine(settings.database.url, isolation_level="AUTOCOMMIT")

    def hook(session: Session) -> None:
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with killer.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()

    return hook


def test_a_lost_connection_before_commit_leaves_orphans_only_and_the_retry_succeeds(
    real_client: TestClient,
    real_reporter: Headers,
    real_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    photos = [fixture_bytes("HMD_Nokia_8.3_5G.jpg"), fixture_bytes("landscape_6.jpg")]
    data = report_fields()
    monkeypatch.setattr(intake, "BEFORE_COMMIT_HOOKS", [kill_own_connection(real_settings)])
    failed = post_report(real_client, real_reporter, photos, data=dict(data))
    assert failed.status_code == 503, failed.text
    assert failed.json()["error"]["code"] == "database_unavailable"
    assert failed.headers["retry-after"]
    # Nothing in the database (the claim was released on a new connection), the photos are orphans.
    assert rows(real_settings) == (0, 0, 0)
    orphans = media_files(real_settings)
    assert len(orphans) == 6  # two originals, two display derivatives, two thumbnails

    # The default grace period (a day) keeps objects of uploads that may still be in flight.
    assert "0 orphan object(s) removed" in run_sweep(real_settings, monkeypatch)
    assert media_files(real_settings) == orphans
    output = run_sweep(real_settings, monkeypatch, "--grace-seconds", "0")
    assert "6 orphan object(s) removed" in output
    assert {
        line.removeprefix("removed ") for line in output.splitlines() if line.startswith("removed ")
    } == orphans
    assert media_files(real_settings) == set()

    monkeypatch.setattr(intake, "BEFORE_COMMIT_HOOKS", [])
    retry = post_report(real_client, real_reporter, photos, data=dict(data))
    assert retry.status_code == 201, retry.text
    assert rows(real_settings) == (1, 2, 1)
    assert media_files(real_settings) == orphans  # the same content-hash keys, now named by rows
    assert "0 orphan object(s) removed, 6 old object(s) still in use" in run_sweep(
        real_settings, monkeypatch, "--grace-seconds", "0"
    )
    for photo in retry.json()["photos"]:
        assert real_client.get(photo["display_url"]).status_code == 200


def test_the_retry_after_a_lost_connection_leaves_no_orphan_behind(
    real_client: TestClient,
    real_reporter: Headers,
    real_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    photos = [fixture_bytes("DSCN0010.jpg")]
    data = report_fields()
    monkeypatch.setattr(intake, "BEFORE_COMMIT_HOOKS", [kill_own_connection(real_settings)])
    assert (
        post_report(real_client, real_reporter, photos, key="retry-key-000001", data=dict(data)).status_code
        == 503
    )
    monkeypatch.setattr(intake, "BEFORE_COMMIT_HOOKS", [])
    retry = post_report(real_client, real_reporter, photos, key="retry-key-000001", data=dict(data))
    assert retry.status_code == 201, retry.text
    replay = post_report(real_client, real_reporter, photos, key="retry-key-000001", data=dict(data))
    assert replay.status_code == 201 and replay.json() == retry.json()
    assert rows(real_settings) == (1, 1, 1)
    assert "0 orphan object(s) removed" in run_sweep(real_settings, monkeypatch, "--grace-seconds", "0")
