"""The field app's answers: a whistle as a card, the case page, a finished dispatch with its score."""

from __future__ import annotations

import uuid
from decimal import Decimal

from pydantic import BaseModel, Field

from service.cases.schemas import CaseEventPublic, DispatchPhotoPublic, DispatchPublic, SupervisionPublic
from service.photos.schemas import PhotoPublic
from service.schemas import UtcDatetime


class FieldCasePublic(BaseModel):
    """The case as a card shows it."""

    id: uuid.UUID
    number: int
    state: str
    category_code: str
    category_name: str
    source: str
    command_level: str
    supervision: SupervisionPublic | None = Field(description="督办: the supervising office and deadline")


class PlacePublic(BaseModel):
    """Where the case lies, by name (never codes): 区 · 街道 · 社区 · 网格."""

    district: str | None
    street: str | None
    community: str | None
    grid: str | None
    label: str = Field(description='e.g. "丰满区 · 德胜街道 · 滨河社区9号网格"')


class ClockPublic(BaseModel):
    """The running clock: report in (报到) until the unit reports in, then handling (处置)."""

    kind: str = Field(description="check_in | handling")
    deadline: UtcDatetime


class PartnerPublic(BaseModel):
    """Another unit on a joint case (联合执法) and how far it is."""

    unit_id: uuid.UUID
    unit_name: str
    role: str
    state: str


class ScorePublic(BaseModel):
    """The dispatch's score (评价, out of 100) and its items (the rules' deductions)."""

    score: Decimal
    reason: str = Field(description="closed | sent_back | no_show | withdrawn")
    breakdown: list[dict[str, str]]
    evaluated_at: UtcDatetime


class FieldWhistlePublic(BaseModel):
    """One of the unit's dispatches as a card in the field app."""

    dispatch: DispatchPublic
    case: FieldCasePublic
    place: PlacePublic
    lon: float | None
    lat: float | None
    description: str = Field(description="The reporter's text")
    thumb_url: str | None = Field(description="The first report photo's thumbnail")
    clock: ClockPublic | None = Field(description="null: no clock runs (handled, in verification, finished)")
    partners: list[PartnerPublic] = Field(
        description="The other units of a joint case (withdrawn ones left out)"
    )


class FieldHistoryPublic(FieldWhistlePublic):
    """A finished dispatch (closed, sent back, withdrawn) with its score."""

    finished_at: UtcDatetime
    evaluation: ScorePublic | None


class FieldCasePagePublic(FieldWhistlePublic):
    """The case page: the card, the unit's name, the reporter's photos, the unit's own photos (报到, 处置,
    核查), the log of the case and of this dispatch, and the score once given."""

    unit_name: str
    photos: list[PhotoPublic] = Field(description="The reporter's photos (every report of the case)")
    my_photos: list[DispatchPhotoPublic]
    events: list[CaseEventPublic]
    evaluation: ScorePublic | None
