"""`bench.load --offered-x 2`: the morning spike at twice what the host can do, measured in the same run.

    .venv/bin/python -m bench.load --offered-x 2                          # the bound as configured
    .venv/bin/python -m bench.load --offered-x 2 --max-uploads 100000     # the bound off, for comparison

First the host's capacity: `--capacity-clients` uploaders (16, as `bench.intake` measures uploads/s, or
fewer: no more than one process takes at once) send reports back to back, after a warm-up, for
`--capacity-seconds`, while the console and public users read as in the spike; capacity = acknowledged uploads per second. Then
new phones arrive at `--offered-x` × that rate for `--spike-seconds`, each with one report, retrying on
503/409/429 after Retry-After with jitter (and on a cut connection). Each phone has its own connection,
as phones do (one shared pool of hundreds of connections costs the client more than the server), so no
upload waits in the client.

Figures (added to bench.load's JSON line): `capacity_uploads_per_s` (the floor), `spike_ratio_to_capacity`
(uploads acknowledged per second under the spike ÷ capacity: below 1, overload costs throughput),
`offered_x`, `offered_uploads_per_s`,
`max_concurrent_uploads`; `p99_ms` is then that of the answered (201) upload attempts under the spike,
`refusals` / `refusal_p99_ms` / `refusals_without_retry_after` those of its 503s; `lost` and
`duplicated` cover both phases.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.load import (
    SECRET,
    Stats,
    check_database,
    phone,
    reader,
    rush,
    seed_accounts,
    server_env,
    summarise,
)
from service.settings import MediaSettings
from tests.support import databases
from tests.support.live_server import run_server


async def measure_capacity(
    base: str,
    tokens: list[str],
    console_tokens: list[str],
    photos: list[bytes],
    args: argparse.Namespace,
    seconds: float,
) -> tuple[float, Stats]:
    """Uploads per second the server acknowledges with `tokens` uploaders sending back to back, while
    the console and public users read as they do in the spike."""
    stats = Stats()
    rng = random.Random(args.seed + 1)
    limits = httpx.Limits(max_connections=len(tokens) + 64, max_keepalive_connections=len(tokens) + 64)
    async with httpx.AsyncClient(limits=limits) as client:
        stop = asyncio.Event()
        users: list[tuple[str, str | None]] = [("console", t) for t in console_tokens]
        users += [("public", None)] * args.public_users
        readers = [
            asyncio.create_task(reader(client, base, kind, token, stats, random.Random(rng.random()), stop))
            for kind, token in users
        ]
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(
            *(
                phone(client, base, t, 10**6, photos, stats, random.Random(rng.random()), 0.0, deadline)
                for t in tokens
            )
        )
        elapsed = time.monotonic() - started
        stop.set()
        await asyncio.gather(*readers)
    return len(stats.acknowledged) / elapsed, stats


def spike(args: argparse.Namespace, photos: list[bytes]) -> dict[str, Any]:
    template = databases.create_template()
    url = databases.clone(template, prefix="whistle_spike")
    bound = args.max_uploads if args.max_uploads is not None else MediaSettings().max_concurrent_uploads
    try:
        # No more uploaders than one process takes: all of them may land on one worker.
        clients = args.capacity_clients or min(16, bound)
        loop_tokens, console_tokens = seed_accounts(url, clients, args.console_users, "cap")
        with (
            tempfile.TemporaryDirectory() as tmp,
            run_server(
                database_url=url,
                workdir=Path(tmp),
                secret_key=SECRET,
                workers=args.workers,
                extra_env=server_env(args),
                allow_5xx=True,  # 503 overloaded is the answer under test
            ) as base,
        ):
            print(
                f"uvicorn × {args.workers} workers at {base}, at most {bound} uploads at once per process; "
                f"capacity: {clients} uploaders back to back for {args.capacity_seconds:.0f} s"
            )
            # A warm-up (the router is built, the pools fill, the caches warm), then the measure.
            _, warm = asyncio.run(
                measure_capacity(base, loop_tokens, console_tokens, photos, args, args.capacity_seconds / 4)
            )
            capacity, closed = asyncio.run(
                measure_capacity(base, loop_tokens, console_tokens, photos, args, args.capacity_seconds)
            )
            offered = args.offered_x * capacity
            phones = max(1, round(offered * args.spike_seconds))
            print(
                f"capacity {capacity:.2f} uploads/s ("
                f"{len(closed.refusal_seconds)} refusals); spike: {phones} phones over {args.spike_seconds:.0f} s "
                f"= {offered:.2f}/s ({args.offered_x:g}×), {args.console_users} console and "
                f"{args.public_users} public users reading"
            )
            spike_tokens, _ = seed_accounts(url, phones, 0, "spike")
            args.phones, args.reports_per_phone, args.ramp_seconds = phones, 1, args.spike_seconds
            cpu_before = resource.getrusage(resource.RUSAGE_SELF)
            stats, seconds = asyncio.run(rush(base, args, spike_tokens, console_tokens, photos))
            cpu_after = resource.getrusage(resource.RUSAGE_SELF)
            client_cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (
                cpu_before.ru_utime + cpu_before.ru_stime
            )
        lost, duplicated, stored = check_database(
            url, stats.acknowledged | closed.acknowledged | warm.acknowledged
        )
    finally:
        databases.drop(url)
        databases.drop(template)
    goodput = len(stats.acknowledged) / seconds / capacity
    print(f"under the spike the host acknowledged {goodput:.2f}× its capacity (the floor of this run)")
    extra = {
        "capacity_uploads_per_s": round(capacity, 2),
        "spike_ratio_to_capacity": round(goodput, 2),
        "capacity_acknowledged": len(closed.acknowledged),
        "capacity_refusals": len(closed.refusal_seconds),
        "offered_x": args.offered_x,
        "offered_uploads_per_s": round(offered, 2),
        "max_concurrent_uploads": bound,
        "workers": args.workers,
        # The client's own CPU during the spike, per second: near 1, the client (one Python process) and
        # not the server sets the pace, and the latencies measured are partly its own.
        "client_cpu_per_s": round(client_cpu / seconds, 2),
    }
    return summarise(phones, stats, seconds, lost, duplicated, stored, extra)
