"""Uploads against a real uvicorn on a fresh database: retries sequential and concurrent make exactly one
report, and a 60 MB body is refused over a real socket long before the client has sent it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from service.accounts import service as accounts
from service.accounts.models import Role
from service.photos.models import Photo
from service.reports.models import Report
from tests.conftest import TEST_SECRET
from tests.media.photo_factory import fixture_bytes
from tests.service.reports.conftest import Headers, multipart_files, prepare_database, report_fields
from tests.support.live_server import run_server
from tests.support.raw_http import raw_request, read_status, send_chunked_photo_until_answered
from tests.support.rolled_back import PASSWORD

PHOTOS = [fixture_bytes("HMD_Nokia_8.3_5G.jpg"), fixture_bytes("landscape_8.jpg")]


@pytest.fixture
def live_server(fresh_database_url: str, tmp_path: Path) -> Iterator[str]:
    """Room for five sends at once: the race under test is in the handler, not at the door (the door's
    refusals: tests/service/test_overload.py)."""
    env = {"WHISTLE_MEDIA__MAX_CONCURRENT_UPLOADS": "8"}
    with run_server(
        database_url=fresh_database_url, workdir=tmp_path, secret_key=TEST_SECRET, extra_env=env
    ) as base:
        yield base


@pytest.fixture
def live(live_server: str, fresh_database_url: str) -> tuple[str, Headers]:
    prepare_database(fresh_database_url)
    engine = create_engine(fresh_database_url)
    with Session(engine) as session:
        accounts.create_user(session=session, username="wang.fang", password=PASSWORD, role=Role.courier)
        session.commit()
    engine.dispose()
    token = httpx.post(
        f"{live_server}/api/v1/auth/login", json={"username": "wang.fang", "password": PASSWORD}
    )
    return live_server, {"Authorization": f"Bearer {token.json()['access_token']}"}


def report_rows(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    with Session(engine) as session:
        counts = (
            int(session.scalar(select(func.count()).select_from(Report)) or 0),
            int(session.scalar(select(func.count()).select_from(Photo)) or 0),
        )
    engine.dispose()
    return counts


def send(base: str, headers: Headers, data: dict[str, str], key: str | None) -> httpx.Response:
    all_headers = {**headers, **({"Idempotency-Key": key} if key else {})}
    return httpx.post(
        f"{base}/api/v1/reports", data=data, files=multipart_files(PHOTOS), headers=all_headers, timeout=60
    )


def concurrent_sends(base: str, headers: Headers, key_for: Any) -> None:
    """Five sends of one report at once; the refused ones (409) retried after."""
    data = report_fields()
    with ThreadPoolExecutor(max_workers=5) as pool:
        answers = list(pool.map(lambda i: send(base, headers, data, key_for(data, i)), range(5)))
    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {201, 409}, [a.text for a in answers]
    assert 201 in statuses
    first = next(a.json() for a in answers if a.status_code == 201)
    assert all(a.json() == first for a in answers if a.status_code == 201)
    for busy in (a for a in answers if a.status_code == 409):
        assert busy.json()["error"]["code"] == "request_in_flight" and busy.headers["retry-after"]
    # A retry of each refused send, now that the first has finished, gets the first answer.
    retried = [
        send(base, headers, data, key_for(data, i)) for i, a in enumerate(answers) if a.status_code == 409
    ]
    assert all(r.status_code == 201 and r.json() == first for r in retried)


def test_five_sends_sequential_or_concurrent_make_one_report(
    live: tuple[str, Headers], fresh_database_url: str
) -> None:
    base, headers = live
    data = report_fields()
    answers = [send(base, headers, data, data["id"]) for _ in range(5)]
    assert [a.status_code for a in answers] == [201] * 5, [a.text for a in answers]
    assert all(a.json() == answers[0].json() for a in answers)
    assert report_rows(fresh_database_url) == (1, 2)

    concurrent_sends(base, headers, lambda data, _i: data["id"])  # the phone's key: the report id
    assert report_rows(fresh_database_url) == (2, 4)
    concurrent_sends(base, headers, lambda _data, _i: str(uuid.uuid4()))  # a new key per send
    assert report_rows(fresh_database_url) == (3, 6)
    concurrent_sends(base, headers, lambda _data, _i: None)  # no header at all
    assert report_rows(fresh_database_url) == (4, 8)


def test_a_sixty_megabyte_body_is_refused_before_it_is_sent(live: tuple[str, Headers]) -> None:
    base, headers = live
    boundary = "whistle-live-boundary"
    auth = f"Authorization: {headers['Authorization']}"
    content_type = f"Content-Type: multipart/form-data; boundary={boundary}"

    # Declared 60 MB + framing over the limit: the answer comes before a single body byte is sent.
    sock, head = raw_request(
        base, ["POST /api/v1/reports HTTP/1.1", auth, content_type, f"Content-Length: {64 * 1024 * 1024}"]
    )
    with sock:
        sock.sendall(head)
        status, answer = read_status(sock)
    assert status == 413, answer
    assert b'"too_large"' in answer or b"too_large" in answer

    # Chunked, no length: the client keeps sending until the server answers; it answers near 25 MiB.
    status, answer, sent = send_chunked_photo_until_answered(base, "/api/v1/reports", [auth], boundary)
    assert status == 413, answer
    assert sent < 40 * 1024 * 1024, f"the client had to send {sent} bytes before the refusal"

    spec: dict[str, Any] = httpx.get(f"{base}/openapi.json").json()
    upload = spec["paths"]["/api/v1/reports"]["post"]
    schema = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert {"id", "category", "photos"} <= set(schema["required"])
    assert {"409", "413", "415", "422", "507"} <= set(upload["responses"])
