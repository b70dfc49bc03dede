"""The console's clocks and numbers: the SLA board, clock events, evaluations, unit lists, indicators."""

from __future__ import annotations

import uuid
from decimal import Decimal

from pydantic import BaseModel, Field

from service.cases.schemas.common import _ORM
from service.cases.schemas.work import LimitPublic
from service.schemas import UtcDatetime


class BoardRowPublic(BaseModel):
    dispatch_id: uuid.UUID
    case_id: uuid.UUID
    case_number: int
    category_code: str
    street_code: str | None
    unit_id: uuid.UUID
    unit_name: str
    state: str
    check_in_deadline: UtcDatetime
    handling_deadline: UtcDatetime
    check_in_colour: str
    handling_colour: str
    colour: str
    check_in_limit: LimitPublic
    handling_limit: LimitPublic
    supervised: bool = Field(False, description="Its case is under supervision (督办)")


class ClockEventPublic(BaseModel):
    dispatch_id: uuid.UUID
    case_id: uuid.UUID
    unit_id: uuid.UUID
    clock: str
    deadline: UtcDatetime
    district_code: str | None = None
    street_code: str | None = None


class EvaluationPublic(_ORM):
    dispatch_id: uuid.UUID
    unit_id: uuid.UUID
    score: Decimal
    list_kind: str | None
    breakdown: list[dict[str, str]]
    reason: str
    evaluated_at: UtcDatetime


class UnitListEntryPublic(BaseModel):
    unit_id: uuid.UUID
    unit_name: str
    dispatches: int
    mean_score: Decimal | None


class UnitListsPublic(BaseModel):
    since: UtcDatetime
    until: UtcDatetime
    praise: list[UnitListEntryPublic]
    reminder: list[UnitListEntryPublic]
    interview: list[UnitListEntryPublic]


class IndicatorRowPublic(BaseModel):
    key: str | None
    name: str
    counts: dict[str, int]
    reported: int
    filed: int
    dispatched: int
    accurate_dispatch_rate: Decimal | None
    on_time_check_in_rate: Decimal | None
    handling_rate: Decimal | None
    on_time_handling_rate: Decimal | None
    closure_rate: Decimal | None
    on_time_closure_rate: Decimal | None
    rework_rate: Decimal | None
    mean_handling_hours: float | None


class IndicatorsPublic(BaseModel):
    group_by: str
    since: UtcDatetime
    until: UtcDatetime
    rows: list[IndicatorRowPublic]
