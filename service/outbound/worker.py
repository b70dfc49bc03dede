"""The delivery worker: one thread per service process (started in the app's lifespan), and the round
of work it repeats, which `whistle outbound deliver` runs too.

A round scans the clocks for deadline events when `scan_interval_s` has passed since the last scan,
then delivers everything due. Between rounds the thread sleeps `poll_interval_s` on the stop event, so
stopping it is immediate; an attempt in flight is cut short (`Transport.abort`) and counts as failed
(it is retried on the schedule). A round that fails (the database restarting) is logged and the next
one tries again. Several processes run their workers on one database without sending anything twice:
deliveries are claimed with `SKIP LOCKED` and leased, the scan's watermark is taken with `SKIP LOCKED`.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from service.db.session import Database, open_database
from service.outbound.delivery import Counts, deliver_due
from service.outbound.dispatch_events import Scan, scan_deadlines
from service.outbound.transport import Transport
from service.settings import DatabaseSettings, OutboundSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Round:
    scan: Scan | None
    counts: Counts


def run_round(
    *,
    session: Session,
    settings: OutboundSettings,
    scan: bool = True,
    now: datetime | None = None,
    transport: Transport | None = None,
    stop: threading.Event | None = None,
    rng: random.Random | None = None,
) -> Round:
    """Scan for deadline events (when `scan`), then deliver what is due."""
    scanned = None
    if scan:
        scanned = scan_deadlines(session=session, now=now, overlap_s=settings.scan_overlap_s)
        session.commit()
    counts = deliver_due(session=session, settings=settings, now=now, transport=transport, stop=stop, rng=rng)
    return Round(scanned, counts)


def describe(done: Round) -> str:
    """One line saying what a round did."""
    scan = done.scan
    if scan is None:
        scanned = "not scanned"
    elif scan.skipped:
        scanned = "scan skipped (another was running)"
    else:
        scanned = f"{scan.enqueued} deadline event(s) enqueued"
    c = done.counts
    return f"{scanned}; delivered {c.delivered}, retrying {c.retrying}, failed {c.failed}"


class OutboundWorker:
    """The worker thread. It has a database engine of its own (one connection at a time), so it
    never competes with requests for the service's pool."""

    def __init__(self, database: DatabaseSettings, settings: OutboundSettings) -> None:
        self._database = database
        self._db: Database | None = None
        self._settings = settings
        self._stop = threading.Event()
        self._transport = Transport(
            connect_timeout_s=settings.connect_timeout_s, total_timeout_s=settings.total_timeout_s
        )
        self._thread = threading.Thread(target=self._run, name="outbound-worker", daemon=True)

    def start(self) -> None:
        small = self._database.model_copy(update={"pool_size": 1, "max_overflow": 1})
        self._db = open_database(small, application_name="whistle-outbound")
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop at once: no new round, the attempt in flight aborted, the thread joined."""
        self._stop.set()
        self._transport.abort()
        if self._thread.is_alive():
            self._thread.join(timeout_s)
        if self._db is not None and not self._thread.is_alive():
            self._db.dispose()

    def _run(self) -> None:
        assert self._db is not None, "start() opens the database"
        next_scan = 0.0
        while not self._stop.is_set():
            scan = time.monotonic() >= next_scan
            try:
                with self._db.session() as session:
                    done = run_round(
                        session=session, settings=self._settings, scan=scan, transport=self._transport,
                        stop=self._stop,
                    )  # fmt: skip
                if done.counts.attempted or (done.scan is not None and done.scan.enqueued):
                    log.info("outbound: %s", describe(done))
                if scan:
                    next_scan = time.monotonic() + self._settings.scan_interval_s
            except Exception:
                log.exception(
                    "outbound delivery round failed; trying again in %s s", self._settings.poll_interval_s
                )
            self._stop.wait(self._settings.poll_interval_s)
