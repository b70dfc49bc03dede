"""Tables of the couriers domain (新就业群体 in the grid): platform companies and their outlets, riders,
the grids they cover, 1+N pairings with grid workers, community passes, community programmes
(volunteer activities and service projects), redemption items, and the append-only points ledger.

Other domains' tables (users, communities, grids, reports, cases, case events) are referenced by the
columns the migrations create; foreign keys to them are declared in migration 0006_couriers.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

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
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, new_id


class CompanyKind(StrEnum):
    food_delivery = "food_delivery"  # 外卖
    express = "express"  # 快递
    ride_hailing = "ride_hailing"  # 网约车


class CompanyLevel(StrEnum):
    company = "company"  # 平台企业
    branch = "branch"  # 分支机构
    outlet = "outlet"  # 基层网点 / 站点


class ProgramType(StrEnum):
    activity = "activity"  # 志愿活动: joined, attendance confirmed by the community
    project = "project"  # 服务项目: claimed, completion confirmed by the community


class EntryKind(StrEnum):
    report_verified = "report_verified"
    activity = "activity"
    project = "project"
    redemption = "redemption"
    reversal = "reversal"


def _in(values: type[StrEnum]) -> str:
    return ", ".join(f"'{v.value}'" for v in values)


class Company(Base):
    """A platform company, one of its branches or one of its outlets (a tree through ``parent_id``)."""

    __tablename__ = "courier_companies"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(CompanyKind)})", name="kind_known"),
        CheckConstraint(f"level IN ({_in(CompanyLevel)})", name="level_known"),
        CheckConstraint("(level = 'company') = (parent_id IS NULL)", name="root_is_company"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(10))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("courier_companies.id"), index=True)
    community_code: Mapped[str | None] = mapped_column(String(12))  # where an outlet sits
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Rider(Base):
    """A courier account's rider profile: employer, the community registered with (社区报到), and
    whether that community hired the rider as a mobile grid worker (流动网格员)."""

    __tablename__ = "riders"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courier_companies.id"), index=True)
    community_code: Mapped[str] = mapped_column(String(12), index=True)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    is_party_member: Mapped[bool] = mapped_column(Boolean, default=False)  # 党员骑手亮明身份
    mobile_grid_worker_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hired_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class RiderGrid(Base):
    """编入网格: a grid a rider's service area or delivery routes cover."""

    __tablename__ = "rider_grids"

    rider_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("riders.user_id", ondelete="CASCADE"), primary_key=True
    )
    grid_code: Mapped[str] = mapped_column(String(15), primary_key=True, index=True)
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    placed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class Pairing(Base):
    """1+N 结对: one grid worker, many riders; a rider has at most one current pairing (history kept)."""

    __tablename__ = "rider_pairings"
    __table_args__ = (
        Index(
            "uq_rider_pairings_current_rider",
            "rider_id",
            unique=True,
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    grid_worker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    rider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("riders.user_id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class CommunityPass(Base):
    """小区通行证: a community lets a rider in through its gates between two dates."""

    __tablename__ = "community_passes"
    __table_args__ = (CheckConstraint("valid_to > valid_from", name="period_ordered"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    community_code: Mapped[str] = mapped_column(String(12), index=True)
    rider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("riders.user_id", ondelete="CASCADE"), index=True)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class Program(Base):
    """A community's volunteer activity (志愿活动) or service project (服务项目: 隐患问题随手拍, 爱心寄送,
    红色代跑, 直播助农 …) and the points a confirmed participation earns."""

    __tablename__ = "community_programs"
    __table_args__ = (
        CheckConstraint(f"type IN ({_in(ProgramType)})", name="type_known"),
        CheckConstraint("points >= 0", name="points_not_negative"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(String(12), index=True)
    type: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    capacity: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Participation(Base):
    """A rider joined an activity or claimed a project; the community confirms it (then points)."""

    __tablename__ = "program_participations"

    program_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("community_programs.id", ondelete="CASCADE"), primary_key=True
    )
    rider_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("riders.user_id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class RedemptionItem(Base):
    """Something a community offers for points (积分兑换), with its cost and remaining stock."""

    __tablename__ = "redemption_items"
    __table_args__ = (
        CheckConstraint("cost > 0", name="cost_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    community_code: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(Text)
    cost: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Redemption(Base):
    """One item taken for points. The id may come from the phone, which makes a retry harmless."""

    __tablename__ = "redemptions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("redemption_items.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    cost: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PointsEntry(Base):
    """One line of a user's points ledger. Append-only (trigger ``whistle_forbid_mutation``): a mistake
    is answered by a reversal line, never by an edit. The unique key makes every award idempotent."""

    __tablename__ = "points_entries"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(EntryKind)})", name="kind_known"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        CheckConstraint("(kind = 'reversal') = (reverses_id IS NOT NULL)", name="reversal_names_entry"),
        CheckConstraint("kind = 'reversal' OR (kind = 'redemption') = (amount < 0)", name="sign_by_kind"),
        UniqueConstraint("user_id", "kind", "reference_type", "reference_id", name="uq_points_entries_award"),
        UniqueConstraint("reverses_id", name="uq_points_entries_reverses_id"),
        Index("ix_points_entries_user_id_at", "user_id", "at"),
        Index("ix_points_entries_company_id_at", "company_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(Integer)
    reference_type: Mapped[str] = mapped_column(String(20))  # report | program | redemption | entry
    reference_id: Mapped[str] = mapped_column(String(64))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("points_entries.id"))
    # The rider's company and community when the line was written: exports attribute points to the
    # company the rider worked for then, even after a change of employer.
    company_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("courier_companies.id"))
    community_code: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PointsBalance(Base):
    """The running sums of a user's ledger, updated in the same transaction as every ledger line.
    Redemptions lock this row (SELECT ... FOR UPDATE) before checking the balance."""

    __tablename__ = "points_balances"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    balance: Mapped[int] = mapped_column(Integer, default=0)
    earned: Mapped[int] = mapped_column(Integer, default=0)
    spent: Mapped[int] = mapped_column(Integer, default=0)
    reversed: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PhotoClaim(Base):
    """A photo (by content hash) whose report earned points: the same photo never earns again.

    Claimed before the award is written; a concurrent claim of the same photo waits on the primary key
    and then sees it taken, so two reports of one photo cannot both earn."""

    __tablename__ = "points_photo_claims"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    report_id: Mapped[uuid.UUID] = mapped_column()
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Settlement(Base):
    """What a case event meant for a report's points (awarded, reversed, or why nothing): append-only.
    A row per (event, report) marks the event settled, so the sweep and the hook never repeat."""

    __tablename__ = "points_settlements"
    __table_args__ = (UniqueConstraint("event_id", "report_id", name="uq_points_settlements_event_report"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    event_id: Mapped[int] = mapped_column(BigInteger)
    report_id: Mapped[uuid.UUID] = mapped_column(index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column()
    outcome: Mapped[str] = mapped_column(String(64))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("points_entries.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
