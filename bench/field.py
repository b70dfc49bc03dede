"""Field app benchmark (issue 15): a busy unit's 哨单 and 已办 pages over ~200,000 generated cases.

Run from the repository root: `.venv/bin/python -m bench.field` (`--dispatches N`, `--cases N` or
`--quick` for a smaller run).

It creates a database of its own on the configured server (as the tests do), migrates it to head and
generates in SQL with generate_series: the city of `bench.console`'s seed (220 units, `--cases` cases,
each with its primary report, their dispatches spread over the units), then one busy unit with 500 live
dispatches (dispatched, checked in, handled) and `--dispatches` finished ones (closed, sent back,
withdrawn, each with its `*_at`), each on a case of its own with its primary report; a partner unit's
dispatch on every fifth case and on every case sent back or withdrawn; a score (评价) for every closed one.
Triggers off while loading; analysed. Then it times, median of `--runs` runs each:

* through HTTP, the real code path: the service's app (`service.app.create_app`: its own pool, every
  middleware, gzip included) in-process under `fastapi.testclient.TestClient`, with the bearer token
  an officer of the busy unit gets from `POST /api/v1/auth/login`:
  `GET /api/v1/field/whistles?limit=50`, `GET /api/v1/field/history?limit=50`, and the history page
  after a cursor 80 % in (40,000 rows at the default size);
* where the time goes: the queries alone (`queries.whistles` / `queries.history`, no presenters, no
  HTTP) on a session of the service's own engine set-up (`open_database`);
* the floor: the bare SQL of the same history page (ids only, `LIMIT 51`) on a raw psycopg connection;
  also the deep page bare, for context. Each figure is printed with its ratio to the floor.

The pages are checked against the bare SQL (the same dispatches in the same order). It prints the
history query exactly as the service sends it and its plans (EXPLAIN ANALYZE): the first page and the
deep one as the service runs them (planned for their parameters: a read-only request ends in ROLLBACK,
on which psycopg deallocates its prepared statements, so nothing prepared survives to the next request;
the run prints how many did), and the deep one's generic plan (what it would run prepared). It says
whether `ix_dispatches_unit_finished` serves each (the index scanned, the unit and the keyset in its
condition, no sort) and exits 1 after the JSON line if not. `--explain` adds the whistles query's plan.
The database is dropped at the end, whatever happens. The last line is a JSON object with `dispatches`,
`cases`, `whistles_ms`, `history_ms`, `history_deep_ms`, `bare_sql_ms` (the floor),
`history_index_used` and the other figures.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import httpx
import psycopg
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, text

from bench.console import QUEUE_SHARE, START, UNITS, load, median_ms
from bench.console import SEED_SQL as CITY_SEED_SQL
from service.accounts import service as accounts
from service.accounts.models import Role
from service.app import create_app
from service.cases.events import conninfo
from service.db import admin
from service.db.migrate import upgrade
from service.db.session import open_database
from service.field import queries
from service.paging import NEXT_CURSOR, encode_cursor
from service.settings import DatabaseSettings, load_settings
from tests.support import databases

STREETS, CATEGORIES = 100, 20  # as bench.console's city
LIVE, PAGE, DEEP_SHARE = 500, 50, 0.8
INDEX = "ix_dispatches_unit_finished"
BUSY_CODE = "B-BUSY"
OFFICER, PASSWORD = "bench-officer", "bench-officer-password"
SECRET = "bench-secret-" + "f" * 32
ORIGIN = "SET session_replication_role = origin"

BUSY_SQL = [
    """INSERT INTO department_units (id, code, name, short_name, kind_code, level, district_code, street_code,
         is_street_team, jurisdiction, is_demo, active)
       VALUES (gen_random_uuid(), 'B-BUSY', '繁忙单位', '繁忙单位', 'k01', 'district', '220201', NULL, false,
               ST_Multi(ST_MakeEnvelope(126, 43, 126.001, 43.001, 4326)), true, true)""",
    # The live ones were whistled in the last four days (some clocks past their deadline), the finished
    # ones over a year, each finished 1 hour to 5 days after its whistle (finished order ≠ whistle order).
    """CREATE UNLOGGED TABLE bench_busy AS
       SELECT n, gen_random_uuid() AS report_id, gen_random_uuid() AS case_id, gen_random_uuid() AS dispatch_id,
              CASE WHEN n <= :live THEN (ARRAY['dispatched', 'checked_in', 'handled'])[1 + n % 3]
                   WHEN n % 10 < 8 THEN 'closed' WHEN n % 10 = 8 THEN 'sent_back' ELSE 'withdrawn' END AS state,
              CASE WHEN n <= :live THEN now() - random() * interval '4 days'
                   ELSE :start + random() * interval '365 days' END AS dispatched_at,
              interval '1 hour' + random() * interval '5 days' AS took,
              '220204' || lpad((1 + n % :streets)::text, 3, '0') || '000' AS street_code,
              '2202' || lpad(((1 + n % :streets) % 9)::text, 2, '0') AS district_code,
              lpad((1 + n % :categories)::text, 4, '0') AS category_code
       FROM generate_series(1, :live + :finished) n""",
    """INSERT INTO reports (id, reporter_id, category_code, text, created_at, lon, lat, geom, location_source,
         datum, accuracy_m, routing_status, district_code, street_code, community_code, grid_code, routing, flags,
         flag_notes, request_hash, case_id)
       SELECT b.report_id, (SELECT id FROM users WHERE username = 'bench-reporter'), b.category_code,
              '占道经营，请处理 ' || b.n, b.dispatched_at - interval '40 minutes',
              126.5 + (b.n % 1000) * 0.0001, 43.8 + (b.n % 997) * 0.0001,
              ST_SetSRID(ST_MakePoint(126.5 + (b.n % 1000) * 0.0001, 43.8 + (b.n % 997) * 0.0001), 4326),
              'device', 'wgs84', 10, 'routed', b.district_code, b.street_code,
              left(b.street_code, 9) || '001', left(b.street_code, 9) || '001001', '{}', '{}', '{}',
              md5('busy' || b.n), b.case_id
       FROM bench_busy b""",
    """INSERT INTO cases (id, state, category_code, primary_report_id, district_code, street_code, community_code,
         grid_code, note, created_by, created_at, updated_at, filed_at, closed_at)
       SELECT b.case_id, CASE WHEN b.state IN ('sent_back', 'withdrawn') THEN 'dispatched' ELSE b.state END,
              b.category_code, b.report_id, b.district_code, b.street_code, left(b.street_code, 9) || '001',
              left(b.street_code, 9) || '001001', '', (SELECT id FROM users WHERE username = 'bench-dispatcher'),
              b.dispatched_at - interval '20 minutes', b.dispatched_at + b.took,
              b.dispatched_at - interval '20 minutes',
              CASE WHEN b.state = 'closed' THEN b.dispatched_at + b.took END
       FROM bench_busy b""",
    """INSERT INTO dispatches (id, case_id, unit_id, role, district_code, street_code, state, dispatched_at, note,
         check_in_amount, check_in_unit, handling_amount, handling_unit, check_in_deadline, handling_deadline,
         check_in_yellow_at, handling_yellow_at, checked_in_at, result_at, result_note, result_photo_count,
         extensions, rework_count, sent_back_at, send_back_reason, closed_at, withdrawn_at, withdraw_reason)
       SELECT b.dispatch_id, b.case_id, u.id, 'primary', b.district_code, b.street_code, b.state,
              b.dispatched_at, '', 2, 'work_hours', 3, 'work_days',
              b.dispatched_at + interval '2 hours', b.dispatched_at + interval '3 days',
              b.dispatched_at + interval '1 hour 36 minutes', b.dispatched_at + interval '2 days 9 hours 36 minutes',
              CASE WHEN b.state IN ('checked_in', 'handled', 'closed') THEN b.dispatched_at + b.took / 5 END,
              CASE WHEN b.state IN ('handled', 'closed') THEN b.dispatched_at + b.took / 2 END,
              CASE WHEN b.state IN ('handled', 'closed') THEN '已清理' END,
              CASE WHEN b.state IN ('handled', 'closed') THEN 1 ELSE 0 END, '[]', 0,
              CASE WHEN b.state = 'sent_back' THEN b.dispatched_at + b.took END,
              CASE WHEN b.state = 'sent_back' THEN '不属本单位职责' END,
              CASE WHEN b.state = 'closed' THEN b.dispatched_at + b.took END,
              CASE WHEN b.state = 'withdrawn' THEN b.dispatched_at + b.took END,
              CASE WHEN b.state = 'withdrawn' THEN '改派' END
       FROM bench_busy b, (SELECT id FROM department_units WHERE code = 'B-BUSY') u""",
    # Partners: a joint unit on every fifth case, the unit it was reassigned to on a case sent back or
    # withdrawn (the field cards list the other units' dispatches of the case).
    """INSERT INTO dispatches (id, case_id, unit_id, role, district_code, street_code, state, dispatched_at, note,
         check_in_amount, check_in_unit, handling_amount, handling_unit, check_in_deadline, handling_deadline,
         check_in_yellow_at, handling_yellow_at, checked_in_at, result_at, result_photo_count, extensions,
         rework_count, closed_at)
       SELECT gen_random_uuid(), b.case_id, u.id,
              CASE WHEN b.state IN ('sent_back', 'withdrawn') THEN 'primary' ELSE 'joint' END,
              b.district_code, b.street_code, CASE WHEN b.state = 'closed' THEN 'closed' ELSE 'dispatched' END,
              b.dispatched_at, '', 2, 'work_hours', 3, 'work_days',
              b.dispatched_at + interval '2 hours', b.dispatched_at + interval '3 days',
              b.dispatched_at + interval '1 hour 36 minutes', b.dispatched_at + interval '2 days 9 hours 36 minutes',
              CASE WHEN b.state = 'closed' THEN b.dispatched_at + b.took / 4 END,
              CASE WHEN b.state = 'closed' THEN b.dispatched_at + b.took / 2 END,
              CASE WHEN b.state = 'closed' THEN 1 ELSE 0 END, '[]', 0,
              CASE WHEN b.state = 'closed' THEN b.dispatched_at + b.took END
       FROM bench_busy b
       JOIN LATERAL (SELECT id FROM department_units
                     WHERE code = 'B-U' || lpad((1 + b.n % :units)::text, 3, '0')) u ON true
       WHERE b.n % 5 = 0 OR b.state IN ('sent_back', 'withdrawn')""",
    """INSERT INTO evaluations (dispatch_id, unit_id, score, list_kind, breakdown, rules, reason, evaluated_at)
       SELECT b.dispatch_id, u.id, 100 - b.n % 15,
              CASE WHEN b.n % 15 = 0 THEN 'praise' END,
              CASE WHEN b.n % 15 = 0 THEN '[]'::jsonb
                   ELSE jsonb_build_array(jsonb_build_object('rule', 'late_handling',
                          'points', (b.n % 15)::text, 'reason', '处置超时')) END,
              '{}', 'closed', b.dispatched_at + b.took + interval '1 minute'
       FROM bench_busy b, (SELECT id FROM department_units WHERE code = 'B-BUSY') u
       WHERE b.state = 'closed'""",
    "DROP TABLE bench_busy",
]
# bench.console's city with its triggers still off, the busy unit, then triggers on and the rollups.
SEED_SQL = [
    *CITY_SEED_SQL[: CITY_SEED_SQL.index(ORIGIN)],
    *BUSY_SQL,
    *CITY_SEED_SQL[CITY_SEED_SQL.index(ORIGIN) :],
]
# The service's history page, ids only (the floor), and the key of the row `offset` rows in.
BARE_HISTORY_SQL = (
    "SELECT id FROM dispatches WHERE unit_id = %s AND state IN ('closed','sent_back','withdrawn') "
    "ORDER BY COALESCE(closed_at, sent_back_at, withdrawn_at, dispatched_at) DESC, id DESC LIMIT 51"
)
BARE_DEEP_SQL = (
    "SELECT id FROM dispatches WHERE unit_id = %s AND state IN ('closed','sent_back','withdrawn') "
    "AND (COALESCE(closed_at, sent_back_at, withdrawn_at, dispatched_at), id) < (%s, %s) "
    "ORDER BY COALESCE(closed_at, sent_back_at, withdrawn_at, dispatched_at) DESC, id DESC LIMIT 51"
)
KEY_AT_SQL = (
    "SELECT COALESCE(closed_at, sent_back_at, withdrawn_at, dispatched_at), id FROM dispatches "
    "WHERE unit_id = %s AND state IN ('closed','sent_back','withdrawn') "
    "ORDER BY COALESCE(closed_at, sent_back_at, withdrawn_at, dispatched_at) DESC, id DESC OFFSET %s LIMIT 1"
)


def seed(url: str, cases: int, finished: int) -> None:
    params = {
        "cases": cases,
        "total": int(cases / (1 - QUEUE_SHARE)),
        "units": UNITS,
        "streets": STREETS,
        "categories": CATEGORIES,
        "start": START,
        "live": LIVE,
        "finished": finished,
    }
    engine = create_engine(url)
    try:
        with load(engine, SEED_SQL, params) as conn:
            counts = conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM department_units), (SELECT count(*) FROM cases), "
                    "(SELECT count(*) FROM dispatches), (SELECT count(*) FROM evaluations)"
                )
            ).one()
            print(
                f"  units {counts[0]:,}, cases {counts[1]:,}, dispatches {counts[2]:,}, scores {counts[3]:,}"
            )
    finally:
        engine.dispose()


def add_officer(url: str) -> uuid.UUID:
    """The busy unit's officer (through the service, so the password hash is a real one); the unit's id."""
    db = open_database(DatabaseSettings(url=url, pool_size=1))
    try:
        with db.session() as session:
            unit_id: uuid.UUID = session.execute(
                text("SELECT id FROM department_units WHERE code = :code"), {"code": BUSY_CODE}
            ).scalar_one()
            accounts.create_user(
                session=session, username=OFFICER, password=PASSWORD, role=Role.officer, unit_id=unit_id
            )
            session.commit()
    finally:
        db.dispose()
    return unit_id


@contextmanager
def field_client(url: str) -> Iterator[tuple[FastAPI, TestClient, dict[str, str]]]:
    """The service's app on the bench database, a client of it and the busy unit officer's Authorization
    header."""
    with tempfile.TemporaryDirectory(prefix="whistle-field-bench-") as tmp:
        settings = load_settings(
            env="test",
            database={"url": url, "statement_timeout_ms": 60_000},
            security={"secret_key": SECRET},
            media={"root": tmp},
            router={"warm_on_start": False},
            outbound={"worker": False},
        )
        app = create_app(settings)
        with TestClient(app) as client:
            response = client.post("/api/v1/auth/login", json={"username": OFFICER, "password": PASSWORD})
            assert response.status_code == 200, response.text
            yield app, client, {"Authorization": f"Bearer {response.json()['access_token']}"}


def dispatch_ids(response: httpx.Response) -> list[uuid.UUID]:
    assert response.status_code == 200, response.text
    return [uuid.UUID(item["dispatch"]["id"]) for item in response.json()]


@contextmanager
def captured(engine: Any, marker: str) -> Iterator[list[tuple[str, Any]]]:
    """The statements (with their parameters) the service sends while the block runs, those containing
    `marker`."""
    found: list[tuple[str, Any]] = []

    def listen(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if marker in statement:
            found.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def custom_plan(raw: psycopg.Connection[Any], statement: str, parameters: dict[str, Any]) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of a statement the service sent, planned for its parameters (as an
    unprepared statement is, every time)."""
    return "\n".join(row[0] for row in raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters))


def generic_plan(raw: psycopg.Connection[Any], statement: str, parameters: dict[str, Any]) -> str:
    """The same for the plan of the statement prepared on the server, generic (for any parameters)."""
    names: list[str] = []

    def placeholder(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    raw.execute("SET plan_cache_mode = force_generic_plan")
    raw.execute("PREPARE bench_field AS " + re.sub(r"%\((\w+)\)s", placeholder, statement))
    try:
        with psycopg.ClientCursor(raw) as cursor:  # the EXECUTE's arguments as literals
            args = ", ".join(["%s"] * len(names))
            cursor.execute(
                f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_field({args})", [parameters[n] for n in names]
            )
            return "\n".join(row[0] for row in cursor.fetchall())
    finally:
        raw.execute("DEALLOCATE bench_field")
        raw.execute("RESET plan_cache_mode")


def served_by_index(plan: str) -> bool:
    """The plan reads the unit's finished dispatches in order from the index, the keyset in its
    condition: no sort, no filter on the history key."""
    scan = re.search(rf"Index Scan using {INDEX} on dispatches.*\n(?:\s+Index Cond: (.*))?", plan)
    return (
        scan is not None
        and "unit_id" in (scan.group(1) or "")
        and ("ROW(" not in plan or "ROW(" in (scan.group(1) or ""))
        and "Sort Key" not in plan
    )


def measure(url: str, unit_id: uuid.UUID, runs: int, finished: int, *, explain: bool) -> dict[str, float]:
    raw = psycopg.connect(conninfo(url), autocommit=True)
    db = open_database(DatabaseSettings(url=url, pool_size=2, statement_timeout_ms=60_000))
    try:
        deep = int(finished * DEEP_SHARE)
        key: tuple[datetime, uuid.UUID] = raw.execute(KEY_AT_SQL, (unit_id, deep - 1)).fetchone()  # type: ignore[assignment]
        first_bare = [row[0] for row in raw.execute(BARE_HISTORY_SQL, (unit_id,)).fetchall()]
        deep_bare = [row[0] for row in raw.execute(BARE_DEEP_SQL, (unit_id, *key)).fetchall()]
        bare_ms = median_ms(lambda: raw.execute(BARE_HISTORY_SQL, (unit_id,)).fetchall(), runs)
        bare_deep_ms = median_ms(lambda: raw.execute(BARE_DEEP_SQL, (unit_id, *key)).fetchall(), runs)

        with field_client(url) as (app, client, auth):
            whistles_url = f"/api/v1/field/whistles?limit={PAGE}"
            history_url = f"/api/v1/field/history?limit={PAGE}"
            deep_url = f"{history_url}&cursor={encode_cursor(key)}"
            # The pages are the right ones: as many as asked, the history in the bare SQL's order.
            response = client.get(whistles_url, headers=auth)
            assert len(dispatch_ids(response)) == PAGE and NEXT_CURSOR in response.headers
            response = client.get(history_url, headers=auth)
            assert dispatch_ids(response) == first_bare[:PAGE] and NEXT_CURSOR in response.headers
            scores = sum(item["evaluation"] is not None for item in response.json())
            assert dispatch_ids(client.get(deep_url, headers=auth)) == deep_bare[:PAGE]
            whistles_ms = median_ms(lambda: dispatch_ids(client.get(whistles_url, headers=auth)), runs)
            history_ms = median_ms(lambda: dispatch_ids(client.get(history_url, headers=auth)), runs)
            deep_ms = median_ms(lambda: dispatch_ids(client.get(deep_url, headers=auth)), runs)
            with app.state.db.session() as session:
                # What a request finds prepared on the server, left there by the ones before it.
                left = session.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one()

        # A session per run, as a request has.
        fetch = PAGE + 1

        def whistles_page() -> None:
            with db.session() as session:
                queries.whistles(session=session, unit_id=unit_id, limit=fetch, after=None)

        def history_page(after: tuple[datetime, uuid.UUID] | None) -> None:
            with db.session() as session:
                queries.history(session=session, unit_id=unit_id, limit=fetch, after=after)

        whistles_query_ms = median_ms(whistles_page, runs)
        history_query_ms = median_ms(lambda: history_page(None), runs)
        deep_query_ms = median_ms(lambda: history_page(key), runs)
        with captured(db.engine, "FROM dispatches JOIN cases") as sent:
            whistles_page()
            history_page(None)
            history_page(key)
        whistles_sent, first_sent, deep_sent = sent
        plans = {
            "first page, custom plan": custom_plan(raw, *first_sent),
            "deep page, custom plan": custom_plan(raw, *deep_sent),
            "deep page, generic plan": generic_plan(raw, *deep_sent),
        }
        whistles_plan = custom_plan(raw, *whistles_sent) if explain else ""
    finally:
        db.dispose()
        raw.close()

    print(f"the history query as the service sends it (deep page, {deep:,} rows in):\n  {deep_sent[0]}")
    used = {label: served_by_index(plan) for label, plan in plans.items()}
    for label, plan in plans.items():
        print(f"{label}:\n  " + "\n  ".join(plan.splitlines()))
    for label, verdict in used.items():
        print(f"{INDEX} serves the history query, {label}: {'yes' if verdict else 'NO'}")
    print(
        f"statements a request finds prepared on the server by the ones before it: {left}"
        + (" (each request plans its statements afresh: custom plans)" if left == 0 else "")
    )
    if explain:
        print("the whistles query, custom plan:\n  " + "\n  ".join(whistles_plan.splitlines()))

    def ratio(ms: float) -> str:
        return f"{ms:.2f} ms → ratio {ms / bare_ms:.2f}×"

    print(f"median of {runs} runs each; the floor: the bare SQL of the history page, {bare_ms:.2f} ms")
    print(f"whistles, page of {PAGE} of {LIVE} live, over HTTP: {ratio(whistles_ms)}")
    print(f"  the queries alone: {ratio(whistles_query_ms)}")
    print(f"history, first page of {PAGE} ({scores} with a score), over HTTP: {ratio(history_ms)}")
    print(f"  the queries alone: {ratio(history_query_ms)}")
    print(f"history, the page after {deep:,} of {finished:,} finished, over HTTP: {ratio(deep_ms)}")
    print(f"  the queries alone: {ratio(deep_query_ms)}")
    print(f"  bare SQL of the deep page: {ratio(bare_deep_ms)}")
    return {
        "whistles_ms": round(whistles_ms, 3),
        "history_ms": round(history_ms, 3),
        "history_deep_ms": round(deep_ms, 3),
        "bare_sql_ms": round(bare_ms, 3),
        "history_deep_bare_sql_ms": round(bare_deep_ms, 3),
        "whistles_query_ms": round(whistles_query_ms, 3),
        "history_query_ms": round(history_query_ms, 3),
        "history_deep_query_ms": round(deep_query_ms, 3),
        "history_index_used": all(used.values()),
    }


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dispatches", type=int, default=50_000, help="the busy unit's finished dispatches")
    parser.add_argument("--cases", type=int, default=200_000, help="the city's cases besides the busy unit's")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--explain", action="store_true", help="also print the whistles query's plan")
    parser.add_argument("--quick", action="store_true", help="5,000 finished dispatches, 20,000 cases")
    args = parser.parse_args(argv)
    if args.quick:
        args.dispatches, args.cases, args.runs = 5_000, 20_000, 9
    name = databases.unique_name("whistle_bench_field")
    url = databases.database_url(name)
    print(
        f"database {name}: create, migrate, generate {args.cases:,} cases and a unit with {args.dispatches:,}"
    )
    admin.create_database(url)
    try:
        admin.enable_postgis(url)
        upgrade(url)
        started = time.perf_counter()
        seed(url, args.cases, args.dispatches)
        unit_id = add_officer(url)
        print(f"generated in {time.perf_counter() - started:.0f} s")
        figures: dict[str, float] = {
            "dispatches": args.dispatches,
            "cases": args.cases,
            **measure(url, unit_id, args.runs, args.dispatches, explain=args.explain),
        }
    finally:
        admin.drop_database(url)
        print(f"database {name} dropped")
    print(json.dumps(figures))
    if not figures["history_index_used"]:
        raise SystemExit(f"{INDEX} does not serve the history query (see its plans above)")
    return figures


if __name__ == "__main__":
    main()
