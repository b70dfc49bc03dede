"""Tables for users and their access tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, CreatedAtMixin, new_id


class Role(StrEnum):
    grid_worker = "grid_worker"  # 网格员
    courier = "courier"  # 快递员/外卖骑手 as 流动网格员
    dispatcher = "dispatcher"  # 指挥中心
    officer = "officer"  # 部门执法人员, bound to one department unit
    street_team = "street_team"  # 乡镇(街道)综合执法队, bound to the street's team unit
    admin = "admin"
    supervisor = "supervisor"  # 督办单位: reads the cases its office referred, bound to that office


REPORTER_ROLES = frozenset({Role.grid_worker, Role.courier})
UNIT_ROLES = frozenset({Role.officer, Role.street_team})

_ROLE_LIST = ", ".join(f"'{r.value}'" for r in Role)


class User(CreatedAtMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN ({_ROLE_LIST})", name="role_known"),
        # A supervising office's account, and only it, is bound to an office (0014_case_sources).
        CheckConstraint("(role = 'supervisor') = (office_id IS NOT NULL)", name="office_bound"),
        # A district's (6 digits) or a street's (12 digits) command staff; NULL: the city's.
        CheckConstraint(
            "division_code IS NULL OR division_code ~ '^[0-9]{6}([0-9]{6})?$'", name="division_digits"
        ),
        CheckConstraint("division_code IS NULL OR role = 'dispatcher'", name="division_for_dispatchers"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str | None] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(20))
    # The department unit an officer or street team member acts for (foreign key added with the units
    # table, 0002_geography).
    unit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("department_units.id"), index=True)
    # The supervising office a supervisor reads for (`service.supervision`, 0014_case_sources).
    office_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("supervising_offices.id"), index=True
    )
    # The division a dispatcher commands (`service.cases.command`): NULL for the city's command center,
    # a district code for a district's, a street code for a street's. A street team member commands the
    # street of their unit.
    division_code: Mapped[str | None] = mapped_column(String(12))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class AccessToken(CreatedAtMixin, Base):
    """An opaque bearer token. Only its keyed hash is stored; the token itself is shown once, at login."""

    __tablename__ = "access_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    device_label: Mapped[str] = mapped_column(String(100), default="")
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
