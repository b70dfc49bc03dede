"""The console's cases: the triage queue, a case's detail, command levels, supervision, suggestions and
verifiers, and the supervising office's view."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from service.cases.schemas.common import _ORM, CasePublic
from service.cases.schemas.work import (
    DispatchPhotoPublic,
    DispatchPublic,
    VerificationPublic,
)
from service.photos.schemas import PhotoPublic
from service.schemas import StrictBody, UtcDatetime, UtcJson


class QueueItemPublic(_ORM):
    id: uuid.UUID
    category_code: str
    text: str
    created_at: UtcDatetime
    lon: float
    lat: float
    district_code: str | None
    street_code: str | None
    community_code: str | None
    grid_code: str | None
    flags: list[str]


class QueuePagePublic(BaseModel):
    items: list[QueueItemPublic]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class FileRequest(StrictBody):
    category_code: str | None = Field(None, description="A corrected category (re-routes the case).")
    note: str = Field("", max_length=2000)


class EscalateRequest(StrictBody):
    to_level: Literal["district", "city"] = Field(description="区指挥中心 (district) 或市指挥中心 (city)")
    reason: str = Field(min_length=1, max_length=2000)


class CommandPublic(BaseModel):
    """What the caller commands (the console's header and the map's first view)."""

    level: str  # street | district | city
    level_label: str  # 街道 / 区指挥中心 / 市指挥中心
    code: str | None  # the district's or the street's code; None for the city
    name: str  # 德胜街道 / 船营区 / 吉林市
    may_act: bool  # false for admins (read-only)
    bbox: list[float] | None  # [west, south, east, north] of the division (WGS-84), None for the city


class MergeRequest(StrictBody):
    into_case_id: uuid.UUID
    note: str = Field("", max_length=2000)


class CaseEventPublic(_ORM):
    id: int
    dispatch_id: uuid.UUID | None
    report_id: uuid.UUID | None
    at: UtcDatetime
    actor_id: uuid.UUID | None
    actor_role: str
    action: str
    from_state: str | None
    to_state: str
    case_state: str
    note: str
    detail: UtcJson


class CallerPublic(BaseModel):
    """Who called in a case made by hand (private: the command center's case detail only)."""

    name: str | None
    phone: str | None


class CaseDetailPublic(BaseModel):
    case: CasePublic
    report_ids: list[uuid.UUID]
    dispatches: list[DispatchPublic]
    events: list[CaseEventPublic]
    dispatch_photos: list[DispatchPhotoPublic] = Field(default_factory=list)
    verifications: list[VerificationPublic] = Field(default_factory=list)
    caller: CallerPublic | None = Field(
        None, description="The caller of a case made by hand: the command center's detail only, else null"
    )


class SupervisionRequest(StrictBody):
    """督办: put a case under a supervising office (or change its office, deadline or note)."""

    office_id: uuid.UUID
    deadline: AwareDatetime = Field(description="督办时限, with its offset; after now, within a year")
    note: str = Field("", max_length=2000)


class UnitRefPublic(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    kind_code: str
    kind_name: str
    role: str


class SuggestionPublic(BaseModel):
    case_id: uuid.UUID
    category_code: str
    category_name: str
    on_street_list: bool
    street_code: str | None
    units: list[UnitRefPublic]
    trace: list[str]


class VerifierPublic(BaseModel):
    user_id: uuid.UUID
    username: str
    display_name: str
    why: Literal["responsible_grid", "same_community", "reporter"] = Field(
        description="the case's grid worker (责任网格), another grid's worker in its community, the reporter"
    )


class SupervisedCasePublic(CasePublic):
    """A case in a supervising office's list, with its place on the map."""

    lon: float | None = None
    lat: float | None = None


class SupervisedDispatchPublic(DispatchPublic):
    """A dispatch as the supervising office follows it: the unit by name, both clocks' colours."""

    unit_name: str
    check_in_colour: str = Field(description="green | yellow | red (a stopped clock keeps its colour)")
    handling_colour: str


class SupervisedCaseDetailPublic(BaseModel):
    """One referred case's progress: what was reported, who was whistled, their clocks, results, log."""

    case: SupervisedCasePublic
    description: str = Field(description="What was reported (the primary report's text)")
    report_photos: list[PhotoPublic]
    dispatches: list[SupervisedDispatchPublic]
    events: list[CaseEventPublic]
    dispatch_photos: list[DispatchPhotoPublic]
    verifications: list[VerificationPublic]
