"""A real uvicorn process serving the app on a free loopback port, for tests that need real HTTP.

Unless told otherwise (`allow_5xx=True`, for tests that break the database or the server on purpose),
the server logs every request, and stopping it fails the test when any answer was a 5xx: a server
error anywhere in the HTTP and browser tests is a defect even when the test itself did not look.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    base: str
    process: subprocess.Popen[bytes]
    log_path: Path


@contextmanager
def run_server(
    *,
    database_url: str,
    workdir: Path,
    secret_key: str,
    workers: int = 1,
    extra_env: Mapping[str, str] | None = None,
    port: int | None = None,
    allow_5xx: bool = False,
) -> Iterator[str]:
    """Start ``uvicorn service.main:app`` and yield its base URL; stop it afterwards."""
    with start_server(
        database_url=database_url,
        workdir=workdir,
        secret_key=secret_key,
        workers=workers,
        extra_env=extra_env,
        port=port,
        allow_5xx=allow_5xx,
    ) as server:
        yield server.base


@contextmanager
def start_server(
    *,
    database_url: str,
    workdir: Path,
    secret_key: str,
    workers: int = 1,
    extra_env: Mapping[str, str] | None = None,
    port: int | None = None,
    app: str = "service.main:app",
    factory: bool = False,
    startup_timeout_s: float = 60,
    allow_5xx: bool = False,
    access_log: bool = True,
) -> Iterator[LiveServer]:
    """Start ``uvicorn <app>`` (``--factory`` when ``app`` names an app factory) and yield it (base
    URL, process); stop it afterwards."""
    port = port or free_port()
    env = {
        **os.environ,
        "WHISTLE_ENV": "test",
        "WHISTLE_DATABASE__URL": database_url,
        "WHISTLE_SECURITY__SECRET_KEY": secret_key,
        "WHISTLE_MEDIA__ROOT": str(workdir / "media"),
        **(extra_env or {}),
    }
    log_path = workdir / f"uvicorn-{port}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                *(["--factory"] if factory else []),
                app,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--log-level",
                "info" if access_log else "warning",
                "--access-log" if access_log else "--no-access-log",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + startup_timeout_s
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"uvicorn exited early:\n{log_path.read_text()}")
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"uvicorn did not come up:\n{log_path.read_text()}")
                time.sleep(0.1)
            yield LiveServer(base=base, process=proc, log_path=log_path)
        finally:
            if proc.poll() is None:
                proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    if access_log and not allow_5xx:
        errors = server_errors(log_path)
        assert not errors, f"the live server answered {len(errors)} request(s) with a 5xx:\n" + "\n".join(
            errors[:20]
        )


# uvicorn's access log: `INFO:     127.0.0.1:5555 - "GET /path HTTP/1.1" 500 Internal Server Error`
ACCESS_LINE = re.compile(r'"(?P<request>[A-Z]+ \S+ HTTP/[\d.]+)" (?P<status>\d{3})')


def server_errors(log_path: Path) -> list[str]:
    """The requests the server answered with a 5xx, from its access log."""
    found = []
    for line in log_path.read_text(errors="replace").splitlines():
        match = ACCESS_LINE.search(line)
        if match and match["status"].startswith("5"):
            found.append(f"{match['request']} → {match['status']}")
    return found
