"""Tables of Open311: the API keys partners post with, and the tokens of the requests they filed."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, LargeBinary, Text, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, new_id


class Open311Key(Base):
    """An API key for Open311 POST requests; only its SHA-256 is stored."""

    __tablename__ = "open311_keys"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(Text, unique=True)
    key_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    # The account the key's reports are filed under (a report always has a reporter).
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Open311Request(Base):
    """A report created through Open311, with the token the client may look it up by."""

    __tablename__ = "open311_requests"

    token: Mapped[str] = mapped_column(Text, primary_key=True)
    report_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("reports.id"), unique=True)
    key_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("open311_keys.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
