"""Tables of the case workflow: cases, dispatches, the append-only event log, verification tasks, scores,
and the daily indicator rollups.

Other domains' tables (reports, categories, department units, grid assignments, photos) are reached
through `service.db.refs` (their columns as schema.md names them), so this module depends on names,
not on those domains' classes: foreign keys name their tables by string (as migration 0004_cases does).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db.base import Base, new_id
from service.supervision.models import CaseSupervision

LIVE = "state IN ('dispatched','checked_in','extension_requested','handled','verifying')"
CASE_STATES = (
    "'reported','filed','voided','merged','on_hold','dispatched','checked_in','handled','verifying','closed'"
)
DISPATCH_STATES = (
    "'dispatched','checked_in','extension_requested','handled','verifying','closed','sent_back','withdrawn'"
)
LIMIT_UNITS = "'urgent_hours','work_hours','work_days','natural_days'"
FINISHED = "state IN ('closed','sent_back','withdrawn')"
FINISHED_AT = "COALESCE(closed_at, sent_back_at, withdrawn_at, dispatched_at)"
# Why a phone gave no position at a report-in (the Geolocation API's three failures).
POSITION_ERRORS = "'denied','unavailable','timeout'"
# Where a case came from (0014_case_sources): 网格员上报, 流动网格员上报, 12345热线, 督办交办, 合作方接入
# (Open311), 街道自查/巡查. The first, second, fifth (and a street team's own report: inspection) are
# derived from the report at filing; a case made by hand names one of `HAND_MADE_SOURCES`.
SOURCES = ("grid_worker", "courier", "hotline", "referral", "open311", "inspection")
HAND_MADE_SOURCES = ("hotline", "referral", "inspection")
INDICATOR_COLUMNS = [
    "unit_id", "state", "case_id", "street_code", "district_code", "check_in_deadline",
    "checked_in_at", "handling_deadline", "result_at", "closed_at", "rework_count", "withdrawn_at",
]  # fmt: skip


class Case(Base):
    """案卷: what the command center files from one or more reports (or a voided report's record)."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_state", "state", "updated_at"),
        Index("ix_cases_street_code", "street_code"),
        Index("ix_cases_primary_report_id", "primary_report_id"),
        # 立案数 per street or district over a period, index-only.
        Index("ix_cases_filed_at", "filed_at", postgresql_include=["street_code", "district_code"]),
        CheckConstraint(f"state IN ({CASE_STATES})", name="state_known"),
        CheckConstraint("source IN (" + ", ".join(f"'{s}'" for s in SOURCES) + ")", name="source_known"),
        CheckConstraint("command_level IN ('street','district','city')", name="command_level_known"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # A short number for people (案卷号), in filing order.
    number: Mapped[int] = mapped_column(BigInteger, Identity(), unique=True)
    state: Mapped[str] = mapped_column(String(20))
    category_code: Mapped[str] = mapped_column(Text, ForeignKey("categories.code"))
    primary_report_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("reports.id"))
    # Copied from the primary report at filing (or set by hand for an unrouted one): indicators and
    # the board group by them without joining reports.
    district_code: Mapped[str | None] = mapped_column(String(6))
    street_code: Mapped[str | None] = mapped_column(String(12))
    community_code: Mapped[str | None] = mapped_column(String(12))
    grid_code: Mapped[str | None] = mapped_column(String(15))
    # Who commands the case now (`service.cases.command`): the level that filed it, until it is escalated
    # (上报) or taken over (接管); the division is the case's own street or district at that level.
    command_level: Mapped[str] = mapped_column(String(10), server_default="city")
    note: Mapped[str] = mapped_column(Text, default="")
    void_reason: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    filed_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True)
    )  # 立案 (None: voided in triage)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Where it came from (`SOURCES`), and the hotline ticket or referral document number (0014).
    source: Mapped[str] = mapped_column(String(16), server_default="grid_worker")
    source_ref: Mapped[str | None] = mapped_column(Text)
    # Who called (a hand-made case): private, shown to the command center only, never in a public answer.
    caller_name: Mapped[str | None] = mapped_column(Text)
    caller_phone: Mapped[str | None] = mapped_column(String(32))
    # 督办: the office supervising it, if any (`service.supervision`; written there, read here).
    supervision: Mapped[CaseSupervision | None] = relationship(viewonly=True, lazy="select")


class Dispatch(Base):
    """派遣 (吹哨): one case sent to one department unit, with its two deadlines."""

    __tablename__ = "dispatches"
    __table_args__ = (
        Index("ix_dispatches_case_id", "case_id"),
        Index("ix_dispatches_unit_id", "unit_id", "handling_deadline"),
        # Every column the indicators read: a period's aggregate is an index-only range scan in time order.
        Index("ix_dispatches_indicators", "dispatched_at", postgresql_include=INDICATOR_COLUMNS),
        Index("ix_dispatches_check_in_deadline", "check_in_deadline"),
        Index("ix_dispatches_handling_deadline", "handling_deadline"),
        Index("ix_dispatches_live", "handling_deadline", "id", postgresql_where=text(LIVE)),
        # A unit's finished dispatches, newest finished first (the field app's 已办, 0016_check_in_on_site).
        Index(
            "ix_dispatches_unit_finished",
            "unit_id",
            text(f"{FINISHED_AT} DESC"),
            text("id DESC"),
            postgresql_where=text(FINISHED),
        ),
        # The outbound deadline scan finds clocks turning yellow in a time window (0012_outbound_webhooks).
        Index("ix_dispatches_check_in_yellow_at", "check_in_yellow_at"),
        Index("ix_dispatches_handling_yellow_at", "handling_yellow_at"),
        CheckConstraint(f"state IN ({DISPATCH_STATES})", name="state_known"),
        CheckConstraint(
            f"check_in_unit IN ({LIMIT_UNITS}) AND handling_unit IN ({LIMIT_UNITS})", name="limit_units_known"
        ),
        CheckConstraint(
            f"check_in_position_error IS NULL OR check_in_position_error IN ({POSITION_ERRORS})",
            name="check_in_position_error_known",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("department_units.id"))
    role: Mapped[str] = mapped_column(String(20))  # primary | joint | street_team | manual
    # The case's place, copied at dispatch (never changes): indicators group dispatches without a join.
    district_code: Mapped[str | None] = mapped_column(String(6))
    street_code: Mapped[str | None] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(24))
    dispatched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    dispatched_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    check_in_amount: Mapped[Decimal] = mapped_column(Numeric)
    check_in_unit: Mapped[str] = mapped_column(String(20))
    handling_amount: Mapped[Decimal] = mapped_column(Numeric)
    handling_unit: Mapped[str] = mapped_column(String(20))
    # The limits were set by hand in the whistle, not taken from the category (0015_joint_workflow).
    check_in_custom: Mapped[bool] = mapped_column(Boolean, server_default=text("false"), default=False)
    handling_custom: Mapped[bool] = mapped_column(Boolean, server_default=text("false"), default=False)
    check_in_deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    handling_deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # extensions included
    # When each clock turns yellow (80 % of its limit used: `service.cases.sla`), set with its deadline.
    check_in_yellow_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    handling_yellow_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_in_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    # 报到 on site (0016_check_in_on_site): the phone's position (WGS-84) or why it gave none, and how far
    # it was from the case; `check_in_far` is the far flag as judged when stored.
    check_in_lon: Mapped[float | None] = mapped_column(Float)
    check_in_lat: Mapped[float | None] = mapped_column(Float)
    check_in_accuracy_m: Mapped[float | None] = mapped_column(Float)
    check_in_distance_m: Mapped[float | None] = mapped_column(Float)
    check_in_far: Mapped[bool] = mapped_column(Boolean, server_default=text("false"), default=False)
    check_in_position_error: Mapped[str | None] = mapped_column(String(12))
    # The latest result (cleared on rework so the handling clock runs on); accepted once closed.
    result_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    result_note: Mapped[str | None] = mapped_column(Text)
    result_photo_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_amount: Mapped[Decimal | None] = mapped_column(Numeric)  # pending request
    extension_unit: Mapped[str | None] = mapped_column(String(20))
    extension_reason: Mapped[str | None] = mapped_column(Text)
    extensions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)  # granted
    rework_count: Mapped[int] = mapped_column(Integer, default=0)
    sent_back_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    send_back_reason: Mapped[str | None] = mapped_column(Text)
    # 退回不成立: when the command center rejected the send-back (0008_send_back_review); scored.
    send_back_rejected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # 撤回/改派 (0015_joint_workflow): the command center took the dispatch back, why, and by whom; a
    # reassignment's new dispatch names the one it replaces.
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    withdraw_reason: Mapped[str | None] = mapped_column(Text)
    reassigned_from_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("dispatches.id"))


class CaseEvent(Base):
    """One transition, appended and never changed (trigger `whistle_forbid_mutation`)."""

    __tablename__ = "case_events"
    __table_args__ = (
        Index("ix_case_events_case_id", "case_id", "id"),
        Index("ix_case_events_action_at", "action", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    dispatch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("dispatches.id"))
    report_id: Mapped[uuid.UUID | None] = mapped_column()
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(24))  # of the subject: the case, or the dispatch
    to_state: Mapped[str] = mapped_column(String(24))
    case_state: Mapped[str] = mapped_column(String(20))  # the case's state after the event
    note: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class VerificationTask(Base):
    """核查: a grid worker re-checks on site the results of a case's units, all in one visit.

    One task covers every dispatch of the case whose result waits for verification
    (`VerificationItem`, one per unit); 0015_joint_workflow moved the per-dispatch tasks there.
    `state`: open, then passed (every unit passed), failed (at least one unit reworks) or cancelled.
    """

    __tablename__ = "verification_tasks"
    __table_args__ = (
        Index("ix_verification_tasks_case_id", "case_id"),
        Index(
            "ix_verification_tasks_open", "assignee_id", "created_at", postgresql_where=text("state = 'open'")
        ),
        # One open task per case at most: results arriving later join it.
        Index(
            "uq_verification_tasks_open_case", "case_id", unique=True, postgresql_where=text("state = 'open'")
        ),
        CheckConstraint("state IN ('open','passed','failed','cancelled')", name="state_known"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(12))  # open | passed | failed | cancelled
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)
    photo_count: Mapped[int] = mapped_column(Integer, default=0)  # 核查照片 (0007_verification_photos)
    flags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)  # service.cases.verification_flags
    flag_notes: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)


class VerificationItem(Base):
    """One unit's result in a verification task, and the grid worker's outcome for it."""

    __tablename__ = "verification_items"
    __table_args__ = (
        Index("ix_verification_items_dispatch_id", "dispatch_id"),
        # One pending verification per dispatch at most.
        Index(
            "uq_verification_items_pending_dispatch",
            "dispatch_id",
            unique=True,
            postgresql_where=text("outcome = 'pending'"),
        ),
        CheckConstraint("outcome IN ('pending','passed','failed','cancelled')", name="outcome_known"),
    )

    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("verification_tasks.id"), primary_key=True)
    dispatch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dispatches.id"), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(12))  # pending | passed | failed | cancelled
    reason: Mapped[str | None] = mapped_column(Text)  # why it failed (or why it was cancelled)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Evaluation(Base):
    """评价: the 100-point score of one dispatch, with the deductions and the rules that produced it."""

    __tablename__ = "evaluations"
    __table_args__ = (
        Index("ix_evaluations_evaluated_at", "evaluated_at"),
        Index("ix_evaluations_unit_id", "unit_id", "evaluated_at"),
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
        CheckConstraint(
            "list_kind IS NULL OR list_kind IN ('praise','reminder','interview')", name="list_kind_known"
        ),
    )

    dispatch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dispatches.id"), primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("department_units.id"))
    score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    list_kind: Mapped[str | None] = mapped_column(String(12))  # praise | reminder | interview
    breakdown: Mapped[list[dict[str, str]]] = mapped_column(JSONB)
    rules: Mapped[dict[str, Any]] = mapped_column(JSONB)
    reason: Mapped[str] = mapped_column(String(16))  # closed | sent_back | no_show | withdrawn
    evaluated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IndicatorCounts:
    """A day's indicator counts (GB/T 30428.4), as `service.cases.stats` sums them over a period.

    The rows are written only by the database: a trigger on `dispatches` (0004_cases) subtracts a row's
    old contribution and adds its new one, and `whistle_rebuild_indicator_days()` recounts everything.
    """

    dispatched: Mapped[int] = mapped_column(Integer)
    accurately_dispatched: Mapped[int] = mapped_column(Integer)
    checked_in_on_time: Mapped[int] = mapped_column(Integer)
    due: Mapped[int] = mapped_column(Integer)
    handled: Mapped[int] = mapped_column(Integer)
    handled_on_time: Mapped[int] = mapped_column(Integer)
    closed: Mapped[int] = mapped_column(Integer)
    closed_on_time: Mapped[int] = mapped_column(Integer)
    reworked: Mapped[int] = mapped_column(Integer)
    handling_seconds: Mapped[Decimal] = mapped_column(Numeric)  # sum of (result_at - dispatched_at)


class IndicatorUnitDay(IndicatorCounts, Base):
    """The counts of one department unit's dispatches made on one local day (Asia/Shanghai)."""

    __tablename__ = "indicator_unit_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


class IndicatorPlaceDay(IndicatorCounts, Base):
    """The counts of one place's dispatches made on one local day ('' for a dispatch without the code)."""

    __tablename__ = "indicator_place_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    street_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    district_code: Mapped[str] = mapped_column(String(6), primary_key=True)
