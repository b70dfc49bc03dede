"""Tables of supervision: the supervising offices, and the supervision of a case (at most one office).

`case_supervisions.case_id` and `users.office_id` point here by table name (the case workflow and the
accounts own those tables); nothing here imports their classes.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, Text, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db.base import Base, new_id


class SupervisingOffice(Base):
    """督办单位: an office that refers cases and follows them (e.g. 船营区委统战部)."""

    __tablename__ = "supervising_offices"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    # The district whose office it is (船营区: 220204); None for a city office.
    district_code: Mapped[str | None] = mapped_column(String(6))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Invented for the demo (the source account names the others).
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CaseSupervision(Base):
    """One case under one office's supervision (督办), with the deadline the office set."""

    __tablename__ = "case_supervisions"
    __table_args__ = (Index("ix_case_supervisions_office_id", "office_id", "case_id"),)

    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("cases.id"), primary_key=True)
    office_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("supervising_offices.id"))
    deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # 督办时限
    note: Mapped[str] = mapped_column(Text, default="")
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    set_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))

    office: Mapped[SupervisingOffice] = relationship(lazy="joined", innerjoin=True)
