"""Under overload the service answers fast with 503 + Retry-After instead of hanging: when no database
connection is free, and when more photo uploads arrive at once than a process takes (on a real server,
with phones holding uploads open)."""

from __future__ import annotations

import http.client
import json
import socket
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi.testclient import TestClient

from service.app import create_app
from service.errors import RETRY_AFTER_S
from service.middleware import UPLOAD_PATHS
from service.settings import Settings
from tests.conftest import TEST_SECRET, make_settings
from tests.reliability.support import PHOTO, add_reporter, counts, login, new_fields, stored_ids, upload
from tests.service.reports.conftest import multipart_files
from tests.support.live_server import server_errors, start_server


def test_exhausted_pool_answers_503_with_retry_after(fresh_database_url: str, tmp_path: Path) -> None:
    settings = make_settings(
        fresh_database_url, tmp_path, database={"pool_size": 1, "max_overflow": 0, "pool_timeout_s": 0.5}
    )
    with TestClient(create_app(settings)) as client:
        engine = client.app.state.db.engine  # type: ignore[attr-defined]
        with engine.connect():  # hold the only pooled connection
            response = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer wst_whatever"})
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "overloaded"
        assert response.headers["retry-after"] == "2"
        # Once the connection is back, the same request is served normally again.
        assert (
            client.get("/api/v1/auth/me", headers={"Authorization": "Bearer wst_whatever"}).status_code == 401
        )


# ---- Too many uploads at once: the next one is refused before its body is read ----------------------


def upload_head(base: str, headers: dict[str, str], fields: dict[str, str]) -> tuple[bytes, bytes]:
    """The request line and headers, and the body, of a report upload as a phone sends it."""
    request = httpx.Request("POST", f"{base}/api/v1/reports", data=fields, files=multipart_files([PHOTO]))
    body = request.read()
    netloc = urlsplit(base).netloc
    head = (
        f"POST /api/v1/reports HTTP/1.1\r\nHost: {netloc}\r\n"
        f"Authorization: {headers['Authorization']}\r\nIdempotency-Key: {fields['id']}\r\n"
        f"Content-Type: {request.headers['content-type']}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode(), body


def open_upload(base: str, head: bytes, partial_body: bytes) -> socket.socket:
    """A phone that has sent the headers and part of the body, and is still sending."""
    url = urlsplit(base)
    sock = socket.create_connection((url.hostname, url.port), timeout=60)
    sock.sendall(head + partial_body)
    return sock


def read_answer(sock: socket.socket) -> tuple[int, dict[str, str], dict[str, Any]]:
    answer = http.client.HTTPResponse(sock)
    answer.begin()
    body = json.loads(answer.read())
    return answer.status, {k.lower(): v for k, v in answer.getheaders()}, body


def test_uploads_past_the_bound_are_refused_before_their_body_is_read(
    fresh_database_url: str, tmp_path: Path
) -> None:
    add_reporter(fresh_database_url)
    env = {"WHISTLE_MEDIA__MAX_CONCURRENT_UPLOADS": "2"}
    with start_server(
        database_url=fresh_database_url,
        workdir=tmp_path,
        secret_key=TEST_SECRET,
        extra_env=env,
        allow_5xx=True,  # the refusals are 503s on purpose; checked below to be the only 5xx
    ) as server:
        headers = login(server.base)
        held = []
        for _ in range(2):  # two phones on a slow uplink, half-way through their photo
            fields = new_fields()
            head, body = upload_head(server.base, headers, fields)
            held.append((fields, open_upload(server.base, head, body[: len(body) // 2]), body))
        time.sleep(0.5)  # both are now inside the service, waiting for the rest of their bodies

        refused_fields = new_fields()
        head, body = upload_head(server.base, headers, refused_fields)
        with open_upload(server.base, head, body[:1000]) as third:
            # The answer comes while the third phone has sent 1000 bytes of its body: nothing waited on it.
            status, answer_headers, answer = read_answer(third)
        assert status == 503
        assert answer_headers["retry-after"] == str(RETRY_AFTER_S)
        assert answer["error"]["code"] == "overloaded"
        assert "服务正忙" in answer["error"]["message"]
        assert answer_headers["content-type"].startswith("application/json")

        for fields, sock, body in held:  # the held uploads finish and are stored
            with sock:
                sock.sendall(body[len(body) // 2 :])
                status, _, answer = read_answer(sock)
            assert status == 201, answer
            assert answer["id"] == fields["id"]
        assert refused_fields["id"] not in stored_ids(fresh_database_url)
        assert counts(fresh_database_url) == (2, 2)

        # With the places free again, the refused phone's retry (same id, same key) is accepted.
        retry = upload(server.base, headers, refused_fields)
        assert retry.status_code == 201, retry.text
    assert stored_ids(fresh_database_url) == {f["id"] for f, _, _ in held} | {refused_fields["id"]}
    assert server_errors(server.log_path) == ["POST /api/v1/reports HTTP/1.1 → 503"]


def test_every_photo_upload_route_is_behind_the_gate(settings: Settings) -> None:
    """Every multipart operation of the API is one the gate counts (a new upload route must be added)."""
    paths = create_app(settings).openapi()["paths"]
    multipart = [
        path
        for path, operations in paths.items()
        for operation in operations.values()
        if "multipart/form-data" in operation.get("requestBody", {}).get("content", {})
    ]
    assert len(multipart) >= 6
    assert [p for p in multipart if not UPLOAD_PATHS.fullmatch(p)] == []
