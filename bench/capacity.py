"""The database's write ceiling for reports, and what it means for a province.

    .venv/bin/python -m bench.capacity [--seconds 15] [--connections 4,8,16] [--per-host 20]

Each simulated upload does what the intake does in the database, with the same durability
(synchronous_commit on): claim the idempotency key (its own short transaction), then one transaction
that inserts the report (with its point geometry and routing JSON) and its photo row and stores the
replayable answer. Photo work and HTTP are left out on purpose: they scale with app hosts, the database
does not. The floor measured in the same run is the bare commit rate: a one-row insert per transaction
into a plain table without indexes, the most a commit-bound workload can reach on this server.

Projection: app hosts needed for a province = offered reports/s ÷ per-host uploads/s (bench/intake.py,
end to end), capped by the ceiling below; past the ceiling, the database (not the app tier) must grow —
see docs/deployment.md.

Last line: JSON with `db_reports_per_s`, `bare_commits_per_s`, `ratio_to_bare`, `connections`,
`per_host_uploads_per_s`, `hosts_at_ceiling`.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import uuid
from typing import Any

import psycopg
from sqlalchemy import make_url

from tests.support import databases

INSERT_KEY = (
    "INSERT INTO idempotency_keys (user_id, key, request_hash, state) VALUES (%s, %s, %s, 'started') "
    "ON CONFLICT DO NOTHING"
)
INSERT_REPORT = """
INSERT INTO reports (id, reporter_id, category_code, text, captured_at, lon, lat, geom, location_source,
    datum, device_lon, device_lat, accuracy_m, device_geom, routing_status, district_code, street_code,
    community_code, grid_code, routing, flags, flag_notes, request_hash)
VALUES (%(id)s, %(user)s, '0501', 'capacity probe', now(), %(lon)s, %(lat)s,
    ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), 'device', 'wgs84', %(lon)s, %(lat)s, 8,
    ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), 'routed', '220204', '220204001000',
    '220204001001', '220204001001001', %(routing)s, ARRAY[]::text[], '{}'::jsonb, %(hash)s)
"""
INSERT_PHOTO = """
INSERT INTO photos (id, report_id, position, sha256, original_key, display_key, thumb_key, format, byte_size,
    width, height, orientation, exif)
VALUES (%(pid)s, %(id)s, 0, %(sha)s, 'originals/aa/bb/x.jpg', 'public/aa/bb/x.jpg', 'public/aa/bb/x.thumb.jpg',
    'JPEG', 3000000, 4000, 3000, 1, '{}'::jsonb)
"""
FINISH_KEY = (
    "UPDATE idempotency_keys SET state = 'finished', status_code = 201, response = %s, report_id = %s "
    "WHERE user_id = %s AND key = %s"
)
ROUTING = json.dumps({"status": "routed", "trace": ["inside grid 220204001001001"], "units": []})


def libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def make_user(conninfo: str) -> uuid.UUID:
    user = uuid.uuid4()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (id, username, display_name, role, password_hash, is_active) "
            "VALUES (%s, %s, 'capacity', 'courier', 'x', true)",
            (user, f"capacity-{user.hex[:8]}"),
        )
    return user


def upload_shaped(conn: psycopg.Connection[Any], user: uuid.UUID, i: int) -> None:
    report = uuid.uuid4()
    key = str(report)
    conn.execute(INSERT_KEY, (user, key, "0" * 64))
    conn.commit()
    params = {
        "id": report,
        "user": user,
        "lon": 126.5 + (i % 1000) * 1e-4,
        "lat": 43.8 + (i % 997) * 1e-4,
        "routing": ROUTING,
        "hash": "0" * 64,
        "pid": uuid.uuid4(),
        "sha": uuid.uuid4().hex * 2,
    }
    conn.execute(INSERT_REPORT, params)
    conn.execute(INSERT_PHOTO, params)
    conn.execute(FINISH_KEY, (json.dumps({"id": key}), report, user, key))
    conn.commit()


def bare_commit(conn: psycopg.Connection[Any], _user: uuid.UUID, i: int) -> None:
    conn.execute("INSERT INTO capacity_scratch (n) VALUES (%s)", (i,))
    conn.commit()


def run(conninfo: str, work: Any, connections: int, seconds: float, user: uuid.UUID) -> float:
    done = [0] * connections
    stop = time.monotonic() + seconds

    def worker(slot: int) -> None:
        with psycopg.connect(conninfo, prepare_threshold=1) as conn:
            i = 0
            while time.monotonic() < stop:
                work(conn, user, slot * 10_000_000 + i)
                i += 1
            done[slot] = i

    threads = [threading.Thread(target=worker, args=(slot,)) for slot in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--connections", default="4,8,16")
    parser.add_argument(
        "--per-host",
        type=float,
        default=None,
        help="end-to-end uploads/s of one 2-core app host (bench/intake.py's uploads_per_s)",
    )
    args = parser.parse_args(argv)
    template = databases.create_template()
    url = databases.clone(template, prefix="whistle_capacity")
    conninfo = libpq_url(url)
    results: dict[int, tuple[float, float]] = {}
    try:
        user = make_user(conninfo)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("CREATE TABLE capacity_scratch (n bigint)")
        for connections in (int(c) for c in args.connections.split(",")):
            shaped = run(conninfo, upload_shaped, connections, args.seconds, user)
            bare = run(conninfo, bare_commit, connections, args.seconds, user)
            results[connections] = (shaped, bare)
            print(
                f"{connections:>3} connections: {shaped:8.0f} upload-shaped transactions/s, "
                f"bare commits {bare:8.0f}/s, ratio {shaped / bare:.2f}"
            )
    finally:
        databases.drop(url)
        databases.drop(template)

    best = max(results, key=lambda c: results[c][0])
    shaped, bare = results[best]
    figures: dict[str, Any] = {
        "db_reports_per_s": round(shaped, 1),
        "bare_commits_per_s": round(bare, 1),
        "ratio_to_bare": round(shaped / bare, 3),
        "connections": best,
        "per_host_uploads_per_s": args.per_host,
        "hosts_at_ceiling": round(shaped / args.per_host, 1) if args.per_host else None,
    }
    print(
        f"write ceiling of this database server: {shaped:.0f} reports/s at {best} connections "
        f"({shaped / bare:.2f}× its bare commit rate)"
    )
    if args.per_host:
        print(
            f"with {args.per_host:g} uploads/s per app host, {shaped / args.per_host:.0f} app hosts "
            "saturate this database"
        )
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
