"""The whistle and its webhooks: rows appended in the whistle's transaction (a rolled-back whistle
sends nothing), and a dead receiver never slows a whistle — the request only inserts; the service's
worker does the sending, and a whistle completes while the worker is stuck on a blackholed receiver."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from service.accounts import service as accounts
from service.cases import service as cases
from service.outbound.models import Delivery
from service.settings import SecuritySettings
from tests.conftest import TEST_SECRET
from tests.service.cases.conftest import SIGNBOARD, City, insert_report, make_people, seed_geography
from tests.service.outbound.conftest import Receiver, deliveries, make_endpoint, whistle
from tests.support.live_server import start_server


def test_a_rolled_back_whistle_sends_nothing(fresh_database_url: str) -> None:
    engine = create_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as session:
        units = seed_geography(session)
        city = City(units=units, users=make_people(session, units))
        make_endpoint(session, city, "http://127.0.0.1:9/hook")
        report = insert_report(session, reporter=city.users["desheng_worker"], category=SIGNBOARD)
        case = cases.file_report(session=session, report_id=report, by=city.users["dispatcher"])
        session.commit()
        cases.dispatch_case(
            session=session, case_id=case.id, unit_ids=[city.unit("market")], by=city.users["dispatcher"]
        )
        # Inside the whistle's transaction the row is there; nobody else sees it before the commit.
        assert session.scalar(select(func.count()).select_from(Delivery)) == 1
        with engine.connect() as other:
            assert other.scalar(text("SELECT count(*) FROM outbound_deliveries")) == 0
        session.rollback()
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM outbound_deliveries")) == 0
        assert conn.scalar(text("SELECT count(*) FROM dispatches")) == 0
    engine.dispose()


def test_the_whistle_request_only_inserts(
    client: TestClient, city: City, auth: Any, db: Session, receiver: Receiver
) -> None:
    make_endpoint(db, city, receiver.url)
    report = insert_report(db, reporter=city.users["desheng_worker"], category=SIGNBOARD)
    db.commit()
    headers = auth(city.users["dispatcher"])
    filed = client.post(f"/api/v1/console/triage/{report}/file", json={}, headers=headers)
    answer = client.post(
        f"/api/v1/console/cases/{filed.json()['id']}/dispatch",
        json={"unit_ids": [str(city.unit("market"))]},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    assert receiver.connections == 0  # no HTTP inside the request
    (row,) = deliveries(db)
    assert (row.status, row.attempts, row.last_attempt_at) == ("pending", 0, None)
    assert row.payload["dispatch"]["id"] == answer.json()[0]["id"]
    # A whistle to a unit without an endpoint enqueues nothing.
    (dispatch,) = whistle(db, city, units=("police",))
    assert len(deliveries(db)) == 1 and dispatch.unit_id == city.unit("police")


def test_a_dead_receiver_never_slows_a_whistle(
    fresh_database_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    """A real server with its worker on; the receiver accepts connections and never answers."""
    engine = create_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as session:
        units = seed_geography(session)
        city = City(units=units, users=make_people(session, units))
        make_endpoint(session, city, receiver.url)
        case_ids = []
        for _ in range(2):
            report = insert_report(session, reporter=city.users["desheng_worker"], category=SIGNBOARD)
            case_ids.append(
                cases.file_report(session=session, report_id=report, by=city.users["dispatcher"]).id
            )
        token = accounts.issue_token(
            session=session, user=city.users["dispatcher"], settings=SecuritySettings(secret_key=TEST_SECRET)
        ).token
        session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    body = {"unit_ids": [str(city.unit("market"))]}
    receiver.hang.set()
    worker_env = {
        "WHISTLE_OUTBOUND__WORKER": "true",
        "WHISTLE_OUTBOUND__POLL_INTERVAL_S": "0.1",
        "WHISTLE_OUTBOUND__TOTAL_TIMEOUT_S": "600",  # the worker stays stuck for the whole test
        "WHISTLE_OUTBOUND__LEASE_S": "900",
    }

    def rows() -> list[tuple[Any, ...]]:
        with engine.connect() as conn:
            found = conn.execute(
                text("SELECT payload->'case'->>'id', status, attempts FROM outbound_deliveries ORDER BY id")
            )
            return [tuple(r) for r in found]

    with start_server(
        database_url=fresh_database_url, workdir=tmp_path, secret_key=TEST_SECRET, extra_env=worker_env
    ) as server:
        first = httpx.post(
            f"{server.base}/api/v1/console/cases/{case_ids[0]}/dispatch", json=body, headers=headers
        )
        assert first.status_code == 201, first.text
        # The worker picks the delivery up and is now stuck inside the receiver.
        assert receiver.holding.wait(60), "the worker never tried the receiver"
        second = httpx.post(
            f"{server.base}/api/v1/console/cases/{case_ids[1]}/dispatch",
            json=body,
            headers=headers,
            timeout=30,
        )
        # The whistle is answered while the worker still holds its one connection to the receiver …
        with receiver.lock:
            assert (second.status_code, receiver.connections, receiver.open) == (201, 1, 1)
        # … and its own delivery waits, untried, in the outbox.
        assert rows() == [(str(case_ids[0]), "pending", 1), (str(case_ids[1]), "pending", 0)]
        process = server.process
    # The server stopped while its worker was stuck: the attempt was cut short and the process ended.
    # (uvicorn ends by re-raising SIGTERM after a graceful shutdown; a hang would have been SIGKILLed.)
    assert process.returncode in (0, -signal.SIGTERM), server.log_path.read_text()
    assert "Application shutdown complete" in server.log_path.read_text()
    with engine.connect() as conn:
        error = conn.scalar(text("SELECT last_error FROM outbound_deliveries ORDER BY id LIMIT 1"))
    engine.dispose()
    assert error == "aborted: the service is stopping"
