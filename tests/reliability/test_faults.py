"""Faults that must never lose an acknowledged report nor leave a half-made one.

- the server is killed (SIGKILL) in the middle of an upload: no report, no photo row; the phone's retry
  succeeds on the restarted server;
- PostgreSQL (a private cluster) is restarted while phones upload: every report acknowledged with 201
  is stored afterwards, the phones recover by retrying, nothing is stored twice;
- the media disk is full: a clear 507 JSON error, nothing stored, no half-written file left behind.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from service.db import admin
from service.db.migrate import upgrade
from tests.conftest import TEST_SECRET
from tests.reliability.support import PHOTO, add_reporter, counts, login, new_fields, stored_ids, upload
from tests.service.reports.conftest import multipart_files
from tests.support.live_server import start_server
from tests.support.private_cluster import PrivateCluster, private_cluster


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_server_killed_mid_upload_leaves_nothing_and_the_retry_succeeds(
    fresh_database_url: str, tmp_path: Path
) -> None:
    add_reporter(fresh_database_url)
    fields = new_fields()
    request = httpx.Request(
        "POST", "http://placeholder/api/v1/reports", data=fields, files=multipart_files([PHOTO])
    )
    body = request.read()
    with start_server(
        database_url=fresh_database_url, workdir=tmp_path, secret_key=TEST_SECRET, allow_5xx=True
    ) as server:
        headers = login(server.base)
        url = urlsplit(server.base)
        with socket.create_connection((url.hostname, url.port)) as sock:
            head = (
                f"POST /api/v1/reports HTTP/1.1\r\nHost: {url.netloc}\r\n"
                f"Authorization: {headers['Authorization']}\r\nIdempotency-Key: {fields['id']}\r\n"
                f"Content-Type: {request.headers['content-type']}\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            sock.sendall(head.encode() + body[: len(body) // 2])
            time.sleep(0.5)  # the server is now inside the upload, waiting for the rest
            server.process.send_signal(signal.SIGKILL)
            server.process.wait(timeout=10)
    assert counts(fresh_database_url) == (0, 0)
    media = tmp_path / "media"
    assert not [p for p in files_under(media) if ".tmp" not in p.name], "no stored object may be left"

    with start_server(
        database_url=fresh_database_url, workdir=tmp_path, secret_key=TEST_SECRET, allow_5xx=True
    ) as server:
        retry = upload(server.base, login(server.base), fields)
    assert retry.status_code == 201, retry.text
    assert counts(fresh_database_url) == (1, 1)


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    with private_cluster() as cluster:
        yield cluster


def test_database_restart_during_uploads_loses_nothing_acknowledged(
    cluster: PrivateCluster, tmp_path: Path
) -> None:
    url = cluster.url("whistle")
    admin.create_database(url)
    upgrade(url)
    add_reporter(url)
    acknowledged: set[str] = set()
    statuses: list[int | str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + 180
    # A claim whose release failed while the database was down stays "in flight" until it counts as
    # abandoned; a short timeout keeps the test short (production default: 30 s).
    env = {"WHISTLE_REPORTS__IN_FLIGHT_TIMEOUT_S": "5"}

    with start_server(
        database_url=url, workdir=tmp_path, secret_key=TEST_SECRET, allow_5xx=True, extra_env=env
    ) as server:
        headers = login(server.base)

        def phone(reports: int) -> None:
            for _ in range(reports):
                fields = new_fields()
                while time.monotonic() < stop_at:
                    try:
                        response = upload(server.base, headers, fields, timeout=30)
                        status: int | str = response.status_code
                    except httpx.HTTPError as exc:
                        status = type(exc).__name__
                    with lock:
                        statuses.append(status)
                    if status == 201:
                        with lock:
                            acknowledged.add(fields["id"])
                        break
                    assert status in (409, 503, "ReadTimeout", "RemoteProtocolError"), status
                    time.sleep(0.3)

        phones = [threading.Thread(target=phone, args=(6,)) for _ in range(3)]
        for thread in phones:
            thread.start()
        while len(acknowledged) < 3:  # let the first uploads land, then pull the database away
            time.sleep(0.1)
        cluster.stop("fast")
        time.sleep(1.5)
        cluster.start()
        for thread in phones:
            thread.join()

    assert len(acknowledged) == 18, f"phones did not recover: {statuses}"
    assert 503 in statuses, "the restart should have been felt as 503 answers"
    assert stored_ids(url) == acknowledged
    assert counts(url) == (18, 18)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MiB tmpfs as the media store (the sandbox runs as root); unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.fail("this test mounts a tmpfs and must run as root, as `make test` does here")
    mount_point = tmp_path / "tiny-media"
    mount_point.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)], check=True)
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


def test_full_media_disk_is_507_and_stores_nothing(
    fresh_database_url: str, tmp_path: Path, tiny_disk: Path
) -> None:
    add_reporter(fresh_database_url)
    env = {"WHISTLE_MEDIA__ROOT": str(tiny_disk)}
    with start_server(
        database_url=fresh_database_url,
        workdir=tmp_path,
        secret_key=TEST_SECRET,
        allow_5xx=True,
        extra_env=env,
    ) as server:
        response = upload(server.base, login(server.base), new_fields())
    assert response.status_code == 507, response.text
    assert response.json()["error"]["message"]
    assert counts(fresh_database_url) == (0, 0)
    assert files_under(tiny_disk) == [], "a half-written file was left on the full disk"
