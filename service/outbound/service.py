"""Endpoints and the outbox: register and manage endpoints, enqueue messages, read and retry deliveries.

Keyword-only functions, no HTTP. Every change an admin makes is written to the audit log in the same
transaction. `enqueue` is the whole interface for producers of events: it appends rows (idempotent by
key per endpoint) and never sends anything — sending is `service.outbound.delivery`'s, outside any
request.
"""

from __future__ import annotations

import secrets
import string
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, and_, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from service.accounts.models import User
from service.audit import service as audit
from service.audit.service import ClientInfo
from service.db import refs
from service.errors import Conflict, Invalid, NotFound
from service.outbound.models import Delivery, DeliveryStatus, Endpoint


class EventType(StrEnum):
    """What an endpoint may ask to hear. A later producer (one-time codes by SMS) adds its own."""

    WHISTLE = "dispatch.whistle"  # 吹哨: a case was dispatched to the unit
    YELLOW = "dispatch.yellow"  # a clock of the unit's live dispatch used 80 % of its limit
    RED = "dispatch.red"  # a clock of the unit's live dispatch passed its deadline


SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of generated secrets, not a secret
MAX_URL_LENGTH = 2000
_SECRET_CHARACTERS = frozenset(string.ascii_letters + string.digits + string.punctuation)


def check_url(url: str) -> str:
    """The URL as given (scheme in lower case), if a worker can POST to it: http or https, a host, no
    credentials or fragment."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Invalid(f"url: not a URL ({exc})") from exc
    if parts.scheme not in ("http", "https"):
        raise Invalid("url: only http:// and https:// URLs can receive webhooks")
    if not parts.hostname:
        raise Invalid("url: a host is required")
    if parts.username is not None or parts.password is not None:
        raise Invalid("url: no user name or password in the URL (it is shown in lists); sign with the secret")
    if parts.fragment or url.endswith("#"):
        raise Invalid("url: a fragment (#…) is never sent; leave it out")
    if port == 0 or len(url) > MAX_URL_LENGTH or any(c.isspace() or ord(c) < 32 for c in url):
        raise Invalid("url: malformed (port 0, whitespace, control characters or over 2000 characters)")
    return parts.scheme + url[len(parts.scheme) :]  # the scheme in lower case (HTTPS://… → https://…)


def new_secret() -> str:
    """A fresh signing secret: 32 random bytes, URL-safe, with a recognisable prefix."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def check_secret(secret: str) -> str:
    if not 16 <= len(secret) <= 200 or not set(secret) <= _SECRET_CHARACTERS:
        raise Invalid("secret: 16–200 visible ASCII characters (or leave it out to have one generated)")
    return secret


def check_events(events: Sequence[str]) -> list[str]:
    known = {e.value for e in EventType}
    unknown = sorted(set(events) - known)
    if unknown or not events:
        raise Invalid(f"events: one or more of {', '.join(sorted(known))}", details={"unknown": unknown})
    return [e.value for e in EventType if e.value in set(events)]


def _unit_exists(session: Session, unit_id: uuid.UUID) -> None:
    u = refs.department_units.c
    if session.scalar(select(u.id).where(u.id == unit_id)) is None:
        raise Invalid(f"unit_id: department unit {unit_id} does not exist")


def _audit(
    session: Session, by: User, client: ClientInfo | None, action: str, subject: str, **detail: Any
) -> None:
    audit.record(
        session=session,
        action=f"webhook.{action}",
        actor_id=by.id,
        actor_username=by.username,
        subject_type="webhook",
        subject_id=subject,
        client=client,
        detail=detail,
    )


def create_endpoint(
    *,
    session: Session,
    unit_id: uuid.UUID,
    url: str,
    by: User,
    events: Sequence[str] | None = None,
    secret: str | None = None,
    description: str = "",
    active: bool = True,
    client: ClientInfo | None = None,
) -> tuple[Endpoint, str]:
    """Register an endpoint of a unit; returns it with its secret (shown this once)."""
    _unit_exists(session, unit_id)
    endpoint = Endpoint(
        unit_id=unit_id,
        url=check_url(url),
        secret=check_secret(secret) if secret is not None else new_secret(),
        events=check_events(events if events is not None else [e.value for e in EventType]),
        description=description,
        active=active,
        # The clock's time, not the transaction's: endpoints made in one transaction keep their order.
        created_at=datetime.now(UTC),
    )
    session.add(endpoint)
    session.flush()
    _audit(session, by, client, "created", str(endpoint.id), unit_id=str(unit_id), url=endpoint.url)
    return endpoint, endpoint.secret


def get_endpoint(*, session: Session, endpoint_id: uuid.UUID) -> Endpoint:
    endpoint = session.get(Endpoint, endpoint_id)
    if endpoint is None:
        raise NotFound(f"webhook {endpoint_id} does not exist")
    return endpoint


def list_endpoints(
    *,
    session: Session,
    unit_id: uuid.UUID | None = None,
    active: bool | None = None,
    before_id: uuid.UUID | None = None,
    limit: int = 100,
) -> list[Endpoint]:
    """Newest first; keyset-paged: `before_id` is the last endpoint of the previous page."""
    stmt = select(Endpoint).order_by(Endpoint.created_at.desc(), Endpoint.id.desc()).limit(limit)
    if unit_id is not None:
        stmt = stmt.where(Endpoint.unit_id == unit_id)
    if active is not None:
        stmt = stmt.where(Endpoint.active == active)
    if before_id is not None:
        after = select(Endpoint.created_at, Endpoint.id).where(Endpoint.id == before_id).subquery()
        stmt = stmt.where(
            tuple_(Endpoint.created_at, Endpoint.id)
            < select(after.c.created_at, after.c.id).scalar_subquery()
        )
    return list(session.scalars(stmt))


def update_endpoint(
    *,
    session: Session,
    endpoint: Endpoint,
    by: User,
    url: str | None = None,
    events: Sequence[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
    client: ClientInfo | None = None,
    action: str = "updated",
) -> Endpoint:
    """Change what is given; the secret only by `rotate_secret`."""
    changed: dict[str, Any] = {}
    if url is not None and url != endpoint.url:
        endpoint.url = changed["url"] = check_url(url)
    if events is not None:
        wanted = check_events(events)
        if wanted != list(endpoint.events):
            endpoint.events = changed["events"] = wanted
    if description is not None and description != endpoint.description:
        endpoint.description = changed["description"] = description
    if active is not None and active != endpoint.active:
        endpoint.active = changed["active"] = active
    if changed:
        endpoint.updated_at = datetime.now(UTC)
        session.flush()
        _audit(session, by, client, action, str(endpoint.id), **changed)
    return endpoint


def rotate_secret(
    *,
    session: Session,
    endpoint: Endpoint,
    by: User,
    secret: str | None = None,
    client: ClientInfo | None = None,
) -> str:
    """A new secret (given, or generated); deliveries sent from now on are signed with it."""
    endpoint.secret = check_secret(secret) if secret is not None else new_secret()
    endpoint.updated_at = datetime.now(UTC)
    session.flush()
    _audit(session, by, client, "secret_rotated", str(endpoint.id), generated=secret is None)
    return endpoint.secret


@dataclass(frozen=True)
class Message:
    """One message for one endpoint; `key` makes enqueuing it again a no-op."""

    endpoint_id: uuid.UUID
    event: str
    key: str
    payload: dict[str, Any]


def enqueue(*, session: Session, messages: Iterable[Message], at: datetime | None = None) -> int:
    """Append messages to the outbox in the caller's transaction, due at `at` (default: now); a key
    already enqueued for the endpoint is skipped. Returns how many rows were added."""
    rows = [
        {
            "endpoint_id": m.endpoint_id,
            "event": m.event,
            "idempotency_key": m.key,
            "payload": {**m.payload, "event": m.event, "key": m.key},
            "status": DeliveryStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": at or datetime.now(UTC),
        }
        for m in messages
    ]
    if not rows:
        return 0
    stmt = (
        insert(Delivery)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["endpoint_id", "idempotency_key"])
        .returning(Delivery.id)
    )
    return len(session.execute(stmt).all())


def listening(event: str) -> ColumnElement[bool]:
    """The condition on `Endpoint` of being active and wanting the event."""
    return and_(Endpoint.active, Endpoint.events.contains([event]))


def list_deliveries(
    *,
    session: Session,
    endpoint_id: uuid.UUID,
    status: DeliveryStatus | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[Delivery]:
    """An endpoint's delivery log, newest first, keyset-paged by id."""
    stmt = (
        select(Delivery).where(Delivery.endpoint_id == endpoint_id).order_by(Delivery.id.desc()).limit(limit)
    )
    if status is not None:
        stmt = stmt.where(Delivery.status == status.value)
    if before_id is not None:
        stmt = stmt.where(Delivery.id < before_id)
    return list(session.scalars(stmt))


def retry_delivery(
    *,
    session: Session,
    endpoint: Endpoint,
    delivery_id: int,
    by: User,
    client: ClientInfo | None = None,
    at: datetime | None = None,
) -> Delivery:
    """Send a permanently failed delivery again: due now, with a fresh run of the retry schedule."""
    delivery = session.scalar(
        select(Delivery)
        .where(Delivery.id == delivery_id, Delivery.endpoint_id == endpoint.id)
        .with_for_update()
    )
    if delivery is None:
        raise NotFound(f"delivery {delivery_id} of webhook {endpoint.id} does not exist")
    if delivery.status != DeliveryStatus.FAILED.value:
        raise Conflict(
            f"delivery {delivery_id} is {delivery.status}: only a failed delivery is retried by hand",
            details={"status": delivery.status},
        )
    if not endpoint.active:
        raise Conflict(f"webhook {endpoint.id} is disabled: enable it before retrying its deliveries")
    delivery.status = DeliveryStatus.PENDING.value
    delivery.attempts = 0
    delivery.next_attempt_at = at or datetime.now(UTC)
    session.flush()
    _audit(session, by, client, "delivery_retried", str(endpoint.id), delivery_id=delivery_id)
    return delivery
