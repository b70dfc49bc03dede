"""Console benchmark (issue 5): the triage queue and the indicators over 1,000,000 generated cases.

Run from the repository root: `.venv/bin/python -m bench.console` (`--cases N` for a smaller run).

It creates a database of its own on the configured server (as the tests do), migrates it to head,
generates the history in SQL with generate_series (reports, cases, dispatches, filing events; triggers
off while loading), analyses it, then times, median of `--runs` runs each:

* the triage queue through the service (`triage.list_queue`: newest first, one page of 50; also by
  street and oldest first), against the bare SQL of the newest-first page on a raw psycopg connection;
* the indicators through the service (`stats.indicator_rows` by unit over 30 whole local days, read
  from the daily rollups, counts turned into rates), against the same rollup SQL executed bare; for
  context also by street, and the same month shifted off day boundaries (aggregated from dispatches).

Targets: ≤ 100 ms each. The database is dropped at the end, whatever happens. The last line is a JSON
object with `cases`, `triage_queue_ms`, `indicators_ms`, `bare_sql_ms` (the bare indicators SQL, the
heavier floor) and the other figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy import Connection, Engine, create_engine, text

from service.cases import stats, triage
from service.cases.stats import GroupBy
from service.db import admin
from service.db.migrate import upgrade
from service.db.session import open_database
from service.settings import DatabaseSettings
from tests.support import databases

TARGET_MS = 100.0
SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2025, 1, 1, tzinfo=UTC)
UNITS, STREETS, CATEGORIES, QUEUE_SHARE = 220, 100, 20, 0.05

SEED_SQL = [
    "SET session_replication_role = replica",  # bulk load: no per-row triggers (feed NOTIFY) or FK checks
    """INSERT INTO department_kinds (code, name, enforcement, sort)
       SELECT 'k' || lpad(i::text, 2, '0'), '部门' || i, true, i FROM generate_series(1, 11) i""",
    """INSERT INTO department_units (id, code, name, short_name, kind_code, level, district_code, street_code,
         is_street_team, jurisdiction, is_demo, active)
       SELECT gen_random_uuid(), 'B-U' || lpad(i::text, 3, '0'), '单位' || i, '单位' || i,
              'k' || lpad((1 + i % 11)::text, 2, '0'), 'district', '2202' || lpad((i % 9)::text, 2, '0'), NULL,
              false, ST_Multi(ST_MakeEnvelope(126 + i * 0.001, 43, 126.001 + i * 0.001, 43.001, 4326)), true, true
       FROM generate_series(1, :units) i""",
    """INSERT INTO streets (id, code, district_code, name, kind, geom, valid_from, is_demo)
       SELECT gen_random_uuid(), '220204' || lpad(i::text, 3, '0') || '000', '2202' || lpad((i % 9)::text, 2, '0'),
              '街道' || i, 'subdistrict', ST_Multi(ST_MakeEnvelope(126, 43, 126.01, 43.01, 4326)), now(), true
       FROM generate_series(1, :streets) i""",
    """INSERT INTO categories (code, major_code, major_name, minor_code, name, note, primary_kind, joint_kinds,
         on_street_list, report_in_amount, report_in_unit, handling_amount, handling_unit, points, active, sort)
       SELECT lpad(i::text, 4, '0'), '01', '类', lpad(i::text, 2, '0'), '类别' || i, '',
              'k' || lpad((1 + i % 11)::text, 2, '0'), '{}', i % 4 = 0, 2, 'work_hours', 3, 'work_days', 10, true, i
       FROM generate_series(1, :categories) i""",
    """INSERT INTO users (id, username, display_name, role, password_hash, is_active, created_at)
       VALUES (gen_random_uuid(), 'bench-reporter', '网格员', 'grid_worker', 'x', true, now()),
              (gen_random_uuid(), 'bench-dispatcher', '调度员', 'dispatcher', 'x', true, now())""",
    """CREATE UNLOGGED TABLE bench_rows AS
       SELECT n, gen_random_uuid() AS report_id, CASE WHEN n <= :cases THEN gen_random_uuid() END AS case_id,
              :start + (random() * interval '365 days') AS created_at,
              '220204' || lpad((1 + n % :streets)::text, 3, '0') || '000' AS street_code,
              '2202' || lpad(((1 + n % :streets) % 9)::text, 2, '0') AS district_code,
              lpad((1 + n % :categories)::text, 4, '0') AS category_code
       FROM generate_series(1, :total) n""",
    """INSERT INTO reports (id, reporter_id, category_code, text, created_at, lon, lat, geom, location_source,
         datum, accuracy_m, routing_status, district_code, street_code, community_code, grid_code, routing, flags,
         flag_notes, request_hash, case_id)
       SELECT r.report_id, (SELECT id FROM users WHERE username = 'bench-reporter'), r.category_code, '',
              r.created_at, 126.5 + (r.n % 1000) * 0.0001, 43.8 + (r.n % 997) * 0.0001,
              ST_SetSRID(ST_MakePoint(126.5 + (r.n % 1000) * 0.0001, 43.8 + (r.n % 997) * 0.0001), 4326),
              'device', 'wgs84', 10, 'routed', r.district_code, r.street_code,
              left(r.street_code, 9) || '001', left(r.street_code, 9) || '001001', '{}',
              CASE WHEN r.n % 50 = 0 THEN ARRAY['photo_reused'] ELSE '{}'::text[] END, '{}', md5(r.n::text),
              r.case_id
       FROM bench_rows r""",
    """INSERT INTO cases (id, state, category_code, primary_report_id, district_code, street_code, community_code,
         grid_code, note, created_by, created_at, updated_at, filed_at, closed_at, void_reason)
       SELECT r.case_id,
              CASE WHEN r.n % 20 = 0 THEN 'voided' WHEN r.n % 20 < 17 THEN 'closed' ELSE 'dispatched' END,
              r.category_code, r.report_id, r.district_code, r.street_code, left(r.street_code, 9) || '001',
              left(r.street_code, 9) || '001001', '', (SELECT id FROM users WHERE username = 'bench-dispatcher'),
              r.created_at + interval '10 minutes', r.created_at + interval '2 days',
              CASE WHEN r.n % 20 <> 0 THEN r.created_at + interval '10 minutes' END,
              CASE WHEN r.n % 20 BETWEEN 1 AND 16 THEN r.created_at + interval '2 days 3 hours' END,
              CASE WHEN r.n % 20 = 0 THEN '重复' END
       FROM bench_rows r WHERE r.case_id IS NOT NULL""",
    """INSERT INTO case_events (case_id, at, actor_role, action, from_state, to_state, case_state, note, detail)
       SELECT r.case_id, r.created_at + interval '10 minutes', 'dispatcher', 'file', 'reported', 'filed', 'filed',
              '', '{}'
       FROM bench_rows r WHERE r.case_id IS NOT NULL AND r.n % 20 <> 0""",
    """INSERT INTO dispatches (id, case_id, unit_id, role, district_code, street_code, state, dispatched_at, note,
         check_in_amount, check_in_unit, handling_amount, handling_unit, check_in_deadline, handling_deadline,
         check_in_yellow_at, handling_yellow_at, checked_in_at, result_at, result_photo_count, extensions, rework_count, sent_back_at, closed_at)
       SELECT gen_random_uuid(), r.case_id, u.id, CASE WHEN j = 0 THEN 'primary' ELSE 'joint' END,
              r.district_code, r.street_code,
              CASE WHEN r.n % 20 = 17 THEN 'dispatched' WHEN r.n % 20 = 18 THEN 'checked_in'
                   WHEN r.n % 20 = 19 THEN 'verifying' WHEN r.n % 97 = 3 THEN 'sent_back' ELSE 'closed' END,
              r.created_at + interval '30 minutes', '', 2, 'work_hours', 3, 'work_days',
              r.created_at + interval '2 hours 30 minutes', r.created_at + interval '3 days',
              r.created_at + interval '2 hours 6 minutes', r.created_at + interval '2 days 9 hours 42 minutes',
              CASE WHEN r.n % 20 <> 17 THEN r.created_at + interval '1 hour' + (r.n % 7) * interval '30 minutes' END,
              CASE WHEN r.n % 20 NOT IN (17, 18) AND r.n % 97 <> 3
                   THEN r.created_at + interval '1 day' + (r.n % 5) * interval '12 hours' END,
              1, '[]', CASE WHEN r.n % 13 = 0 THEN 1 ELSE 0 END,
              CASE WHEN r.n % 97 = 3 AND r.n % 20 < 17 THEN r.created_at + interval '2 hours' END,
              CASE WHEN r.n % 20 < 17 AND r.n % 97 <> 3 THEN r.created_at + interval '2 days 3 hours' END
       FROM bench_rows r
       CROSS JOIN LATERAL generate_series(0, CASE WHEN r.n % 5 = 0 THEN 1 ELSE 0 END) j
       JOIN LATERAL (SELECT id FROM department_units
                     WHERE code = 'B-U' || lpad((1 + (r.n * 7 + j * 13) % :units)::text, 3, '0')) u ON true
       WHERE r.case_id IS NOT NULL AND r.n % 20 <> 0""",
    "DROP TABLE bench_rows",
    "SET session_replication_role = origin",
    "SELECT whistle_rebuild_indicator_days()",  # the daily rollups the trigger keeps when not bulk loading
]


def median_ms(fn: Callable[[], Any], runs: int) -> float:
    fn()  # warm: plans, caches
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


@contextmanager
def load(engine: Engine, statements: list[str], params: dict[str, Any]) -> Iterator[Connection]:
    """Run the seed statements in one transaction (each timed), then VACUUM ANALYZE; yields an
    autocommit connection for the caller's counts."""
    with engine.begin() as conn:
        for statement in statements:
            started = time.perf_counter()
            conn.execute(text(statement), params)
            print(f"  {' '.join(statement.split()[:3])[:40]:40} {time.perf_counter() - started:6.1f} s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        started = time.perf_counter()
        conn.execute(text("VACUUM ANALYZE"))
        print(f"  {'VACUUM ANALYZE':40} {time.perf_counter() - started:6.1f} s")
        yield conn


def seed(url: str, cases: int) -> None:
    total = int(cases / (1 - QUEUE_SHARE))
    params = {
        "cases": cases,
        "total": total,
        "units": UNITS,
        "streets": STREETS,
        "categories": CATEGORIES,
        "start": START,
    }
    engine = create_engine(url)
    try:
        with load(engine, SEED_SQL, params) as conn:
            counts = conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM dispatches), "
                    "(SELECT count(*) FROM reports), (SELECT count(*) FROM reports WHERE case_id IS NULL)"
                )
            ).one()
            print(
                f"  cases {counts[0]:,}, dispatches {counts[1]:,}, reports {counts[2]:,}, in triage {counts[3]:,}"
            )
    finally:
        engine.dispose()


def measure(url: str, runs: int, *, explain: bool = False) -> dict[str, float]:
    db = open_database(DatabaseSettings(url=url, pool_size=2, statement_timeout_ms=60_000))
    raw = psycopg.connect(databases_conninfo(url), autocommit=True)
    try:
        with db.session() as session:
            newest_street = "220204" + "007" + "000"
            queue_ms = median_ms(lambda: triage.list_queue(session=session, limit=50), runs)
            queue_street_ms = median_ms(
                lambda: triage.list_queue(
                    session=session, filters=triage.QueueFilters(street_code=newest_street), limit=50
                ),
                runs,
            )
            queue_oldest_ms = median_ms(
                lambda: triage.list_queue(session=session, order="oldest", limit=50), runs
            )
            first = triage.list_queue(session=session, limit=50)
            assert len(first.items) == 50 and first.next_cursor is not None
            queue_page2_ms = median_ms(
                lambda: triage.list_queue(session=session, limit=50, cursor=first.next_cursor), runs
            )
            since = datetime(2025, 6, 30, tzinfo=SHANGHAI)  # a month of whole local days
            until = since + timedelta(days=30)
            indicators_ms = median_ms(
                lambda: stats.indicator_rows(
                    session=session, group_by=GroupBy.UNIT, since=since, until=until
                ),
                runs,
            )
            street_ms = median_ms(
                lambda: stats.indicator_rows(
                    session=session, group_by=GroupBy.STREET, since=since, until=until
                ),
                runs,
            )
            # The same month from the dispatches themselves (what a period not on day boundaries costs).
            unaligned_ms = median_ms(
                lambda: stats.indicator_rows(
                    session=session, group_by=GroupBy.UNIT, since=since + timedelta(seconds=1), until=until
                ),
                max(3, runs // 3),
            )
            rows = stats.indicator_rows(session=session, group_by=GroupBy.UNIT, since=since, until=until)
            dispatched = sum(r.counts.dispatched for r in rows)
        bare_queue_sql = (
            "SELECT id, category_code, text, created_at, lon, lat, district_code, street_code, community_code, "
            "grid_code, flags FROM reports WHERE case_id IS NULL ORDER BY created_at DESC, id DESC LIMIT 51"
        )
        bare_queue_ms = median_ms(lambda: raw.execute(bare_queue_sql).fetchall(), runs)
        bare_indicators_sql = str(stats.NAMED_ROLLUP_SQL[GroupBy.UNIT].text).replace(
            ":first_day", "%(first_day)s"
        )
        bare_indicators_sql = bare_indicators_sql.replace(":end_day", "%(end_day)s")
        days = {"first_day": since.date(), "end_day": until.date()}
        bare_ms = median_ms(lambda: raw.execute(bare_indicators_sql, days).fetchall(), runs)
        if explain:
            for label, sql, params in (
                ("triage queue", bare_queue_sql, {}),
                ("indicators by unit", bare_indicators_sql, days),
            ):
                plan = raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).fetchall()
                print(f"plan of the {label}:\n  " + "\n  ".join(row[0] for row in plan))
    finally:
        raw.close()
        db.dispose()

    def verdict(ms: float) -> str:
        return "met" if ms <= TARGET_MS else "NOT met"

    print(f"median of {runs} runs each")
    print(
        f"triage queue, newest first, page of 50: {queue_ms:.2f} ms (target ≤ {TARGET_MS:.0f} ms: {verdict(queue_ms)})"
    )
    print(
        f"  by street {queue_street_ms:.2f} ms, oldest first {queue_oldest_ms:.2f} ms, next page {queue_page2_ms:.2f} ms"
    )
    print(f"  bare SQL floor {bare_queue_ms:.2f} ms → ratio {queue_ms / bare_queue_ms:.2f}×")
    print(
        f"indicators by unit, 30 days ({dispatched:,} dispatches): {indicators_ms:.2f} ms "
        f"(target ≤ {TARGET_MS:.0f} ms: {verdict(indicators_ms)})"
    )
    print(f"  by street (with reports and filings) {street_ms:.2f} ms")
    print(f"  the same month not on day boundaries (from the dispatches, no rollup) {unaligned_ms:.2f} ms")
    print(f"  bare SQL floor {bare_ms:.2f} ms → ratio {indicators_ms / bare_ms:.2f}×")
    return {
        "triage_queue_ms": round(queue_ms, 3),
        "indicators_ms": round(indicators_ms, 3),
        "bare_sql_ms": round(bare_ms, 3),
        "triage_bare_sql_ms": round(bare_queue_ms, 3),
        "triage_by_street_ms": round(queue_street_ms, 3),
        "indicators_by_street_ms": round(street_ms, 3),
        "indicators_unaligned_ms": round(unaligned_ms, 3),
    }


def databases_conninfo(url: str) -> str:
    from service.cases.events import conninfo

    return conninfo(url)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--explain", action="store_true", help="print the query plans (EXPLAIN ANALYZE)")
    args = parser.parse_args(argv)
    name = databases.unique_name("whistle_bench_console")
    url = databases.database_url(name)
    print(f"database {name}: create, migrate, generate {args.cases:,} cases")
    admin.create_database(url)
    try:
        admin.enable_postgis(url)
        upgrade(url)
        started = time.perf_counter()
        seed(url, args.cases)
        print(f"generated in {time.perf_counter() - started:.0f} s")
        figures: dict[str, float] = {"cases": args.cases, **measure(url, args.runs, explain=args.explain)}
    finally:
        admin.drop_database(url)
        print(f"database {name} dropped")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
