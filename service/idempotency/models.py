"""The `idempotency_keys` table: the first answer to a request under a client key (migration 0003)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base

KEY_STATES = ("started", "finished")


class IdempotencyKey(Base):
    """The first answer to a request under a client key, scoped to the user (IETF draft, Stripe)."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        CheckConstraint("state IN (" + ",".join(f"'{s}'" for s in KEY_STATES) + ")", name="state_known"),
        CheckConstraint("length(key) BETWEEN 1 AND 255", name="key_length"),
        Index("ix_idempotency_keys_created_at", "created_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10), default="started")
    locked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[Any | None] = mapped_column(JSONB)
    report_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
