"""What the case workflow's request and response models share: the case itself, reasons and notes."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from service.schemas import StrictBody, UtcDatetime


class _ORM(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ReasonRequest(StrictBody):
    reason: str = Field(min_length=1, max_length=2000)


class NoteRequest(StrictBody):
    note: str = Field("", max_length=2000)


CaseSource = Literal["grid_worker", "courier", "hotline", "referral", "open311", "inspection"]


class SupervisionPublic(BaseModel):
    """督办: the office supervising the case, its deadline (督办时限), and whether the case is past it."""

    office_id: uuid.UUID
    office_code: str
    office_name: str
    deadline: UtcDatetime
    note: str
    overdue: bool = Field(
        description="The deadline passed while the case was open (now, or when it closed); never for a "
        "voided or merged case"
    )


class CasePublic(_ORM):
    id: uuid.UUID
    number: int
    state: str
    category_code: str
    source: str = Field(
        "grid_worker",
        description="grid_worker (网格员上报) | courier (流动网格员上报) | hotline (12345热线) | referral "
        "(督办交办) | open311 (合作方接入) | inspection (街道自查/巡查)",
    )
    source_ref: str | None = Field(None, description="Hotline ticket or referral document number.")
    supervision: SupervisionPublic | None = Field(None, description="null: not under supervision (督办)")
    primary_report_id: uuid.UUID
    district_code: str | None
    street_code: str | None
    community_code: str | None
    grid_code: str | None
    command_level: str  # street | district | city: who commands the case now (上报/接管 move it)
    note: str
    void_reason: str | None
    merged_into_id: uuid.UUID | None
    created_at: UtcDatetime
    updated_at: UtcDatetime
    filed_at: UtcDatetime | None
    closed_at: UtcDatetime | None
    allowed_actions: list[str] = Field(default_factory=list)
