"""Refused uploads: each a clear JSON error, and NOTHING stored (no rows, no files, no claimed key).

The 60 MB upload is also proven not to have been read whole: the app's ASGI `receive` is wrapped and
counts the body bytes the application actually pulled from the server.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.types import Message, Receive, Scope, Send

from media.limits import MiB
from service.idempotency.models import IdempotencyKey
from service.photos.models import Photo
from service.reports.models import Report
from service.settings import Settings
from tests.media.photo_factory import compressible_png, encode, png_header_only, scene
from tests.service.reports.conftest import Headers, multipart_files, post_report, report_fields


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def assert_nothing_stored(db: Session, settings: Settings) -> None:
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Report)) == 0
    assert db.scalar(select(func.count()).select_from(Photo)) == 0
    assert db.scalar(select(func.count()).select_from(IdempotencyKey)) == 0
    assert files_under(Path(settings.media.root)) == []


def assert_error(response: Any, status: int, code: str, *words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == code, error
    for word in words:
        assert word in error["message"], error["message"]


def test_text_file_renamed_jpg_is_415(
    client: TestClient, reporter_headers: Headers, db: Session, settings: Settings
) -> None:
    text = "这不是照片 — just a note renamed to .jpg\n".encode() * 20
    response = post_report(client, reporter_headers, [encode(scene()), text], key="text-renamed-jpg-0001")
    assert_error(response, 415, "unsupported_media_type")
    assert response.json()["error"]["details"] == {"photo": 1}
    assert_nothing_stored(db, settings)


def test_decompression_bomb_is_422(
    client: TestClient, reporter_headers: Headers, db: Session, settings: Settings
) -> None:
    for bomb in (png_header_only(50_000, 50_000), compressible_png(12_000, 10_000)):
        response = post_report(client, reporter_headers, [bomb])
        assert_error(response, 422, "decompression_bomb", "pixels")
    assert_nothing_stored(db, settings)


def test_ten_photos_are_422(
    client: TestClient, reporter_headers: Headers, db: Session, settings: Settings
) -> None:
    response = post_report(client, reporter_headers, [encode(scene(16 + i, 16)) for i in range(10)])
    assert_error(response, 422, "photo_count", "at most 9")
    assert_nothing_stored(db, settings)


def test_no_photo_is_422(
    client: TestClient, reporter_headers: Headers, db: Session, settings: Settings
) -> None:
    response = client.post(
        "/api/v1/reports",
        data=report_fields(),
        files=[("note", ("empty.txt", b"", "text/plain"))],
        headers=reporter_headers,
    )
    assert_error(response, 422, "invalid", "photos")
    response = client.post(
        "/api/v1/reports", files={"id": (None, str(uuid.uuid4()))}, headers=reporter_headers
    )
    assert_error(response, 422, "photo_count", "at least 1")
    assert_nothing_stored(db, settings)


def test_no_position_anywhere_is_422(
    client: TestClient, reporter_headers: Headers, db: Session, settings: Settings
) -> None:
    response = post_report(
        client, reporter_headers, [encode(scene(), "PNG"), encode(scene())], lon=None, lat=None
    )
    assert_error(response, 422, "no_position", "no position")
    assert_nothing_stored(db, settings)


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"id": "not-a-uuid"}, "id"),
        ({"category": "9999"}, "category"),
        ({"lat": None}, "lon and lat"),
        ({"lon": 200}, "lon"),
        ({"lat": "nan"}, "lat"),
        ({"datum": "osgb36"}, "datum"),
        ({"accuracy_m": -1}, "accuracy_m"),
        ({"captured_at": "2026-11-27T08:30:00"}, "offset"),
        ({"text": "长" * 2001}, "text"),
    ],
)
def test_invalid_fields_are_422(
    client: TestClient,
    reporter_headers: Headers,
    db: Session,
    settings: Settings,
    fields: dict[str, Any],
    where: str,
) -> None:
    response = post_report(client, reporter_headers, [encode(scene())], **fields)
    assert response.status_code == 422, response.text
    assert where in response.json()["error"]["message"]
    assert_nothing_stored(db, settings)


def test_a_body_that_is_not_multipart_is_415(client: TestClient, reporter_headers: Headers) -> None:
    response = client.post("/api/v1/reports", json=report_fields(), headers=reporter_headers)
    assert_error(response, 415, "unsupported_media_type", "multipart")


def test_malformed_multipart_and_bad_keys_are_400(client: TestClient, reporter_headers: Headers) -> None:
    headers = {**reporter_headers, "Content-Type": "multipart/form-data; boundary=xyz"}
    response = client.post(
        "/api/v1/reports", content=b"--xyz\r\ngarbage without headers end", headers=headers
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_multipart"
    for key in ("", "with space", "tab\tinside", "k" * 256):
        response = post_report(client, reporter_headers, [encode(scene())], key=key)
        assert_error(response, 400, "bad_idempotency_key")


class CountingApp:
    """ASGI wrapper that counts the request body bytes the application pulled through `receive`."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.received = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counting_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                self.received += len(message.get("body", b""))
            return message

        await self.app(scope, counting_receive, send)


def big_body(photo_bytes: int) -> tuple[bytes, str]:
    boundary = "----whistle-big-upload"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="id"\r\n\r\n{uuid.uuid4()}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="category"\r\n\r\n0501\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="big.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head + b"\xff\xd8\xff" + b"\x00" * (photo_bytes - 3) + tail, boundary


async def achunks(body: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def post_streaming(
    app: CountingApp, body: bytes | AsyncIterator[bytes], headers: Headers
) -> httpx.Response:
    """POST through httpx's ASGI transport, which hands the body to the app chunk by chunk."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://whistle.test") as client:
        return await client.post("/api/v1/reports", content=body, headers=headers)


def test_sixty_megabytes_are_413_without_reading_them(
    app: FastAPI, reporter_headers: Headers, db: Session, settings: Settings
) -> None:
    counting = CountingApp(app)
    body, boundary = big_body(60_000_000)
    headers = {**reporter_headers, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    limit = settings.media.max_file_bytes

    # Streamed without Content-Length (chunked): cut just past the 25 MiB per-photo limit.
    response = asyncio.run(post_streaming(counting, achunks(body), headers))
    assert_error(response, 413, "too_large", "25 MiB")
    assert limit < counting.received <= limit + 2 * 64 * 1024, counting.received

    # A declared length over the whole report's limit: refused from the headers, no body byte read.
    counting.received = 0
    bigger, boundary = big_body(64 * MiB)
    headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    response = asyncio.run(post_streaming(counting, bigger, headers))
    assert_error(response, 413, "too_large", "nothing was read")
    assert counting.received == 0
    assert_nothing_stored(db, settings)


def test_photos_together_over_the_total_are_413(
    app: FastAPI, reporter_headers: Headers, db: Session, settings: Settings
) -> None:
    settings.media.max_file_bytes = 2 * MiB
    settings.media.max_total_bytes = 3 * MiB
    photos = [b"\xff\xd8\xff" + bytes(int(1.4 * MiB)) for _ in range(3)]
    request = httpx.Request(
        "POST", "http://whistle.test/api/v1/reports", data=report_fields(), files=multipart_files(photos)
    )
    body = request.read()
    headers = {**reporter_headers, "Content-Type": request.headers["content-type"]}
    # Declared: refused from the headers. Streamed: refused by the third photo's share of the total.
    response = asyncio.run(post_streaming(CountingApp(app), body, headers))
    assert_error(response, 413, "too_large", "nothing was read")
    response = asyncio.run(post_streaming(CountingApp(app), achunks(body), headers))
    assert_error(response, 413, "too_large", "together exceed 3 MiB")
    assert_nothing_stored(db, settings)
