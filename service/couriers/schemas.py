"""Request and response models of the couriers domain."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from service.couriers.models import CompanyKind, CompanyLevel, EntryKind, ProgramType
from service.schemas import StrictBody, UtcDatetime

CommunityCode = Field(pattern=r"^[0-9]{12}$", description="12-digit community code")
GridCode = Annotated[str, Field(pattern=r"^[0-9]{15}$")]


class CompanyCreate(StrictBody):
    code: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    kind: CompanyKind | None = Field(None, description="Required for a company; branches inherit it.")
    level: CompanyLevel = CompanyLevel.company
    parent_id: uuid.UUID | None = None
    community_code: str | None = Field(None, pattern=r"^[0-9]{12}$", description="Where an outlet sits.")


class CompanyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    kind: CompanyKind
    level: CompanyLevel
    parent_id: uuid.UUID | None
    community_code: str | None
    is_demo: bool


class CompanyRef(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    kind: CompanyKind
    top_code: str
    top_name: str


class RiderRegister(StrictBody):
    company_id: uuid.UUID = Field(description="The company, branch or outlet the rider works for.")
    community_code: str = CommunityCode
    is_party_member: bool = False


class PersonRef(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str


class RiderPublic(BaseModel):
    user_id: uuid.UUID
    username: str
    display_name: str
    company: CompanyRef
    community_code: str
    community_name: str | None
    registered_at: UtcDatetime
    is_party_member: bool
    mobile_grid_worker: bool
    mobile_grid_worker_since: UtcDatetime | None
    grid_codes: list[str]
    grid_worker: PersonRef | None
    pairing_id: uuid.UUID | None


class RiderGridsUpdate(StrictBody):
    grid_codes: list[GridCode] = Field(max_length=200, description="15-digit grid codes the rider covers.")


class CandidatePublic(BaseModel):
    grid_worker: PersonRef
    shared_grids: list[str]


class PairingCreate(StrictBody):
    rider_id: uuid.UUID
    grid_worker_id: uuid.UUID | None = Field(
        None, description="Omit to pair with the grid worker sharing most of the rider's grids."
    )


class PairingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    grid_worker_id: uuid.UUID
    rider_id: uuid.UUID
    started_at: UtcDatetime
    ended_at: UtcDatetime | None


class PairedRiderPublic(BaseModel):
    pairing_id: uuid.UUID
    started_at: UtcDatetime
    rider: RiderPublic


class RiderReportPublic(BaseModel):
    id: uuid.UUID
    reporter: PersonRef
    category_code: str
    text: str
    created_at: UtcDatetime
    community_code: str | None
    grid_code: str | None
    case_state: str | None
    flags: list[str]


class PassCreate(StrictBody):
    community_code: str = CommunityCode
    rider_id: uuid.UUID
    valid_from: AwareDatetime
    valid_to: AwareDatetime


class PassPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: str
    community_code: str
    rider_id: uuid.UUID
    valid_from: UtcDatetime
    valid_to: UtcDatetime
    issued_at: UtcDatetime
    revoked_at: UtcDatetime | None


class GateEntryPublic(BaseModel):
    """What the gate shows (公示): no phone, no photo, the name's middle masked."""

    model_config = ConfigDict(from_attributes=True)

    number: str
    rider_name: str
    company: str
    outlet: str | None
    mobile_grid_worker: bool
    valid_from: UtcDatetime
    valid_to: UtcDatetime


class ProgramCreate(StrictBody):
    community_code: str = CommunityCode
    type: ProgramType
    kind: str = Field(min_length=1, max_length=32, description="e.g. hazard_snap, love_delivery, red_errand")
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    points: int = Field(ge=0, le=10000)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    capacity: int | None = Field(None, ge=1, le=100_000)


class ProgramPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    community_code: str
    type: ProgramType
    kind: str
    title: str
    description: str
    points: int
    starts_at: UtcDatetime | None
    ends_at: UtcDatetime | None
    capacity: int | None
    is_demo: bool


class ParticipationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    program_id: uuid.UUID
    rider_id: uuid.UUID
    joined_at: UtcDatetime
    confirmed_at: UtcDatetime | None


class ConfirmationPublic(BaseModel):
    participation: ParticipationPublic
    points_entry_id: int | None = Field(description="The ledger line; null when it was written before.")


class ProgramCountPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    group: str
    name: str
    type: ProgramType
    programs: int
    participations: int
    confirmed: int


class ItemCreate(StrictBody):
    community_code: str = CommunityCode
    name: str = Field(min_length=1, max_length=200)
    cost: int = Field(gt=0, le=1_000_000)
    stock: int = Field(ge=0, le=1_000_000)


class ItemUpdate(StrictBody):
    add_stock: int = Field(0, ge=-1_000_000, le=1_000_000)
    active: bool | None = None


class ItemPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    community_code: str
    name: str
    cost: int
    stock: int
    active: bool


class RedeemRequest(StrictBody):
    item_id: uuid.UUID
    id: uuid.UUID | None = Field(
        None, description="A client-made id: a retry with it returns the first answer."
    )


class RedemptionPublic(BaseModel):
    id: uuid.UUID
    item_id: uuid.UUID
    item_name: str
    cost: int
    at: UtcDatetime
    balance: int = Field(description="The balance after this redemption (now, for a replay).")


class PointsEntryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: EntryKind
    amount: int
    reference_type: str
    reference_id: str
    reverses_id: int | None
    note: str
    at: UtcDatetime


class PointsPublic(BaseModel):
    balance: int
    earned: int
    spent: int
    reversed: int
    entries: list[PointsEntryPublic]
    next_before_id: int | None = Field(description="Pass as before_id for older entries.")


class ReportOutcomePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    report_id: uuid.UUID
    event_id: int
    outcome: str = Field(
        description="awarded, reversed, voided, merged, flagged:<flags>, photo_already_rewarded …"
    )
    entry_id: int | None
    at: UtcDatetime


class SettledPublic(BaseModel):
    events: int


class GroupCountPublic(BaseModel):
    group: str
    name: str
    registered: int
    mobile_grid_workers: int
    paired: int
    valid_passes: int


class CourierStatsPublic(BaseModel):
    registered: int
    mobile_grid_workers: int
    paired: int
    grid_workers_paired: int
    valid_passes: int
    by_community: list[GroupCountPublic]
    by_company: list[GroupCountPublic]
