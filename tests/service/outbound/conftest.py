"""Webhook tests' tools: a real HTTP receiver on loopback, the small city of the case tests, whistles.

`Receiver` is a `ThreadingHTTPServer` on 127.0.0.1 in a thread of the test: it records every request
(headers and raw body), answers 200 — or `fail_status` for the next `failures` requests, or nothing
at all while `hang` is set (a blackhole: it holds the connection until released or stopped) — and
counts connections as they open and close.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from service.accounts import service as accounts
from service.accounts.models import User
from service.cases import service as cases
from service.cases.models import Dispatch
from service.outbound import service as outbound
from service.outbound.models import Delivery, Endpoint
from service.settings import OutboundSettings, Settings
from tests.service.cases.conftest import SIGNBOARD, City, insert_report, make_people, seed_geography


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.connections = 0  # ever accepted
        self.open = 0  # being handled now
        self.failures = 0  # answer the next this many requests with `fail_status`
        self.fail_status = 500
        self.hang = threading.Event()  # set: accept, read, never answer (until `release` or stop)
        self.release = threading.Event()
        self.holding = threading.Event()  # a request is being held right now
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def setup(self) -> None:
                super().setup()
                with receiver.lock:
                    receiver.connections += 1
                    receiver.open += 1

            def finish(self) -> None:
                try:
                    super().finish()
                finally:
                    with receiver.lock:
                        receiver.open -= 1

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.received.append(Received(self.path, dict(self.headers.items()), body))
                    failing = receiver.failures > 0
                    receiver.failures -= int(failing)
                if receiver.hang.is_set():
                    receiver.holding.set()
                    receiver.release.wait()
                    self.close_connection = True
                    return
                status = receiver.fail_status if failing else 200
                answer = b"nope" if failing else b"ok"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="receiver", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/hooks/whistle"

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)

    def deliveries(self) -> list[str]:
        """The X-Whistle-Delivery ids received, in order."""
        with self.lock:
            return [r.headers["X-Whistle-Delivery"] for r in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rx = Receiver().start()
    yield rx
    rx.stop()


def quick_settings(**overrides: Any) -> OutboundSettings:
    """Delivery settings for tests: short timeouts (a test never waits for the defaults)."""
    return OutboundSettings(
        **{"connect_timeout_s": 2.0, "total_timeout_s": 3.0, "lease_s": 30.0, **overrides}
    )


@pytest.fixture
def city(db: Session) -> City:
    units = seed_geography(db)
    users = make_people(db, units)
    db.commit()
    return City(units=units, users=users)


@pytest.fixture
def auth(db: Session, settings: Settings) -> Any:
    def headers(user: User) -> dict[str, str]:
        token = accounts.issue_token(session=db, user=user, settings=settings.security).token
        db.commit()
        return {"Authorization": f"Bearer {token}"}

    return headers


def make_endpoint(
    session: Session, city: City, url: str, unit: str = "market", events: list[str] | None = None, **kw: Any
) -> tuple[Endpoint, str]:
    endpoint, secret = outbound.create_endpoint(
        session=session, unit_id=city.unit(unit), url=url, by=city.users["admin"], events=events, **kw
    )
    session.commit()
    return endpoint, secret


def whistle(
    session: Session,
    city: City,
    units: tuple[str, ...] = ("market",),
    at: datetime | None = None,
    category: str = SIGNBOARD,
) -> list[Dispatch]:
    """File a report as a case and dispatch it to the units (committed)."""
    report = insert_report(session, reporter=city.users["desheng_worker"], category=category, created_at=at)
    case = cases.file_report(session=session, report_id=report, by=city.users["dispatcher"], at=at)
    created = cases.dispatch_case(
        session=session, case_id=case.id, unit_ids=[city.unit(u) for u in units], by=city.users["dispatcher"],
        at=at,
    )  # fmt: skip
    session.commit()
    return created


def deliveries(session: Session, endpoint_id: uuid.UUID | None = None) -> list[Delivery]:
    stmt = select(Delivery).order_by(Delivery.id)
    if endpoint_id is not None:
        stmt = stmt.where(Delivery.endpoint_id == endpoint_id)
    session.expire_all()
    return list(session.scalars(stmt))


def set_scan_mark(session: Session, at: datetime) -> None:
    session.execute(text("UPDATE outbound_scan_marks SET scanned_until = :at"), {"at": at})
    session.commit()
