"""Real commits on a database of their own: the live feed over a real server, and row locking."""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from service.accounts import service as accounts
from service.cases import service as cases
from service.errors import Conflict
from service.settings import SecuritySettings
from tests.conftest import TEST_SECRET
from tests.service.cases.conftest import WIRING, insert_report, make_people, seed_geography
from tests.support.live_server import run_server
from tests.support.locks import sessions_waiting_on_a_lock


class Feed:
    """Reads a server-sent event stream on a thread; `next_event` waits for the next matching event."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.items: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(url, headers), daemon=True)
        self._thread.start()

    def _run(self, url: str, headers: dict[str, str]) -> None:
        try:
            self._read(url, headers)
        except httpx.HTTPError as exc:
            self.items.put(("error", repr(exc)))
        else:
            self.items.put(("end", None))

    def _read(self, url: str, headers: dict[str, str]) -> None:
        with httpx.stream("GET", url, headers=headers, timeout=httpx.Timeout(30, read=30)) as response:
            self.items.put(("status", response.status_code))
            self.items.put(("content-type", response.headers["content-type"]))
            event = None
            for line in response.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith(":"):
                    self.items.put(("comment", line[1:].strip()))
                elif line.startswith("event: "):
                    event = line[len("event: ") :]
                elif line.startswith("data: "):
                    self.items.put((event or "message", json.loads(line[len("data: ") :])))

    def next_event(self, kind: str, timeout: float = 30) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                got, value = self.items.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if got == kind:
                return value
            if got in ("end", "error"):
                raise AssertionError(f"the stream ended ({got}: {value}) while waiting for {kind}")
        raise AssertionError(f"no {kind} event within {timeout} s")

    def close(self) -> None:
        self._stop.set()


def test_the_console_feed_streams_reports_state_changes_and_red_deadlines(
    live_server: str, fresh_session: Session
) -> None:
    db = fresh_session
    units = seed_geography(db)
    people = make_people(db, units)
    token = accounts.issue_token(
        session=db, user=people["dispatcher"], settings=SecuritySettings(secret_key=TEST_SECRET)
    ).token
    db.commit()
    headers = {"Authorization": f"Bearer {token}"}
    feed = Feed(f"{live_server}/api/v1/console/feed?heartbeat_s=0.3&red_check_s=0.3", headers)
    try:
        assert feed.next_event("status") == 200
        assert feed.next_event("content-type").startswith("text/event-stream")
        assert feed.next_event("comment") == "connected"

        # A new report from a phone (any instance's commit) arrives as a `report` event.
        report_id = insert_report(db, reporter=people["desheng_worker"], category=WIRING)
        db.commit()
        event = feed.next_event("report")
        assert event["report_id"] == str(report_id) and event["category_code"] == WIRING

        # A state change made through the API arrives as a `state` event.
        filed = httpx.post(f"{live_server}/api/v1/console/triage/{report_id}/file", json={}, headers=headers)
        assert filed.status_code == 201
        event = feed.next_event("state")
        assert (event["case_id"], event["action"], event["to_state"]) == (filed.json()["id"], "file", "filed")

        # A report-in deadline (1 urgent hour) passing during the stream arrives as `red`, once.
        case_id = uuid.UUID(filed.json()["id"])
        whistled_at = datetime.now(UTC) - timedelta(hours=1) + timedelta(seconds=1)
        (dispatch,) = cases.dispatch_case(
            session=db, case_id=case_id, unit_ids=[units["power"]], by=people["dispatcher"], at=whistled_at
        )
        db.commit()
        assert feed.next_event("state")["action"] == "dispatch"
        red = feed.next_event("red")
        assert red == {
            "dispatch_id": str(dispatch.id),
            "case_id": str(case_id),
            "unit_id": str(units["power"]),
            "clock": "check_in",
            "deadline": red["deadline"],
        }
        assert datetime.fromisoformat(red["deadline"]) == dispatch.check_in_deadline
        assert feed.next_event("comment") == "heartbeat"
    finally:
        feed.close()
    # The stream's dedicated connection goes away with the stream (the server itself keeps running).
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        listening = db.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN whistle_feed%'")
        ).scalar_one()
        db.commit()
        if listening == 0:
            break
        # Nudge the server so it notices the closed client on its next tick.
        httpx.get(f"{live_server}/healthz")
        time.sleep(0.2)
    assert listening == 0


def test_two_dispatchers_cannot_both_file_the_same_report(fresh_database_url: str) -> None:
    engine = create_engine(fresh_database_url)
    try:
        with Session(engine, expire_on_commit=False) as setup:
            units = seed_geography(setup)
            people = make_people(setup, units)
            report_id = insert_report(setup, reporter=people["desheng_worker"], category=WIRING)
            setup.commit()
        first, second = Session(engine), Session(engine)
        outcome: dict[str, Any] = {}

        def file_second() -> None:
            try:
                outcome["case"] = cases.file_report(
                    session=second, report_id=report_id, by=people["dispatcher2"]
                )
                second.commit()
            except Conflict as exc:
                second.rollback()
                outcome["conflict"] = exc

        case = cases.file_report(session=first, report_id=report_id, by=people["dispatcher"])
        thread = threading.Thread(target=file_second)
        thread.start()
        # Wait until the second dispatcher is blocked on the report row's lock, then commit the first.
        assert sessions_waiting_on_a_lock(engine) == 1
        first.commit()
        thread.join(timeout=60)
        assert "case" not in outcome
        conflict = outcome["conflict"]
        assert conflict.status == 409 and conflict.details["state"] == "filed"
        with engine.connect() as check:
            assert check.execute(text("SELECT count(*) FROM cases")).scalar_one() == 1
            assert check.execute(
                text("SELECT case_id FROM reports WHERE id = :r"), {"r": report_id}
            ).scalar_one() == (case.id)
        first.close()
        second.close()
    finally:
        engine.dispose()


def test_a_server_shutting_down_ends_open_streams_cleanly(fresh_database_url: str, tmp_path: Path) -> None:
    """SIGTERM with a console still listening: the stream ends with a proper end of body, at once."""
    engine = create_engine(fresh_database_url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            people = make_people(db, seed_geography(db))
            token = accounts.issue_token(
                session=db, user=people["dispatcher"], settings=SecuritySettings(secret_key=TEST_SECRET)
            ).token
            db.commit()
    finally:
        engine.dispose()
    with run_server(database_url=fresh_database_url, workdir=tmp_path, secret_key=TEST_SECRET) as base:
        feed = Feed(f"{base}/api/v1/console/feed?heartbeat_s=5", {"Authorization": f"Bearer {token}"})
        assert feed.next_event("comment") == "connected"
        stopping = time.monotonic()
    # run_server terminated the process (SIGTERM; it would kill it only after 15 s of waiting).
    assert feed.next_event("end", timeout=60) is None
    log = next(tmp_path.glob("uvicorn-*.log")).read_text()
    assert "ERROR" not in log, log
    assert time.monotonic() - stopping < 15, "graceful shutdown did not wait for the stream to time out"


def test_a_units_field_feed_carries_its_own_whistles_only(live_server: str, fresh_session: Session) -> None:
    """The officer's phone hears a new whistle to the unit at once, then the case's changes and its clock
    turning red; another unit's whistle and new reports never reach it."""
    db = fresh_session
    units = seed_geography(db)
    people = make_people(db, units)
    token = accounts.issue_token(
        session=db, user=people["power"], settings=SecuritySettings(secret_key=TEST_SECRET)
    ).token
    db.commit()
    feed = Feed(
        f"{live_server}/api/v1/field/feed?heartbeat_s=0.3&red_check_s=0.3",
        {"Authorization": f"Bearer {token}"},
    )
    try:
        assert feed.next_event("status") == 200
        assert feed.next_event("comment") == "connected"
        dispatcher = people["dispatcher"]
        other = cases.file_report(
            session=db,
            report_id=insert_report(db, reporter=people["desheng_worker"], category=WIRING),
            by=dispatcher,
        )
        cases.dispatch_case(session=db, case_id=other.id, unit_ids=[units["police"]], by=dispatcher)
        db.commit()
        report_id = insert_report(db, reporter=people["zhengyang_worker"], category=WIRING)
        case = cases.file_report(session=db, report_id=report_id, by=dispatcher)
        whistled_at = datetime.now(UTC) - timedelta(hours=1) + timedelta(seconds=1)
        (dispatch,) = cases.dispatch_case(
            session=db, case_id=case.id, unit_ids=[units["power"]], by=dispatcher, at=whistled_at
        )
        db.commit()
        arrived = feed.next_event("whistle")
        assert (arrived["dispatch_id"], arrived["case_id"]) == (str(dispatch.id), str(case.id))
        red = feed.next_event("red")
        assert (red["dispatch_id"], red["clock"]) == (str(dispatch.id), "check_in")
        cases.check_in(session=db, dispatch_id=dispatch.id, user=people["power"])
        db.commit()
        changed = feed.next_event("state")
        assert (changed["dispatch_id"], changed["action"]) == (str(dispatch.id), "check_in")
        assert feed.next_event("comment") == "heartbeat"
    finally:
        feed.close()
    seen = []
    while not feed.items.empty():
        seen.append(feed.items.get())
    assert all(kind not in ("report", "whistle") for kind, _ in seen)
