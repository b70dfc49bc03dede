"""Vector-tile benchmark (issue 6). Run: `.venv/bin/python -m bench.tiles` from the repository root.

A throwaway database (created, migrated, the demo city loaded) gets 1,000,000 reports spread over the
urban area (routed in process, so every report carries its grid, community and street) with realistic
states: some still in triage, most filed as cases, a share open with a dispatch whose deadlines run
green, yellow or red, most closed, a few voided. Then, for every z11–z13 tile over the urban core, it
times the report tile as the endpoint builds it (``service.tiles.service.render_tile``: counts per
grid, community or street at city zoom), as a dispatcher and as the public, and the floor the issue
names, a bare ``ST_AsMVT`` over the raw points of the same tile, in the same run. The counts' rebuild
(one GROUP BY over every report, done at most once per ``counts_max_age_s``) is timed separately.

Targets (DESIGN.md §9): p50 ≤ 50 ms at city zoom, ≤ 1.5× the bare query. The database is dropped
at the end. The last line is a JSON object with `reports`, `tile_p50_ms`, `tile_p95_ms`,
`bare_sql_p50_ms`, `ratio_to_bare_sql`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from geo.demo import build_demo_city
from geo.router import Router
from geo.tiles import tile_of
from service.db import admin
from service.db.migrate import upgrade
from service.settings import PublicMapSettings
from service.tiles import counts
from service.tiles.service import render_tile
from tests.support.databases import database_url, unique_name

URBAN_BBOX = (126.41, 43.76, 126.70, 43.97)
CORE_BBOX = (126.48, 43.80, 126.62, 43.92)
ZOOMS = (11, 12, 13)
P50_TARGET_MS = 50.0
RATIO_TARGET = 1.5
# Share of reports per state: triage, voided, merged, filed, dispatched, checked_in, handled, closed.
STATES = (
    ("reported", 0.06),
    ("voided", 0.05),
    ("merged", 0.02),
    ("filed", 0.03),
    ("dispatched", 0.06),
    ("checked_in", 0.06),
    ("handled", 0.02),
    ("closed", 0.70),
)
OPEN_DISPATCH_STATES = {"dispatched": "dispatched", "checked_in": "checked_in", "handled": "handled"}

BARE_SQL = """
    WITH bounds AS (SELECT ST_TileEnvelope(CAST(:z AS integer), CAST(:x AS integer), CAST(:y AS integer)) AS env)
    SELECT ST_AsMVT(q, 'reports', 4096, 'geom') FROM (
        SELECT ST_AsMVTGeom(r.geom_3857, bounds.env, 4096, 64, true) AS geom
        FROM reports r, bounds WHERE r.geom_3857 && bounds.env
    ) q
"""


def log(message: str) -> None:
    print(message, flush=True)


def copy_rows(session: Session, table: str, columns: list[str], rows: Any) -> None:
    raw: Any = session.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


BULK_TABLES = ("reports", "cases", "dispatches")


def drop_indexes(session: Session) -> list[str]:
    """Drop the bulk tables' plain indexes (a throwaway database: rebuilding them after COPY is faster
    than maintaining them row by row); returns their definitions."""
    rows = session.execute(
        text(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = 'public' AND i.tablename = ANY(:tables)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """
        ),
        {"tables": list(BULK_TABLES)},
    ).all()
    for name, _ in rows:
        session.execute(text(f'DROP INDEX "{name}"'))
    return [definition for _, definition in rows]


def generate(session: Session, n: int, seed: int) -> dict[str, int]:
    """COPY n routed reports, their cases and the open cases' dispatches."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    city = build_demo_city()
    router = Router(city.grid_records())
    grids = city.grid_records()
    # Denser towards the centre: half uniform over the urban box, half a wide normal around the core.
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    have = 0
    while have < n:
        m = (n - have) * 2
        ux = np.where(
            rng.random(m) < 0.5,
            rng.uniform(URBAN_BBOX[0], URBAN_BBOX[2], m),
            rng.normal(126.553, 0.04, m),
        )
        uy = np.where(
            rng.random(m) < 0.5, rng.uniform(URBAN_BBOX[1], URBAN_BBOX[3], m), rng.normal(43.862, 0.03, m)
        )
        routed = router.route_many(ux, uy).grid
        keep = routed >= 0
        xs.append(ux[keep])
        ys.append(uy[keep])
        have += int(keep.sum())
    x = np.concatenate(xs)[:n]
    y = np.concatenate(ys)[:n]
    grid_index = router.route_many(x, y).grid
    names = [s for s, _ in STATES]
    weights = np.array([w for _, w in STATES])
    state_index = rng.choice(len(STATES), n, p=weights / weights.sum())
    now = datetime.now(UTC)
    created = [now - timedelta(seconds=float(s)) for s in rng.uniform(0, 180 * 86400, n)]
    reporter = session.execute(
        text(
            "INSERT INTO users (id, username, display_name, role, password_hash, is_active) "
            "VALUES (gen_random_uuid(), 'bench-reporter', 'bench', 'grid_worker', 'x', true) RETURNING id"
        )
    ).scalar_one()
    unit_id = session.execute(text("SELECT id FROM department_units ORDER BY code LIMIT 1")).scalar_one()
    categories = list(session.execute(text("SELECT code FROM categories ORDER BY code")).scalars())
    category = [categories[k] for k in rng.integers(0, len(categories), n)]
    report_ids = [uuid.uuid4() for _ in range(n)]
    case_ids: list[uuid.UUID | None] = [None if names[s] == "reported" else uuid.uuid4() for s in state_index]

    log(f"  {n:,} points routed and states drawn in {time.perf_counter() - started:.1f} s; copying cases …")
    # A throwaway database loaded in bulk from consistent data: skip the per-row foreign-key triggers.
    session.execute(text("SET LOCAL session_replication_role = replica"))
    definitions = drop_indexes(session)
    copy_rows(
        session,
        "cases",
        [
            "id",
            "state",
            "category_code",
            "primary_report_id",
            "district_code",
            "street_code",
            "community_code",
            "grid_code",
            "note",
            "created_at",
            "updated_at",
            "filed_at",
            "closed_at",
        ],
        (
            (
                case_ids[k],
                names[state_index[k]],
                category[k],
                report_ids[k],
                grids[grid_index[k]].district.code,
                grids[grid_index[k]].street.code,
                grids[grid_index[k]].community.code,
                grids[grid_index[k]].code,
                "",
                created[k],
                created[k],
                created[k] if names[state_index[k]] not in ("voided", "merged") else None,
                created[k] if names[state_index[k]] == "closed" else None,
            )
            for k in range(n)
            if case_ids[k] is not None
        ),
    )
    log(f"  copying dispatches … ({time.perf_counter() - started:.1f} s)")
    open_cases = [k for k in range(n) if names[state_index[k]] in OPEN_DISPATCH_STATES]
    # Deadlines from 2 days overdue to 10 days ahead of now: a mix of red, yellow and green.
    deadline_offsets = rng.uniform(-2 * 86400, 10 * 86400, len(open_cases))
    copy_rows(
        session,
        "dispatches",
        [
            "id",
            "case_id",
            "unit_id",
            "role",
            "district_code",
            "street_code",
            "state",
            "dispatched_at",
            "note",
            "check_in_amount",
            "check_in_unit",
            "handling_amount",
            "handling_unit",
            "check_in_deadline",
            "handling_deadline",
            "check_in_yellow_at",
            "handling_yellow_at",
            "checked_in_at",
            "extensions",
            "rework_count",
            "result_photo_count",
        ],
        (
            (
                uuid.uuid4(),
                case_ids[k],
                unit_id,
                "primary",
                grids[grid_index[k]].district.code,
                grids[grid_index[k]].street.code,
                OPEN_DISPATCH_STATES[names[state_index[k]]],
                now + timedelta(seconds=float(off)) - timedelta(days=5),
                "",
                2,
                "work_hours",
                5,
                "work_days",
                now + timedelta(seconds=float(off)) - timedelta(days=4, hours=22),
                now + timedelta(seconds=float(off)),
                # 80 % of each limit (wall clock: synthetic data)
                now + timedelta(seconds=float(off)) - timedelta(days=5) + timedelta(hours=1, minutes=36),
                now + timedelta(seconds=float(off)) - timedelta(days=1),
                None if names[state_index[k]] == "dispatched" else now - timedelta(days=4, hours=23),
                "[]",
                0,
                0,
            )
            for k, off in zip(open_cases, deadline_offsets, strict=True)
        ),
    )
    log(f"  copying reports … ({time.perf_counter() - started:.1f} s)")
    copy_rows(
        session,
        "reports",
        [
            "id",
            "reporter_id",
            "category_code",
            "text",
            "created_at",
            "lon",
            "lat",
            "geom",
            "location_source",
            "datum",
            "routing_status",
            "district_code",
            "street_code",
            "community_code",
            "grid_code",
            "routing",
            "flags",
            "flag_notes",
            "request_hash",
            "case_id",
        ],
        (
            (
                report_ids[k],
                reporter,
                category[k],
                "",
                created[k],
                float(x[k]),
                float(y[k]),
                f"SRID=4326;POINT({x[k]:.7f} {y[k]:.7f})",
                "device",
                "wgs84",
                "routed",
                grids[grid_index[k]].district.code,
                grids[grid_index[k]].street.code,
                grids[grid_index[k]].community.code,
                grids[grid_index[k]].code,
                "{}",
                "{}",
                "{}",
                "0" * 64,
                case_ids[k],
            )
            for k in range(n)
        ),
    )
    log(f"  rebuilding {len(definitions)} indexes … ({time.perf_counter() - started:.1f} s)")
    session.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    for definition in definitions:
        session.execute(text(definition))
    return {name: int((state_index == k).sum()) for k, name in enumerate(names)}


def core_tiles() -> list[tuple[int, int, int]]:
    tiles = []
    for z in ZOOMS:
        x0, y0 = tile_of(CORE_BBOX[0], CORE_BBOX[3], z)
        x1, y1 = tile_of(CORE_BBOX[2], CORE_BBOX[1], z)
        tiles += [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    return tiles


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5, help="Timed passes over the tiles.")
    parser.add_argument("--bare-rounds", type=int, default=2, help="Timed passes of the bare query.")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()

    url = database_url(unique_name("whistle_bench_tiles"))
    admin.create_database(url)
    engine = create_engine(url)
    try:
        admin.enable_postgis(url)
        upgrade(url)
        from service.demo.service import load_demo  # the divisions and the public map

        t0 = time.perf_counter()
        with Session(engine) as session:
            city = build_demo_city()
            load_demo(session=session, city=city)
            session.commit()
        log(f"demo city loaded in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        with Session(engine) as session:
            mix = generate(session, args.reports, args.seed)
            session.commit()
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
        log(f"{args.reports:,} reports generated in {time.perf_counter() - t0:.1f} s: {mix}")

        settings = PublicMapSettings(counts_max_age_s=3600.0)
        with Session(engine) as session:
            t0 = time.perf_counter()
            state = counts.refresh(session=session, now=datetime.now(UTC))
            session.commit()
            refresh_ms = (time.perf_counter() - t0) * 1000
            rows = session.execute(text("SELECT level, count(*) FROM report_counts GROUP BY level")).all()
        log(f"counts rebuilt in {refresh_ms:.0f} ms (version {state.version}): {dict(rows)}")

        tiles = core_tiles()
        log(f"{len(tiles)} tiles over the urban core at z{ZOOMS[0]}–z{ZOOMS[-1]}")
        staff_ms: list[float] = []
        public_ms: list[float] = []
        sizes: list[int] = []
        with Session(engine) as session:
            for z, x, y in tiles:  # warm-up: plans and caches, as a running service has them
                render_tile(
                    session=session,
                    layer="reports",
                    z=z,
                    x=x,
                    y=y,
                    staff=True,
                    settings=settings,
                    now=datetime.now(UTC),
                )
            for _ in range(args.rounds):
                for z, x, y in tiles:
                    for staff, into in ((True, staff_ms), (False, public_ms)):
                        t0 = time.perf_counter()
                        tile = render_tile(
                            session=session,
                            layer="reports",
                            z=z,
                            x=x,
                            y=y,
                            staff=staff,
                            settings=settings,
                            now=datetime.now(UTC),
                        )
                        into.append((time.perf_counter() - t0) * 1000)
                        sizes.append(len(tile.data))
            session.rollback()
        bare_ms: list[float] = []
        bare_sizes: list[int] = []
        with engine.connect() as conn:
            for z, x, y in tiles[:3]:
                conn.execute(text(BARE_SQL), {"z": z, "x": x, "y": y})
            for _ in range(args.bare_rounds):
                for z, x, y in tiles:
                    t0 = time.perf_counter()
                    data = conn.execute(text(BARE_SQL), {"z": z, "x": x, "y": y}).scalar()
                    bare_ms.append((time.perf_counter() - t0) * 1000)
                    bare_sizes.append(len(bytes(data or b"")))
        all_ms = staff_ms + public_ms
        tile_p50, tile_p95 = statistics.median(all_ms), percentile(all_ms, 0.95)
        bare_p50 = statistics.median(bare_ms)
        ratio = tile_p50 / bare_p50
        log(
            f"report tile (endpoint function): p50 {tile_p50:.2f} ms, p95 {tile_p95:.2f} ms "
            f"(dispatcher p50 {statistics.median(staff_ms):.2f} ms, public p50 {statistics.median(public_ms):.2f} ms; "
            f"median {statistics.median(sizes) / 1024:.1f} KiB) — target p50 ≤ {P50_TARGET_MS:g} ms"
        )
        log(
            f"bare ST_AsMVT over the raw points: p50 {bare_p50:.1f} ms, p95 {percentile(bare_ms, 0.95):.1f} ms "
            f"(median {statistics.median(bare_sizes) / 1024:.0f} KiB, largest {max(bare_sizes) / 1024:.0f} KiB)"
        )
        log(f"ratio to the bare query: {ratio:.3f} (target ≤ {RATIO_TARGET:g})")
        print(
            json.dumps(
                {
                    "reports": args.reports,
                    "tile_p50_ms": round(tile_p50, 3),
                    "tile_p95_ms": round(tile_p95, 3),
                    "bare_sql_p50_ms": round(bare_p50, 3),
                    "ratio_to_bare_sql": round(ratio, 4),
                    "counts_refresh_ms": round(refresh_ms, 1),
                    "tiles": len(tiles),
                }
            )
        )
    finally:
        engine.dispose()
        admin.drop_database(url)


if __name__ == "__main__":
    main()
