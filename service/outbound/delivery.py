"""Delivering the outbox: claim due rows, sign, POST, record the outcome, retry with backoff.

A worker claims up to `batch_size` due deliveries in one short transaction: the rows are chosen with
`FOR UPDATE SKIP LOCKED` (another worker, in this process or any other, skips them rather than waits)
and each is leased — its `next_attempt_at` moves `lease_s` ahead and its attempt is counted — then the
claim commits, so no connection is held while receivers answer. Each delivery is then POSTed
(`transport`, at most `total_timeout_s`) and its outcome written, guarded by the attempt number it was
claimed with (a worker that outlived its lease cannot overwrite a later attempt's outcome). A worker
that dies mid-attempt leaves the row leased: it is due again when the lease ends (at least once; a
receiver drops repeats by `X-Whistle-Delivery`).

Outcomes: a 2xx answer delivers. Anything else — another status (redirects included), a refused
connection, a timeout — schedules the next attempt after `SCHEDULE[n-1]` (n = attempts so far) plus up
to `JITTER` of it at random (so many deliveries failing together do not retry together), until
`max_attempts` is reached: then the delivery has failed permanently (an admin may retry it by hand).
With the defaults that is 11 attempts over about 22 hours. A delivery whose endpoint was disabled
fails permanently without being sent.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text, update
from sqlalchemy.orm import Session

from service.outbound import signing
from service.outbound.models import Delivery, DeliveryStatus
from service.outbound.transport import Answer, Transport, TransportError
from service.settings import OutboundSettings

SCHEDULE: tuple[timedelta, ...] = tuple(
    timedelta(seconds=s) for s in (10, 30, 120, 600, 1800, 3600, 7200, 14400, 21600, 28800)
)
JITTER = 0.2
DISABLED = "not sent: the webhook is disabled"


def retry_delay(attempts: int, rng: random.Random) -> timedelta:
    """How long after its `attempts`-th failed attempt a delivery is tried again."""
    base = SCHEDULE[min(max(attempts, 1), len(SCHEDULE)) - 1]
    return base * (1 + rng.uniform(0, JITTER))


@dataclass(frozen=True)
class Claimed:
    id: int
    event: str
    payload: dict[str, Any]
    attempts: int  # including the one being made
    url: str
    secret: str
    active: bool


_CLAIM = text(
    """
    UPDATE outbound_deliveries d
    SET attempts = d.attempts + 1, next_attempt_at = :lease_until, last_attempt_at = :now
    FROM outbound_endpoints e
    WHERE e.id = d.endpoint_id AND d.id IN (
        SELECT id FROM outbound_deliveries
        WHERE status = 'pending' AND next_attempt_at <= :now
        ORDER BY next_attempt_at, id
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    )
    RETURNING d.id, d.event, d.payload, d.attempts, e.url, e.secret, e.active
    """
)


def claim(*, session: Session, now: datetime, lease_s: float, limit: int) -> list[Claimed]:
    """Lease up to `limit` due deliveries (oldest due first). The caller commits."""
    rows = session.execute(
        _CLAIM, {"now": now, "lease_until": now + timedelta(seconds=lease_s), "limit": limit}
    ).all()
    return sorted((Claimed(*row) for row in rows), key=lambda c: c.id)


@dataclass
class Counts:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    ids: list[int] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.failed


def attempt(item: Claimed, transport: Transport, clock: Callable[[], float] = time.time) -> Answer:
    """Sign and POST one delivery (raises TransportError when no HTTP answer came)."""
    body = signing.body_of(item.payload)
    headers = signing.headers(
        secret=item.secret, event=item.event, delivery_id=item.id, timestamp=int(clock()), body=body
    )
    return transport.post(item.url, body, headers)


def record(
    *,
    session: Session,
    item: Claimed,
    answer: Answer | None,
    error: str | None,
    now: datetime,
    max_attempts: int,
    rng: random.Random,
    sent: bool = True,
) -> DeliveryStatus:
    """Write one attempt's outcome (unless a later attempt has claimed the row meanwhile)."""
    values: dict[str, Any] = {
        "last_status": answer.status if answer else None,
        "last_error": error,
        "attempts": item.attempts if sent else item.attempts - 1,
    }
    if answer is not None and answer.ok:
        status = DeliveryStatus.DELIVERED
        values.update(delivered_at=now, next_attempt_at=None, last_error=None)
    elif not sent or item.attempts >= max_attempts:
        status = DeliveryStatus.FAILED
        values.update(next_attempt_at=None)
    else:
        status = DeliveryStatus.PENDING
        values.update(next_attempt_at=now + retry_delay(item.attempts, rng))
    session.execute(
        update(Delivery)
        .where(Delivery.id == item.id, Delivery.attempts == item.attempts)
        .values(status=status.value, **values)
    )
    return status


def release(*, session: Session, items: list[Claimed], now: datetime) -> None:
    """Give claimed deliveries back unattempted (the worker is stopping): due now, attempt uncounted."""
    for item in items:
        session.execute(
            update(Delivery)
            .where(Delivery.id == item.id, Delivery.attempts == item.attempts)
            .values(attempts=item.attempts - 1, next_attempt_at=now)
        )


def deliver_due(
    *,
    session: Session,
    settings: OutboundSettings,
    now: datetime | None = None,
    transport: Transport | None = None,
    rng: random.Random | None = None,
    stop: threading.Event | None = None,
    clock: Callable[[], float] = time.time,
) -> Counts:
    """Deliver everything due at `now` (default: the wall clock, read before each claim), a batch at
    a time, committing each claim and each outcome; returns what happened. Stops early when `stop` is
    set, giving back what it had claimed but not yet sent."""
    transport = transport or Transport(
        connect_timeout_s=settings.connect_timeout_s, total_timeout_s=settings.total_timeout_s
    )
    rng = rng or random.Random()
    counts = Counts()
    while stop is None or not stop.is_set():
        batch = claim(
            session=session, now=now or datetime.now(UTC), lease_s=settings.lease_s, limit=settings.batch_size
        )
        session.commit()
        for index, item in enumerate(batch):
            if stop is not None and stop.is_set():
                release(session=session, items=batch[index:], now=now or datetime.now(UTC))
                session.commit()
                return counts
            answer, error = None, None
            if item.active:
                try:
                    answer = attempt(item, transport, clock)
                    if not answer.ok:
                        error = f"HTTP {answer.status}: {answer.excerpt}"[:500]
                except TransportError as exc:
                    error = str(exc)
            status = record(
                session=session,
                item=item,
                answer=answer,
                error=error if item.active else DISABLED,
                now=now or datetime.now(UTC),
                max_attempts=settings.max_attempts,
                rng=rng,
                sent=item.active,
            )
            session.commit()
            counts.ids.append(item.id)
            if status is DeliveryStatus.DELIVERED:
                counts.delivered += 1
            elif status is DeliveryStatus.PENDING:
                counts.retrying += 1
            else:
                counts.failed += 1
        if len(batch) < settings.batch_size:
            break
    return counts
