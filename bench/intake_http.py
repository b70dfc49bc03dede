"""End-to-end upload figures: a real uvicorn (2 workers) on a fresh database, the load generator in the
same run (threads with httpx), one ~3 MB 12 MP JPEG per report.

- `uploads_per_s`: 16 clients in a closed loop (each sends its next report when the last is answered).
- `p50_ms` / `p99_ms`: open loop at an offered 10 uploads/s; latency counts from each request's
  scheduled start, so a slow server cannot hide queueing by slowing the generator (coordinated omission).
- `floor_uploads_per_s`: the same uploads, same clients, same server, to `POST /api/v1/_bench/sink`,
  which authenticates and reads the body through the same streaming multipart parser, then answers 201
  without doing anything with it. The route exists only in the bench's app factory
  (`create_bench_app`), never in the service.

Every report's photo is pixel-distinct (one quantisation-table entry of the base JPEG varied, so
originals *and* derivatives are new objects to store: nothing is deduplicated by content hash), and
carries a device fix in Jilin's urban core, so each upload is routed and fully stored.
"""

from __future__ import annotations

import itertools
import random
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import httpx
from fastapi import Depends, FastAPI, Request, Response

from service.app import create_app
from service.photos.store import media_limits
from service.photos.upload import read_multipart
from service.reports.views import reporter
from tests.support.live_server import start_server

URBAN_BBOX = (126.50, 43.80, 126.62, 43.92)
CATEGORY = "0501"
SINK_PATH = "/api/v1/_bench/sink"


def create_bench_app() -> FastAPI:
    """The service's app plus the floor endpoint (uvicorn `--factory bench.intake_http:create_bench_app`)."""
    app = create_app()

    async def sink(request: Request, _user: Annotated[object, Depends(reporter)]) -> Response:
        parts = await read_multipart(request, limits=media_limits(request.app.state.settings.media))
        parts.close()
        return Response(b'{"ok":true}', status_code=201, media_type="application/json")

    app.add_api_route(SINK_PATH, sink, methods=["POST"], include_in_schema=False)
    return app


def photo_variants(base: bytes) -> Iterator[bytes]:
    """Pixel-distinct copies of a baseline JPEG: low-frequency entries of the first quantisation table
    are varied (valid JPEGs, decoded differently at every draft scale)."""
    marker = base.index(b"\xff\xdb")
    table = marker + 5  # FF DB, 2 length bytes, Pq/Tq byte, then 64 entries in zigzag order
    originals = base[table + 1], base[table + 2], base[table + 3], base[table + 4]
    for steps in itertools.cycle(itertools.product(range(6), repeat=4)):  # 1296 distinct, then again
        variant = bytearray(base)
        for offset, (value, step) in enumerate(zip(originals, steps, strict=True), start=1):
            variant[table + offset] = max(1, min(255, value + step))
        yield bytes(variant)


@contextmanager
def bench_server(*, database_url: str, secret: str, workers: int) -> Iterator[str]:
    """uvicorn with the bench app factory on a free loopback port; stopped afterwards."""
    with (
        tempfile.TemporaryDirectory(prefix="whistle-intake-bench-") as tmp,
        start_server(
            database_url=database_url,
            workdir=Path(tmp),
            secret_key=secret,
            workers=workers,
            app="bench.intake_http:create_bench_app",
            factory=True,
            startup_timeout_s=90,
            access_log=False,  # a log line per upload would weigh on the figures
            # The pipeline's throughput with 16 clients, not the door's refusals (bench.load measures those).
            extra_env={"WHISTLE_MEDIA__MAX_CONCURRENT_UPLOADS": "1000"},
        ) as server,
    ):
        yield server.base


@dataclass
class Uploader:
    """Builds and sends one report per call; thread-safe (one httpx client per thread)."""

    base: str
    tokens: list[str]
    photos: Iterator[bytes]
    path: str = "/api/v1/reports"

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._local = threading.local()
        self._rng = random.Random(20261127)
        self.failures: list[str] = []

    def _next(self) -> tuple[bytes, str, float, float]:
        with self._lock:
            photo = next(self.photos)
            token = self.tokens[self._rng.randrange(len(self.tokens))]
            lon = self._rng.uniform(URBAN_BBOX[0], URBAN_BBOX[2])
            lat = self._rng.uniform(URBAN_BBOX[1], URBAN_BBOX[3])
        return photo, token, lon, lat

    def send(self) -> float:
        """One upload; returns its latency in seconds (failures are recorded, not raised)."""
        client: httpx.Client | None = getattr(self._local, "client", None)
        if client is None:
            client = httpx.Client(base_url=self.base, timeout=120)
            self._local.client = client
        photo, token, lon, lat = self._next()
        report_id = str(uuid.uuid4())
        started = time.perf_counter()
        response = client.post(
            self.path,
            data={
                "id": report_id,
                "category": CATEGORY,
                "text": "bench",
                "lon": f"{lon:.6f}",
                "lat": f"{lat:.6f}",
                "accuracy_m": "6",
                "captured_at": "2026-11-27T08:30:00+08:00",
            },
            files=[("photos", ("photo.jpg", photo, "image/jpeg"))],
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": report_id},
        )
        elapsed = time.perf_counter() - started
        if response.status_code != 201:
            with self._lock:
                self.failures.append(f"{response.status_code} {response.text[:200]}")
        return elapsed


def closed_loop(uploader: Uploader, *, clients: int, uploads: int) -> float:
    """`uploads` sends by `clients` threads back to back; returns uploads per second."""
    counter = itertools.count()

    def client_loop() -> None:
        while next(counter) < uploads:
            uploader.send()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for future in [pool.submit(client_loop) for _ in range(clients)]:
            future.result()
    return uploads / (time.perf_counter() - started)


def open_loop(uploader: Uploader, *, rate: float, uploads: int) -> list[float]:
    """Sends at a fixed offered rate; latencies (s) counted from each send's scheduled time."""
    latencies: list[float] = []
    lock = threading.Lock()
    start = time.perf_counter() + 0.2

    def scheduled(i: int) -> None:
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        uploader.send()
        finished = time.perf_counter()
        with lock:
            latencies.append(finished - due)

    with ThreadPoolExecutor(max_workers=64) as pool:
        for future in [pool.submit(scheduled, i) for i in range(uploads)]:
            future.result()
    return latencies


def percentile_ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


def summary_ms(values: list[float]) -> str:
    return (
        f"p50 {percentile_ms(values, 0.5):.0f} ms, p99 {percentile_ms(values, 0.99):.0f} ms, "
        f"mean {statistics.mean(values) * 1000:.0f} ms"
    )
