"""The morning rush: phones uploading with retries, console users on triage and tiles, public map reads.

    .venv/bin/python -m bench.load --quick       # about a minute
    .venv/bin/python -m bench.load               # 500 phones × 2 reports, 20 console users, 10 public users

It creates a throwaway database (migrated, with the demo city), starts uvicorn with several workers on
loopback, and drives it with an asyncio client in the same run. Phones behave like phones on a bad
network: a share of first attempts is cut off mid-upload (the client gives up and retries), every retry
carries the same report id and Idempotency-Key, 409 (still in flight), 429 and 503 are retried after
their Retry-After. Afterwards the database is checked: every acknowledged (201) report must be there
exactly once, and no upload may have produced two reports.

Prints throughput, p50/p99 per kind of request and the error counts; exits 1 if anything was lost or
duplicated. Its last line is a JSON object with the keys acknowledged, lost, duplicated, p50_ms, p99_ms,
uploads_per_s (and more).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import random
import ssl
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import create_engine, text

from service.accounts import service as accounts
from service.accounts.hashing import hash_password, token_digest
from service.accounts.models import Role
from service.settings import SecuritySettings
from tests.support import databases
from tests.support.live_server import run_server

SECRET = "bench-secret-" + "y" * 32
URBAN_BBOX = (126.50, 43.80, 126.62, 43.92)  # lon/lat of Jilin City's urban core (WGS-84)
CATEGORIES = ("0501", "0507", "0101", "0202", "2101", "0102")
CLIENT_TLS = ssl.create_default_context()


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(
        default_factory=lambda: {"upload": [], "console": [], "public": []}
    )
    statuses: Counter[str] = field(default_factory=Counter)
    acknowledged: set[str] = field(default_factory=set)
    gave_up: set[str] = field(default_factory=set)
    retries: int = 0
    refusal_seconds: list[float] = field(default_factory=list)  # seconds to each 503
    refusals_without_retry_after: int = 0  # a 503 that was not `overloaded` with Retry-After


def make_photos(count: int, size: tuple[int, int], seed: int) -> list[bytes]:
    """Distinct JPEGs with photographic-like noise (so that they compress like real photos)."""
    rng = random.Random(seed)
    photos = []
    for _ in range(count):
        small = Image.effect_noise((size[0] // 8, size[1] // 8), rng.uniform(40, 90)).convert("RGB")
        tint = Image.new("RGB", small.size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        image = Image.blend(small, tint, 0.4).resize(size, Image.Resampling.BILINEAR)
        buf = io.BytesIO()
        image.save(buf, "JPEG", quality=88)
        photos.append(buf.getvalue())
    return photos


def seed_accounts(url: str, phones: int, console: int, prefix: str = "phone") -> tuple[list[str], list[str]]:
    """Users and tokens straight in the database (one shared password hash: logins are not under test)."""
    engine = create_engine(url)
    shared_hash = hash_password("bench-password")
    settings = SecuritySettings(secret_key=SECRET)
    phone_tokens: list[str] = []
    console_tokens: list[str] = []
    with engine.begin() as conn:
        rows = [
            {
                "id": uuid.uuid4(),
                "u": f"{prefix}{i:04d}",
                "r": (Role.courier if i % 2 else Role.grid_worker).value,
            }
            for i in range(phones)
        ] + [
            {"id": uuid.uuid4(), "u": f"{prefix}-desk{i:03d}", "r": Role.dispatcher.value}
            for i in range(console)
        ]
        conn.execute(
            text(
                "INSERT INTO users (id, username, display_name, role, password_hash, is_active) "
                "VALUES (:id, :u, :u, :r, :h, true)"
            ),
            [{**row, "h": shared_hash} for row in rows],
        )
        for row in rows:
            token = accounts.TOKEN_PREFIX + uuid.uuid4().hex + uuid.uuid4().hex
            conn.execute(
                text(
                    "INSERT INTO access_tokens (id, user_id, token_hash, device_label, expires_at) "
                    "VALUES (:id, :user, :hash, 'bench', now() + interval '1 day')"
                ),
                {
                    "id": uuid.uuid4(),
                    "user": row["id"],
                    "hash": token_digest(token, settings.secret_key),
                },
            )
            (console_tokens if row["r"] == Role.dispatcher.value else phone_tokens).append(token)
    engine.dispose()
    return phone_tokens, console_tokens


def overload_code(response: httpx.Response) -> str | None:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return None


def retry_after(response: httpx.Response, attempt: int) -> float:
    """As the reporter app's outbox (web/src/app/backoff.js): the larger of Retry-After and 2 s doubled
    per attempt, × (1 + 0..0.5), at most 5 min; 0.5 s doubled without the header (a 409 in flight)."""
    header = response.headers.get("retry-after")
    if header and header.isdigit():
        base = max(float(header), 2.0 * 2 ** max(0, attempt - 1))
    else:
        base = 0.5 * 2 ** max(0, attempt - 1)
    delay: float = min(300.0, base * (1 + random.random() * 0.5))
    return delay


async def phone(
    client: httpx.AsyncClient,
    base: str,
    token: str,
    reports: int,
    photos: list[bytes],
    stats: Stats,
    rng: random.Random,
    cut_share: float,
    deadline: float,
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(reports):
        report_id = str(uuid.uuid4())
        lon = rng.uniform(URBAN_BBOX[0], URBAN_BBOX[2])
        lat = rng.uniform(URBAN_BBOX[1], URBAN_BBOX[3])
        fields = {
            "id": report_id,
            "category": rng.choice(CATEGORIES),
            "text": f"bench upload {report_id}",
            "lon": f"{lon:.6f}",
            "lat": f"{lat:.6f}",
            "datum": "wgs84",
            "accuracy_m": f"{rng.uniform(3, 30):.1f}",
            "captured_at": datetime.now(UTC).isoformat(),
        }
        photo = rng.choice(photos)
        attempt = 0
        while True:
            attempt += 1
            if time.monotonic() > deadline:
                stats.gave_up.add(report_id)
                return
            cut = attempt == 1 and rng.random() < cut_share
            started = time.monotonic()
            try:
                response = await client.post(
                    f"{base}/api/v1/reports",
                    data=fields,
                    files={"photos": ("photo.jpg", photo, "image/jpeg")},
                    headers={**headers, "Idempotency-Key": report_id},
                    timeout=0.05 if cut else 60.0,
                )
            except httpx.HTTPError as exc:
                stats.statuses["cut" if cut else type(exc).__name__] += 1
                stats.retries += 1
                await asyncio.sleep(0.2 + rng.random() * attempt * 0.3)
                continue
            stats.statuses[str(response.status_code)] += 1
            if response.status_code == 201:
                stats.latencies["upload"].append(time.monotonic() - started)
                stats.acknowledged.add(report_id)
                break
            if response.status_code == 503:
                stats.refusal_seconds.append(time.monotonic() - started)
                if not response.headers.get("retry-after") or overload_code(response) != "overloaded":
                    stats.refusals_without_retry_after += 1
            if response.status_code in (409, 429, 500, 502, 503, 504):
                stats.retries += 1
                await asyncio.sleep(retry_after(response, attempt))
                continue
            print(f"upload refused for good: {response.status_code} {response.text[:200]}", file=sys.stderr)
            stats.gave_up.add(report_id)
            break


def random_tile(rng: random.Random, zoom: int) -> tuple[int, int]:
    import math

    lon = rng.uniform(URBAN_BBOX[0], URBAN_BBOX[2])
    lat = rng.uniform(URBAN_BBOX[1], URBAN_BBOX[3])
    n = 2**zoom
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


async def reader(
    client: httpx.AsyncClient,
    base: str,
    kind: str,
    token: str | None,
    stats: Stats,
    rng: random.Random,
    stop: asyncio.Event,
) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    while not stop.is_set():
        zoom = rng.choice((12, 13, 14, 15))
        x, y = random_tile(rng, zoom)
        if kind == "console":
            url = rng.choice(
                (f"{base}/api/v1/console/triage?limit=50", f"{base}/tiles/reports/{zoom}/{x}/{y}.mvt")
            )
        else:
            lon = rng.uniform(URBAN_BBOX[0], URBAN_BBOX[2])
            lat = rng.uniform(URBAN_BBOX[1], URBAN_BBOX[3])
            url = rng.choice(
                (
                    f"{base}/api/v1/public/stations/nearest?lon={lon:.5f}&lat={lat:.5f}&service=charging",
                    f"{base}/tiles/stations/{zoom}/{x}/{y}.mvt",
                )
            )
        started = time.monotonic()
        try:
            response = await client.get(url, headers=headers, timeout=30.0)
            stats.statuses[f"{kind}:{response.status_code}"] += 1
            if response.status_code < 400:
                stats.latencies[kind].append(time.monotonic() - started)
        except httpx.HTTPError as exc:
            stats.statuses[f"{kind}:{type(exc).__name__}"] += 1
        await asyncio.sleep(0.3 + rng.random() * 0.7)


async def rush(
    base: str,
    args: argparse.Namespace,
    phone_tokens: list[str],
    console_tokens: list[str],
    photos: list[bytes],
) -> tuple[Stats, float]:
    stats = Stats()
    rng = random.Random(args.seed)
    limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=args.connections)
    async with httpx.AsyncClient(limits=limits) as client:
        stop = asyncio.Event()
        readers = [
            asyncio.create_task(reader(client, base, "console", t, stats, random.Random(rng.random()), stop))
            for t in console_tokens
        ] + [
            asyncio.create_task(
                reader(client, base, "public", None, stats, random.Random(rng.random()), stop)
            )
            for _ in range(args.public_users)
        ]
        started = time.monotonic()
        deadline = started + args.max_seconds

        async def arriving(i: int, token: str) -> None:
            await asyncio.sleep(args.ramp_seconds * i / max(1, len(phone_tokens)))
            # In the spike each phone has its own connection, as phones have (one TLS context for all of
            # them: making one per client costs the client ~50 ms of CPU each, which stalled it).
            own = args.offered_x is not None
            async with (
                httpx.AsyncClient(verify=CLIENT_TLS) if own else contextlib.nullcontext(client)
            ) as phone_client:
                await phone(
                    phone_client,
                    base,
                    token,
                    args.reports_per_phone,
                    photos,
                    stats,
                    random.Random(rng.random()),
                    args.cut_share,
                    deadline,
                )

        await asyncio.gather(*(arriving(i, t) for i, t in enumerate(phone_tokens)))
        upload_seconds = time.monotonic() - started
        stop.set()
        await asyncio.gather(*readers)
    return stats, upload_seconds


def check_database(url: str, acknowledged: set[str]) -> tuple[int, int, int]:
    """(lost, duplicated, stored): acknowledged ids missing, uploads stored more than once, rows stored."""
    engine = create_engine(url)
    with engine.connect() as conn:
        stored_ids = {str(r[0]) for r in conn.execute(text("SELECT id FROM reports"))}
        duplicated = conn.scalar(
            text("SELECT count(*) FROM (SELECT text FROM reports GROUP BY text HAVING count(*) > 1) d")
        )
    engine.dispose()
    lost = len(acknowledged - stored_ids)
    return lost, int(duplicated or 0), len(stored_ids)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a run of about a minute")
    parser.add_argument("--phones", type=int, default=500)
    parser.add_argument("--reports-per-phone", type=int, default=2)
    parser.add_argument("--console-users", type=int, default=20)
    parser.add_argument("--public-users", type=int, default=10)
    parser.add_argument("--workers", type=int, default=3, help="uvicorn worker processes")
    parser.add_argument("--connections", type=int, default=64, help="client connection pool")
    parser.add_argument("--ramp-seconds", type=float, default=60.0)
    parser.add_argument("--cut-share", type=float, default=0.1, help="share of first attempts cut mid-upload")
    parser.add_argument("--max-seconds", type=float, default=900.0)
    parser.add_argument("--photo-size", default="1600x1200")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument(
        "--offered-x",
        type=float,
        default=None,
        help="measure the host's capacity first (closed loop, see bench.load_spike), then offer this many "
        "times it as new phones arriving for --spike-seconds (2: twice the capacity)",
    )
    parser.add_argument(
        "--capacity-clients", type=int, default=None, help="closed-loop uploaders (16, at most the bound)"
    )
    parser.add_argument("--capacity-seconds", type=float, default=20.0)
    parser.add_argument("--spike-seconds", type=float, default=30.0)
    parser.add_argument(
        "--max-uploads",
        type=int,
        default=None,
        help="WHISTLE_MEDIA__MAX_CONCURRENT_UPLOADS of the server (default: the setting's default; "
        "a huge number switches the bound off, for comparison)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.reports_per_phone, args.ramp_seconds, args.max_seconds = 1, 20.0, 240.0
        args.photo_size = "1024x768"
    return args


def server_env(args: argparse.Namespace) -> dict[str, str]:
    return (
        {} if args.max_uploads is None else {"WHISTLE_MEDIA__MAX_CONCURRENT_UPLOADS": str(args.max_uploads)}
    )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    width, height = (int(v) for v in args.photo_size.split("x"))
    photos = make_photos(24, (width, height), args.seed)
    print(
        f"photos: {len(photos)} distinct JPEGs of {width}x{height}, "
        f"{statistics.mean(len(p) for p in photos) / 1024:.0f} KiB on average"
    )
    if args.offered_x is not None:
        from bench.load_spike import spike

        return spike(args, photos)
    template = databases.create_template()
    url = databases.clone(template, prefix="whistle_load")
    try:
        phone_tokens, console_tokens = seed_accounts(url, args.phones, args.console_users)
        with (
            tempfile.TemporaryDirectory() as tmp,
            run_server(
                database_url=url,
                workdir=Path(tmp),
                secret_key=SECRET,
                workers=args.workers,
                extra_env=server_env(args),
                allow_5xx=True,  # 503 overloaded is an answer under test here, counted below
            ) as base,
        ):
            print(
                f"{args.phones} phones × {args.reports_per_phone} reports, {args.console_users} console users, "
                f"{args.public_users} public users, uvicorn × {args.workers} workers at {base}"
            )
            stats, seconds = asyncio.run(rush(base, args, phone_tokens, console_tokens, photos))
        lost, duplicated, stored = check_database(url, stats.acknowledged)
    finally:
        databases.drop(url)
        databases.drop(template)
    return summarise(args.phones * args.reports_per_phone, stats, seconds, lost, duplicated, stored, {})


def summarise(
    planned: int,
    stats: Stats,
    seconds: float,
    lost: int,
    duplicated: int,
    stored: int,
    extra: dict[str, Any],
) -> dict[str, Any]:
    """Print the figures and the last JSON line; `extra` comes first in it."""
    figures: dict[str, Any] = {
        **extra,
        "planned": planned,
        "acknowledged": len(stats.acknowledged),
        "stored": stored,
        "lost": lost,
        "duplicated": duplicated,
        "gave_up": len(stats.gave_up),
        "retries": stats.retries,
        "p50_ms": round(percentile(stats.latencies["upload"], 0.5), 1),
        "p99_ms": round(percentile(stats.latencies["upload"], 0.99), 1),
        "uploads_per_s": round(len(stats.acknowledged) / seconds, 2),
        "refusals": len(stats.refusal_seconds),
        "refusal_p99_ms": round(percentile(stats.refusal_seconds, 0.99), 1),
        "refusals_without_retry_after": stats.refusals_without_retry_after,
        "console_p50_ms": round(percentile(stats.latencies["console"], 0.5), 1),
        "console_p99_ms": round(percentile(stats.latencies["console"], 0.99), 1),
        "public_p50_ms": round(percentile(stats.latencies["public"], 0.5), 1),
        "public_p99_ms": round(percentile(stats.latencies["public"], 0.99), 1),
        "seconds": round(seconds, 1),
    }
    print(f"statuses: {dict(sorted(stats.statuses.items()))}")
    print(
        f"uploads: {figures['acknowledged']}/{planned} acknowledged in {seconds:.1f} s "
        f"= {figures['uploads_per_s']}/s; p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms; "
        f"{stats.retries} retries"
    )
    print(
        f"refusals: {figures['refusals']} × 503, p99 {figures['refusal_p99_ms']} ms to the answer, "
        f"{stats.refusals_without_retry_after} without `overloaded` + Retry-After"
    )
    print(
        f"console reads p50 {figures['console_p50_ms']} ms p99 {figures['console_p99_ms']} ms; "
        f"public reads p50 {figures['public_p50_ms']} ms p99 {figures['public_p99_ms']} ms"
    )
    print(f"database check: {stored} stored, {lost} acknowledged but missing, {duplicated} stored twice")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    result = main()
    failed = (
        result["lost"]
        or result["duplicated"]
        or result["acknowledged"] < result["planned"]
        or result["refusals_without_retry_after"]
    )
    sys.exit(1 if failed else 0)
