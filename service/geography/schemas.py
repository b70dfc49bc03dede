"""Response shapes of the geography API (the README lists each interface)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from service.schemas import UtcDatetime

RoutingStatus = Literal["routed", "snapped", "unrouted"]


class DivisionRef(BaseModel):
    code: str
    name: str


class RoutedUnit(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    kind: str = Field(description="department kind code, e.g. public_security")
    role: Literal["primary", "joint", "street_team"]


class RoutingPublic(BaseModel):
    """Where a point lands: grid, community, street, district, the responsible units, and why."""

    status: RoutingStatus
    lon: float = Field(description="WGS-84 longitude used for routing (after datum conversion)")
    lat: float
    district: DivisionRef | None
    street: DivisionRef | None
    community: DivisionRef | None
    grid: DivisionRef | None
    snapped_distance_m: float | None = Field(description="distance to the grid when snapped, else null")
    units: list[RoutedUnit]
    trace: list[str]


class TimeLimitPublic(BaseModel):
    amount: Decimal
    unit: Literal["urgent_hours", "work_hours", "work_days", "natural_days"]


class CategoryPublic(BaseModel):
    code: str
    name: str
    major_code: str
    major_name: str
    primary_kind: str
    joint_kinds: list[str]
    on_street_list: bool
    report_in_limit: TimeLimitPublic
    handling_limit: TimeLimitPublic
    points: int


class DivisionSummary(BaseModel):
    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None
    valid_from: UtcDatetime
    valid_to: UtcDatetime | None
    is_demo: bool


class DivisionFeature(BaseModel):
    """A GeoJSON Feature (WGS-84) with the division's fields as properties."""

    type: Literal["Feature"] = "Feature"
    id: str
    geometry: dict[str, Any] | None
    properties: DivisionSummary


class DivisionCollection(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[DivisionFeature]


class UnitPublic(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    short_name: str
    kind: str
    kind_name: str
    level: str
    district_code: str | None
    street_code: str | None
    is_street_team: bool
    is_demo: bool


class PlacePublic(BaseModel):
    """A place found by name (the console's address search): where a case made by hand would stand."""

    kind: Literal["district", "street", "community", "grid", "unit", "station"]
    code: str
    name: str
    detail: str = Field(description="What it lies in (its parent division, a unit's kind) or an address")
    lon: float = Field(description="WGS-84: a point inside the division or jurisdiction, or the station")
    lat: float
