"""Writing and reading the audit log."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.audit.models import AuditEvent


@dataclass(frozen=True)
class ClientInfo:
    """Who is on the other end of a request, as far as the server can tell."""

    ip: str | None = None
    user_agent: str | None = None


def record(
    *,
    session: Session,
    action: str,
    actor_id: uuid.UUID | None = None,
    actor_username: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    client: ClientInfo | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. The caller's transaction decides when it becomes durable."""
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        actor_username=actor_username,
        subject_type=subject_type,
        subject_id=subject_id,
        ip=client.ip if client else None,
        user_agent=(client.user_agent or "")[:256] if client else None,
        detail=detail or {},
    )
    session.add(event)
    session.flush()
    return event


def count_since(*, session: Session, action: str, subject_id: str, since: datetime) -> int:
    stmt = select(func.count()).where(
        AuditEvent.action == action, AuditEvent.subject_id == subject_id, AuditEvent.at >= since
    )
    return int(session.scalar(stmt) or 0)


def list_events(
    *,
    session: Session,
    action: str | None = None,
    actor_id: uuid.UUID | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEvent]:
    """Newest first, keyset-paged by id."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if actor_id:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if before_id:
        stmt = stmt.where(AuditEvent.id < before_id)
    return list(session.scalars(stmt))
