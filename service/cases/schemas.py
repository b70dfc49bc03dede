"""Request and response models of the console, department and verification APIs."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from service.cases.deadlines import LimitUnit
from service.photos.schemas import FlagPublic, PhotoPublic
from service.schemas import StrictBody, UtcDatetime, UtcJson


class _ORM(BaseModel):
    model_config = ConfigDict(from_attributes=True)


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


class ReasonRequest(StrictBody):
    reason: str = Field(min_length=1, max_length=2000)


class NoteRequest(StrictBody):
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
    allowed_actions: list[str] = []


class DispatchPublic(_ORM):
    id: uuid.UUID
    case_id: uuid.UUID
    unit_id: uuid.UUID
    role: str
    state: str
    dispatched_at: UtcDatetime
    note: str
    check_in_limit: dict[str, str]
    handling_limit: dict[str, str]
    check_in_deadline: UtcDatetime
    handling_deadline: UtcDatetime
    checked_in_at: UtcDatetime | None
    result_at: UtcDatetime | None
    result_note: str | None
    result_photo_count: int
    extension_request: dict[str, str] | None
    extensions: list[UtcJson]
    rework_count: int
    sent_back_at: UtcDatetime | None
    send_back_reason: str | None
    send_back_rejected_at: UtcDatetime | None = None
    closed_at: UtcDatetime | None
    allowed_actions: list[str] = []
    case_supervision: SupervisionPublic | None = Field(
        None, description="In a unit's list of its dispatches: the case's supervision (督办), if any"
    )


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


class DispatchPhotoPublic(PhotoPublic):
    dispatch_id: uuid.UUID
    kind: Literal["result", "verification"] = Field(
        description="`result`: the unit's photo (处置照片); `verification`: the grid worker's (核查照片)"
    )


class VerificationPublic(BaseModel):
    """One verification (核查) of a dispatch's result: who, when, the decision and its integrity flags."""

    id: uuid.UUID
    dispatch_id: uuid.UUID
    assignee_id: uuid.UUID | None
    state: str = Field(description="open | passed | failed | cancelled")
    created_at: UtcDatetime
    done_at: UtcDatetime | None
    note: str | None
    photo_count: int
    flags: list[FlagPublic]


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


class DispatchRequest(StrictBody):
    unit_ids: list[uuid.UUID] = Field(min_length=1, max_length=20)
    note: str = Field("", max_length=2000)


class ExtensionRequest(StrictBody):
    amount: Decimal = Field(gt=0, le=1000)
    unit: LimitUnit
    reason: str = Field(min_length=1, max_length=2000)


class ExtensionDecision(StrictBody):
    note: str = Field("", max_length=2000)
    amount: Decimal | None = Field(None, gt=0, le=1000, description="Grant a different amount.")
    unit: LimitUnit | None = None


class AssignVerificationRequest(StrictBody):
    assignee_id: uuid.UUID


class VerificationTaskPublic(BaseModel):
    id: uuid.UUID
    state: str
    created_at: UtcDatetime
    done_at: UtcDatetime | None
    note: str | None
    case: CasePublic
    dispatch: DispatchPublic
    result_photos: list[PhotoPublic] = Field(
        default_factory=list, description="The unit's result photos (处置照片), every result so far"
    )
    photos: list[PhotoPublic] = Field(
        default_factory=list, description="The grid worker's own on-site photos (核查照片) once decided"
    )
    flags: list[FlagPublic] = Field(
        default_factory=list,
        description="Integrity flags of the decision's photos: photo_reused | photo_before_result | "
        "photo_far_from_case",
    )


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


class ResultForm(StrictBody):
    """The text field of a result upload (multipart, beside the photos)."""

    note: str = Field(max_length=2000)


class PassForm(StrictBody):
    """The text field of a passed verification (multipart, beside the on-site photos)."""

    note: str = Field("", max_length=2000)


class FailForm(StrictBody):
    """The text field of a failed verification (multipart, beside the on-site photos)."""

    reason: str = Field(min_length=1, max_length=2000)


def _upload_schema(
    text_field: str, *, required: bool, min_length: int = 0, photos_min: int = 0
) -> dict[str, Any]:
    """The multipart body of a result or verification, for the OpenAPI document (read as a stream)."""
    text: dict[str, Any] = {"type": "string", "maxLength": 2000}
    if min_length:
        text["minLength"] = min_length
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [text_field] if required else [],
        "properties": {
            text_field: text,
            "photos": {
                "type": "array",
                "items": {"type": "string", "format": "binary"},
                "minItems": photos_min,
                "maxItems": 9,
                "description": "JPEG, HEIC/HEIF, PNG or WebP",
            },
        },
    }


RESULT_UPLOAD_SCHEMA = _upload_schema("note", required=True)
PASS_UPLOAD_SCHEMA = _upload_schema("note", required=False)
FAIL_UPLOAD_SCHEMA = _upload_schema("reason", required=True, min_length=1)


def multipart_body(schema: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` of an endpoint whose multipart body is read as a stream (not by FastAPI)."""
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}


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
