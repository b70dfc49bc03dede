"""Delivering the outbox to a real loopback receiver: the signature, retries with backoff driven by an
injected clock (never by sleeping), permanent failure, a disabled endpoint, two workers at once, and
a worker that stops while a receiver holds its attempt."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from service.outbound import service as outbound
from service.outbound import signing
from service.outbound.delivery import DISABLED, JITTER, SCHEDULE, deliver_due, retry_delay
from service.outbound.transport import Transport, TransportError
from service.outbound.worker import OutboundWorker
from service.settings import DatabaseSettings
from tests.service.cases.conftest import City, make_people, seed_geography
from tests.service.outbound.conftest import (
    Receiver,
    deliveries,
    make_endpoint,
    quick_settings,
    whistle,
)


def test_a_delivery_is_signed_so_the_receiver_can_verify_it(
    db: Session, city: City, receiver: Receiver
) -> None:
    _endpoint, secret = make_endpoint(db, city, receiver.url)
    assert secret.startswith("whsec_") and len(secret) > 40
    (dispatch,) = whistle(db, city)
    (queued,) = deliveries(db)
    assert (queued.status, queued.attempts, queued.idempotency_key) == (
        "pending", 0, f"dispatch:{dispatch.id}:whistle"
    )  # fmt: skip
    assert receiver.connections == 0  # the whistle only wrote a row

    counts = deliver_due(session=db, settings=quick_settings())
    assert (counts.delivered, counts.retrying, counts.failed) == (1, 0, 0)
    (request,) = receiver.received
    assert request.path == "/hooks/whistle"
    headers = request.headers
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["X-Whistle-Event"] == "dispatch.whistle"
    assert headers["X-Whistle-Delivery"] == str(queued.id)
    timestamp = headers["X-Whistle-Timestamp"]
    assert abs(int(timestamp) - time.time()) < 600
    # The receiver's check, written out: HMAC-SHA256 over "<timestamp>." + the raw body.
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256).hexdigest()
    assert headers["X-Whistle-Signature"] == f"sha256={expected}"
    signed = headers["X-Whistle-Signature"]

    def verify(secret: str, body: bytes = request.body, later_s: float = 0) -> bool:
        return signing.verify(
            secret=secret, body=body, timestamp=timestamp, signature_header=signed, now=time.time() + later_s
        )

    assert verify(secret)
    assert not verify(secret + "x")
    assert not verify(secret, later_s=3600)  # a replay an hour later
    assert not verify(secret, body=request.body + b" ")

    body = json.loads(request.body)
    assert body["event"] == "dispatch.whistle" and body["key"] == f"dispatch:{dispatch.id}:whistle"
    assert body["unit"] == {
        "id": str(city.unit("market")),
        "code": body["unit"]["code"],
        "name": "市市场监督管理局",
    }
    assert body["case"]["category_name"] == "违章张贴悬挂广告牌匾"
    assert body["case"]["street"] == {"code": "220204001000", "name": "德胜街道"}
    assert body["dispatch"]["id"] == str(dispatch.id)
    assert body["deadline"] == body["dispatch"]["check_in_deadline"]
    due = dispatch.check_in_deadline.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%m-%d %H:%M")
    assert body["summary"] == f"【吹哨】案卷 {body['case']['number']} 违章张贴悬挂广告牌匾，请于 {due} 前报到"

    (done,) = deliveries(db)
    assert (done.status, done.attempts, done.last_status, done.next_attempt_at) == ("delivered", 1, 200, None)
    assert done.delivered_at is not None and done.last_error is None
    assert deliver_due(session=db, settings=quick_settings()).attempted == 0  # nothing twice


def test_the_schedule_backs_off_exponentially_with_jitter_over_about_a_day() -> None:
    class Fixed(random.Random):
        def __init__(self, value: float) -> None:
            super().__init__()
            self.value = value

        def uniform(self, a: float, b: float) -> float:
            return a + (b - a) * self.value

    low, high = Fixed(0.0), Fixed(1.0)
    assert [retry_delay(n, low) for n in range(1, 5)] == [
        timedelta(seconds=10), timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10)
    ]  # fmt: skip
    assert retry_delay(1, high) == timedelta(seconds=12)
    assert retry_delay(99, low) == SCHEDULE[-1]  # the last step repeats
    total = sum(SCHEDULE[: quick_settings().max_attempts - 1], timedelta())
    assert timedelta(hours=18) < total < timedelta(hours=26)


def test_retries_with_backoff_until_the_receiver_answers(db: Session, city: City, receiver: Receiver) -> None:
    make_endpoint(db, city, receiver.url)
    start = datetime.now(UTC)
    whistle(db, city, at=start)
    receiver.failures = 3
    settings = quick_settings()
    now = start
    seen = []
    for attempt in range(1, 5):
        counts = deliver_due(session=db, settings=settings, now=now)
        assert counts.attempted == 1, attempt
        (row,) = deliveries(db)
        assert row.attempts == attempt
        seen.append((row.status, row.last_status))
        if row.status == "delivered":
            break
        assert row.last_error == "HTTP 500: nope" and row.next_attempt_at is not None
        delay = row.next_attempt_at - now
        base = SCHEDULE[attempt - 1]
        assert base <= delay <= base * (1 + JITTER), (attempt, delay)
        # Not due a microsecond early, due at the instant.
        early = deliver_due(
            session=db, settings=settings, now=row.next_attempt_at - timedelta(microseconds=1)
        )
        assert early.attempted == 0
        now = row.next_attempt_at
    assert seen == [("pending", 500)] * 3 + [("delivered", 200)]
    ids = receiver.deliveries()
    assert len(ids) == 4 and len(set(ids)) == 1  # the same delivery id on every attempt


def test_fails_permanently_after_the_last_attempt_then_an_admin_may_retry(
    db: Session, city: City, receiver: Receiver
) -> None:
    endpoint, _ = make_endpoint(db, city, receiver.url)
    start = datetime.now(UTC)
    whistle(db, city, at=start)
    receiver.failures = 1000
    settings = quick_settings(max_attempts=4)
    now = start
    for _ in range(4):
        assert deliver_due(session=db, settings=settings, now=now).attempted == 1
        (row,) = deliveries(db)
        now = row.next_attempt_at or now
    (row,) = deliveries(db)
    assert (row.status, row.attempts, row.next_attempt_at, row.last_status) == ("failed", 4, None, 500)
    assert deliver_due(session=db, settings=settings, now=start + timedelta(days=30)).attempted == 0
    assert len(receiver.received) == 4

    receiver.failures = 0
    retried = outbound.retry_delivery(
        session=db, endpoint=endpoint, delivery_id=row.id, by=city.users["admin"]
    )
    db.commit()
    assert (retried.status, retried.attempts) == ("pending", 0)
    assert deliver_due(session=db, settings=settings).delivered == 1
    assert deliveries(db)[0].status == "delivered"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_refused_connections_and_timeouts_are_retried(db: Session, city: City, receiver: Receiver) -> None:
    refused, _ = make_endpoint(db, city, f"http://127.0.0.1:{_closed_port()}/hook")
    silent, _ = make_endpoint(db, city, receiver.url, unit="police")
    receiver.hang.set()
    whistle(db, city, units=("market", "police"))
    counts = deliver_due(session=db, settings=quick_settings(total_timeout_s=0.5))
    assert counts.retrying == 2
    (no_listener,) = deliveries(db, refused.id)
    (no_answer,) = deliveries(db, silent.id)
    assert (no_listener.status, no_listener.last_status, no_listener.last_error) == (
        "pending", None, "connection refused"
    )  # fmt: skip
    assert (no_answer.status, no_answer.last_status, no_answer.last_error) == (
        "pending", None, "no answer within 0.5 s"
    )  # fmt: skip


def test_a_disabled_endpoints_deliveries_fail_without_being_sent(
    db: Session, city: City, receiver: Receiver
) -> None:
    endpoint, _ = make_endpoint(db, city, receiver.url)
    whistle(db, city)
    outbound.update_endpoint(session=db, endpoint=endpoint, by=city.users["admin"], active=False)
    db.commit()
    assert deliver_due(session=db, settings=quick_settings()).failed == 1
    (row,) = deliveries(db)
    assert (row.status, row.attempts, row.last_error) == ("failed", 0, DISABLED)
    assert receiver.connections == 0
    whistle(db, city)
    assert len(deliveries(db)) == 1  # a disabled endpoint gets nothing new either


def test_two_workers_never_send_the_same_delivery_twice(fresh_database_url: str, receiver: Receiver) -> None:
    engine = create_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as session:
        units = seed_geography(session)
        people = make_people(session, units)
        city = City(units=units, users=people)
        endpoint, _ = make_endpoint(session, city, receiver.url)
        # The mechanism knows nothing of cases: any producer enqueues messages by key.
        messages = [outbound.Message(endpoint.id, "test.ping", f"ping:{i}", {"n": i}) for i in range(60)]
        assert outbound.enqueue(session=session, messages=messages) == 60
        assert outbound.enqueue(session=session, messages=messages[:5]) == 0  # keys already enqueued
        session.commit()
    settings = quick_settings(batch_size=3)
    start = threading.Barrier(2)
    results: list[int] = []

    def work() -> None:
        with Session(engine) as session:
            start.wait()
            results.append(deliver_due(session=session, settings=settings).delivered)

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, status, attempts FROM outbound_deliveries")).all()
    engine.dispose()
    sent = receiver.deliveries()
    assert len(sent) == 60 and len(set(sent)) == 60, "a delivery was sent twice"
    assert sorted(map(int, sent)) == sorted(r.id for r in rows)
    assert sum(results) == 60
    assert {(r.status, r.attempts) for r in rows} == {("delivered", 1)}


def test_an_attempt_in_flight_is_cut_short_by_abort(receiver: Receiver) -> None:
    receiver.hang.set()
    transport = Transport(connect_timeout_s=2, total_timeout_s=600)
    outcome: list[BaseException] = []

    def send() -> None:
        try:
            transport.post(receiver.url, b"{}", {"Content-Type": "application/json"})
        except TransportError as exc:
            outcome.append(exc)

    sender = threading.Thread(target=send)
    sender.start()
    assert receiver.holding.wait(30)
    transport.abort()
    sender.join(30)
    assert not sender.is_alive()
    assert [str(e) for e in outcome] == ["aborted: the service is stopping"]
    with pytest.raises(TransportError, match="aborted"):
        transport.post(receiver.url, b"{}", {})


def test_the_worker_stops_at_once_while_a_receiver_holds_its_attempt(
    fresh_database_url: str, receiver: Receiver, tmp_path: Path
) -> None:
    engine = create_engine(fresh_database_url)
    with Session(engine, expire_on_commit=False) as session:
        units = seed_geography(session)
        city = City(units=units, users=make_people(session, units))
        make_endpoint(session, city, receiver.url)
        whistle(session, city)
    receiver.hang.set()
    worker = OutboundWorker(
        DatabaseSettings(url=fresh_database_url),
        quick_settings(total_timeout_s=600, lease_s=900, poll_interval_s=0.05),
    )
    worker.start()
    try:
        assert receiver.holding.wait(60), "the worker never tried"
    finally:
        worker.stop(timeout_s=30)
    assert not worker._thread.is_alive()
    with Session(engine) as session:
        (row,) = deliveries(session)
    engine.dispose()
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "aborted: the service is stopping")
