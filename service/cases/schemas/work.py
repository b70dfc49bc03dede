"""A unit's work: dispatches and their limits, the whistle's and the unit's requests, verification
tasks and decisions, and the multipart forms of results and verifications."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, Json, model_validator

from service.cases.deadlines import Limit, LimitUnit, whistle_limit_problem
from service.cases.schemas.common import _ORM, CasePublic, SupervisionPublic
from service.photos.schemas import FlagPublic, PhotoPublic
from service.schemas import StrictBody, UtcDatetime, UtcJson


class LimitPublic(BaseModel):
    """A dispatch's time limit: amount and unit, and whether the whistle set it by hand (自定)."""

    amount: str = Field(description='e.g. "2", "1.5"')
    unit: LimitUnit
    custom: bool = Field(description="set by hand in the whistle instead of the category's default")


class CheckInPositionPublic(BaseModel):
    """Where the phone was at the report-in (报到), WGS-84."""

    lon: float
    lat: float
    accuracy_m: float | None


class DispatchPublic(_ORM):
    id: uuid.UUID
    case_id: uuid.UUID
    unit_id: uuid.UUID
    role: str
    state: str
    dispatched_at: UtcDatetime
    note: str
    check_in_limit: LimitPublic
    handling_limit: LimitPublic
    check_in_deadline: UtcDatetime
    handling_deadline: UtcDatetime
    checked_in_at: UtcDatetime | None
    check_in_position: CheckInPositionPublic | None = Field(
        None, description="报到 on site: the phone's position (null: none sent, see check_in_position_error)"
    )
    check_in_distance_m: float | None = Field(None, description="metres from the case's position")
    check_in_far: bool = Field(False, description="farther than the far threshold (cases.check_in_far_m)")
    check_in_position_error: str | None = Field(
        None, description="denied | unavailable | timeout: why the phone gave no position"
    )
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
    withdrawn_at: UtcDatetime | None = None
    withdraw_reason: str | None = None
    reassigned_from_id: uuid.UUID | None = Field(
        None, description="改派: the withdrawn dispatch this replaces"
    )
    allowed_actions: list[str] = Field(default_factory=list)
    case_supervision: SupervisionPublic | None = Field(
        None, description="In a unit's list of its dispatches: the case's supervision (督办), if any"
    )


class DispatchPhotoPublic(PhotoPublic):
    dispatch_id: uuid.UUID
    kind: Literal["check_in", "result", "verification"] = Field(
        description="`check_in`: taken on site at the report-in (报到照片); `result`: the unit's photo "
        "(处置照片); `verification`: the grid worker's (核查照片)"
    )


class VerificationPublic(BaseModel):
    """One unit's result in a verification (核查): who checks, when, the outcome, and the integrity flags
    of the visit's photos. A joint case's visit covers several units: one row each, the same task `id`."""

    id: uuid.UUID = Field(description="the verification task (one visit for the case)")
    dispatch_id: uuid.UUID
    assignee_id: uuid.UUID | None
    state: str = Field(description="this unit's outcome: open | passed | failed | cancelled")
    task_state: str = Field("open", description="the whole visit: open | passed | failed | cancelled")
    created_at: UtcDatetime
    done_at: UtcDatetime | None
    note: str | None = Field(description="why this unit failed (or was cancelled), else the visit's note")
    photo_count: int
    flags: list[FlagPublic]


_LIMIT_AMOUNT = Field(
    description="positive, at most two decimals, at most 168 urgent hours, 160 work hours, 60 work days "
    "or 90 natural days",
    json_schema_extra={"exclusiveMinimum": 0, "maximum": 168},
)


class LimitRequest(StrictBody):
    """A time limit set by hand (自定时限)."""

    amount: Decimal = _LIMIT_AMOUNT
    unit: LimitUnit

    @model_validator(mode="after")
    def _within_bounds(self) -> LimitRequest:
        problem = whistle_limit_problem(self.amount, self.unit)
        if problem:
            raise ValueError(problem)
        return self

    def limit(self) -> Limit:
        return Limit(self.amount, self.unit)


class DispatchRequest(StrictBody):
    unit_ids: list[uuid.UUID] = Field(min_length=1, max_length=20)
    note: str = Field("", max_length=2000)
    check_in_limit: LimitRequest | None = Field(None, description="report-in limit instead of the category's")
    handling_limit: LimitRequest | None = Field(
        None, description="handling limit instead of the category's; its deadline not before the report-in's"
    )


class WithdrawRequest(StrictBody):
    reason: str = Field(min_length=1, max_length=2000)


class ReassignRequest(StrictBody):
    unit_id: uuid.UUID = Field(description="the unit that takes the case over")
    reason: str = Field(min_length=1, max_length=2000)
    check_in_limit: LimitRequest | None = None
    handling_limit: LimitRequest | None = None


class ReassignPublic(BaseModel):
    withdrawn: DispatchPublic
    dispatch: DispatchPublic = Field(description="the new dispatch to the other unit")


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


class VerificationItemPublic(BaseModel):
    """One unit's result in a verification task, and the grid worker's outcome for it."""

    dispatch: DispatchPublic
    unit_name: str
    outcome: str = Field(description="pending | passed | failed | cancelled")
    reason: str | None
    decided_at: UtcDatetime | None
    result_photos: list[PhotoPublic] = Field(
        default_factory=list, description="This unit's result photos (处置照片), every result so far"
    )


class VerificationTaskPublic(BaseModel):
    """One on-site visit (核查) for a case: every unit's result it covers (`items`)."""

    id: uuid.UUID
    state: str
    created_at: UtcDatetime
    done_at: UtcDatetime | None
    note: str | None
    case: CasePublic
    items: list[VerificationItemPublic] = Field(description="each unit's result to check, with its outcome")
    dispatch: DispatchPublic = Field(description="the first unit's dispatch (single-unit clients)")
    result_photos: list[PhotoPublic] = Field(
        default_factory=list, description="Every covered unit's result photos (处置照片), every result so far"
    )
    photos: list[PhotoPublic] = Field(
        default_factory=list, description="The grid worker's own on-site photos (核查照片) once decided"
    )
    flags: list[FlagPublic] = Field(
        default_factory=list,
        description="Integrity flags of the decision's photos: photo_reused | photo_before_result | "
        "photo_far_from_case",
    )


class CheckInForm(StrictBody):
    """The text fields of a report-in on site (报到, multipart beside the on-site photos): the phone's
    WGS-84 position, or why it gave none (the Geolocation API's failures)."""

    note: str = Field("", max_length=2000)
    lon: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)
    accuracy_m: float | None = Field(None, ge=0, le=100_000, allow_inf_nan=False)
    position_error: Literal["denied", "unavailable", "timeout"] | None = Field(
        None, description="instead of lon/lat when the phone gave no position"
    )

    @model_validator(mode="after")
    def _position_or_error(self) -> CheckInForm:
        if (self.lon is None) != (self.lat is None):
            raise ValueError("lon 与 lat 须同时提供")
        if self.lon is None and self.position_error is None:
            raise ValueError("报到须附现场定位（lon、lat），或以 position_error 说明无法定位的原因")
        if self.lon is not None and self.position_error is not None:
            raise ValueError("已有定位时不应再提供 position_error")
        return self


class ResultForm(StrictBody):
    """The text field of a result upload (multipart, beside the photos)."""

    note: str = Field(max_length=2000)


class PassForm(StrictBody):
    """The text field of a passed verification (multipart, beside the on-site photos)."""

    note: str = Field("", max_length=2000)


class FailForm(StrictBody):
    """The text field of a failed verification (multipart, beside the on-site photos)."""

    reason: str = Field(min_length=1, max_length=2000)


class OutcomeIn(StrictBody):
    """The grid worker's finding on one unit's result."""

    dispatch_id: uuid.UUID
    passed: bool
    reason: str = Field("", max_length=2000, description="required when not passed")


class DecisionForm(StrictBody):
    """The text fields of a visit's decision (multipart, beside the on-site photos)."""

    note: str = Field("", max_length=2000)
    outcomes: Json[Annotated[list[OutcomeIn], Field(min_length=1, max_length=50)]] = Field(
        description='JSON: [{"dispatch_id": "...", "passed": true}, {"dispatch_id": "...", "passed": false, '
        '"reason": "..."}], one per pending unit of the task'
    )


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


CHECK_IN_UPLOAD_SCHEMA = _upload_schema("note", required=False, photos_min=1)


CHECK_IN_UPLOAD_SCHEMA["properties"] |= {
    "lon": {"type": "number", "minimum": -180, "maximum": 180, "description": "WGS-84"},
    "lat": {"type": "number", "minimum": -90, "maximum": 90, "description": "WGS-84"},
    "accuracy_m": {"type": "number", "minimum": 0, "maximum": 100_000},
    "position_error": {"type": "string", "enum": ["denied", "unavailable", "timeout"]},
}


DECISION_UPLOAD_SCHEMA = _upload_schema("note", required=False)


DECISION_UPLOAD_SCHEMA["required"] = ["outcomes"]


DECISION_UPLOAD_SCHEMA["properties"]["outcomes"] = {
    "type": "string",
    "maxLength": 100_000,
    "description": "JSON array of {dispatch_id, passed, reason}: one per pending unit of the task",
}


PASS_UPLOAD_SCHEMA = _upload_schema("note", required=False)


FAIL_UPLOAD_SCHEMA = _upload_schema("reason", required=True, min_length=1)


def multipart_body(schema: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` of an endpoint whose multipart body is read as a stream (not by FastAPI)."""
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}
