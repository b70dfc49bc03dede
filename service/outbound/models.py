"""Tables of outbound messages: the endpoints units register, the outbox of deliveries, scan marks.

Declared exactly as migration 0012_outbound_webhooks creates them. Department units are another
domain's table: foreign keys name it by string.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, new_id


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its first or next attempt
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"  # failed permanently: the last attempt failed, or the endpoint was disabled


STATUSES = ", ".join(f"'{s.value}'" for s in DeliveryStatus)
URL_IS_HTTP = "url LIKE 'http://%' OR url LIKE 'https://%'"


class Endpoint(Base):
    """A webhook of a department unit: where to POST, the secret to sign with, the events it wants.

    The secret is stored as given (not hashed, unlike passwords, tokens and API keys): Whistle does not
    check it, it *uses* it — every delivery's HMAC is computed with it, so it must be recoverable. It is
    shown once (on creation and rotation) and never answered again; read access to this table is what
    a receiver's trust rests on, like the database credentials themselves.
    """

    __tablename__ = "outbound_endpoints"
    __table_args__ = (
        Index("ix_outbound_endpoints_unit_id", "unit_id"),
        CheckConstraint(URL_IS_HTTP, name="url_http"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("department_units.id"))
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(ARRAY(Text))  # service.outbound.service.EventType values
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Delivery(Base):
    """One message for one endpoint (the outbox), appended in the transaction of the event it tells.

    `idempotency_key` is unique per endpoint (`dispatch:<id>:whistle`, `dispatch:<id>:check_in:red` …):
    an event enqueued twice — a scan run twice, two processes scanning at once — is one delivery.
    `next_attempt_at` is when it is due (NULL once delivered or failed); a worker that claims it moves
    it forward by a lease, so no other worker takes it while it is being sent.
    """

    __tablename__ = "outbound_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "idempotency_key", name="uq_outbound_deliveries_endpoint_id"),
        Index("ix_outbound_deliveries_endpoint_id", "endpoint_id", "id"),
        Index(
            "ix_outbound_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
        ),
        CheckConstraint(f"status IN ({STATUSES})", name="status_known"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    endpoint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outbound_endpoints.id"))
    event: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(12), default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status: Mapped[int | None] = mapped_column(Integer)  # the receiver's HTTP status
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ScanMark(Base):
    """How far a periodic scan has looked (`dispatch_deadlines`: the deadline events' watermark)."""

    __tablename__ = "outbound_scan_marks"

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    scanned_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
