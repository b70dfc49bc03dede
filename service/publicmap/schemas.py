"""Answers of the public map API (anonymous)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

from service.schemas import UtcDatetime


class StationPublic(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    address: str
    lon: float
    lat: float
    services: list[str] = Field(description="drinking_water, charging, toilet, rest, microwave, heating")
    opening_hours: dict[str, list[list[str]]] = Field(
        description='Per weekday [open, close] ranges, e.g. {"mon": [["08:00", "20:00"]]}; a close at or '
        "before the open time runs past midnight."
    )
    always_open: bool
    open_now: bool
    operator: str
    community_code: str | None
    is_demo: bool
    distance_m: float | None = Field(None, description="Metres from the asked point (nearest only).")


class CommunityRef(BaseModel):
    code: str
    name: str


class FirstSecretary(BaseModel):
    role: str
    name: str


class PairingPublic(BaseModel):
    """包联点位: a municipal unit paired with a community."""

    id: uuid.UUID
    code: str
    unit_name: str
    community: CommunityRef
    lon: float
    lat: float
    first_secretary: FirstSecretary
    liaison_name: str | None
    projects: list[str]
    is_demo: bool


class PhotoLinks(BaseModel):
    display_url: str
    thumb_url: str


class PublicReportPublic(BaseModel):
    """A report as the public sees it: the centre of its cell, never the exact point; no reporter."""

    id: uuid.UUID
    category: str
    category_name: str
    state: str
    status: Literal["open", "closed"]
    status_notes: str
    created_at: UtcDatetime
    updated_at: UtcDatetime
    lon: float
    lat: float
    coarsened_to_m: float
    district_code: str | None
    street_code: str | None
    community_code: str | None
    photos: list[PhotoLinks]


class CommercialStreetPublic(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    description: str
    geometry: dict[str, Any]
    is_demo: bool
