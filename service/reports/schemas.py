"""Response shapes of the reports API (the README lists each interface)."""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from geo.crs import Datum
from service.cases.schemas import SupervisionRequest as CaseSupervisionRequest
from service.geography.schemas import RoutingPublic
from service.photos.schemas import FlagPublic, PhotoPublic
from service.schemas import StrictBody, UtcDatetime


class LocationPublic(BaseModel):
    lon: float = Field(description="As sent by the phone (in `datum`), or the EXIF GPS (WGS-84)")
    lat: float
    datum: str
    accuracy_m: float | None
    source: Literal["device", "exif"]


class ReportPublic(BaseModel):
    id: uuid.UUID
    category: str
    text: str
    status: str = Field(description="reported while in the command center's triage queue")
    created_at: UtcDatetime
    location: LocationPublic
    routing: RoutingPublic
    flags: list[FlagPublic]
    photos: list[PhotoPublic]


class NearbyReportPublic(BaseModel):
    id: uuid.UUID
    category: str
    text: str
    status: str
    distance_m: float
    created_at: UtcDatetime
    thumb_url: str | None


# The multipart body of POST /api/v1/reports, for the OpenAPI document (the body is parsed as a stream).
REPORT_UPLOAD_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "category", "photos"],
    "properties": {
        "id": {"type": "string", "format": "uuid", "description": "report id generated on the phone"},
        "category": {"type": "string", "description": "event category code, e.g. 0501"},
        "text": {"type": "string", "maxLength": 2000},
        "lon": {"type": "number", "description": "device fix, in `datum`"},
        "lat": {"type": "number"},
        "datum": {"type": "string", "enum": ["wgs84", "cgcs2000", "gcj02", "bd09"], "default": "wgs84"},
        "accuracy_m": {"type": "number", "minimum": 0},
        "captured_at": {"type": "string", "format": "date-time", "description": "ISO 8601 with offset"},
        "photos": {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "minItems": 1,
            "maxItems": 9,
            "description": "JPEG, HEIC/HEIF, PNG or WebP",
        },
    },
}


MAX_TEXT_CHARS = 2000


def _finite(value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("needs a UTC offset, e.g. 2026-11-27T08:30:00+08:00")
    return value


class DeviceFix(BaseModel):
    """The phone's position as sent: coordinates in `datum`, horizontal accuracy in metres."""

    lon: float
    lat: float
    datum: Datum
    accuracy_m: float | None


class ReportForm(StrictBody):
    model_config = ConfigDict(str_strip_whitespace=True)

    id: uuid.UUID = Field(description="The report's id, generated on the phone when the report is made.")
    category: str = Field(min_length=1, max_length=16, pattern=r"^[0-9A-Za-z_]+$")
    text: str = Field("", max_length=MAX_TEXT_CHARS)
    lon: Annotated[float | None, AfterValidator(_finite)] = Field(None, ge=-180, le=180)
    lat: Annotated[float | None, AfterValidator(_finite)] = Field(None, ge=-90, le=90)
    datum: Datum = Datum.WGS84
    accuracy_m: Annotated[float | None, AfterValidator(_finite)] = Field(None, ge=0)
    captured_at: Annotated[datetime | None, AfterValidator(_aware)] = None

    @model_validator(mode="after")
    def _both_coordinates(self) -> ReportForm:
        if (self.lon is None) != (self.lat is None):
            raise ValueError("lon and lat come together: send both or neither")
        return self

    @property
    def device_fix(self) -> DeviceFix | None:
        if self.lon is None or self.lat is None:
            return None
        return DeviceFix(lon=self.lon, lat=self.lat, datum=self.datum, accuracy_m=self.accuracy_m)


class PlaceRef(StrictBody):
    """A place picked from `GET /api/v1/console/places` (its kind and code)."""

    kind: Literal["district", "street", "community", "grid", "unit", "station"]
    code: str = Field(min_length=1, max_length=64)


class HandMadeCaseRequest(StrictBody):
    """A case made by hand at the console (a phone call, a referral, the street's own inspection)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    category: str = Field(min_length=1, max_length=16, pattern=r"^[0-9A-Za-z_]+$")
    description: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    source: Literal["hotline", "referral", "inspection"] = Field(
        description="hotline (12345热线) | referral (督办交办) | inspection (街道自查/巡查)"
    )
    source_ref: str | None = Field(None, max_length=64, description="Hotline ticket or referral number")
    caller_name: str | None = Field(None, max_length=50, description="Private: the command center only")
    caller_phone: str | None = Field(
        None, max_length=32, pattern=r"^[0-9+()\- ]{3,32}$", description="Private: the command center only"
    )
    lon: Annotated[float | None, AfterValidator(_finite)] = Field(None, ge=-180, le=180)
    lat: Annotated[float | None, AfterValidator(_finite)] = Field(None, ge=-90, le=90)
    datum: Datum = Datum.WGS84
    place: PlaceRef | None = Field(None, description="Instead of lon/lat: a place from the place search")
    supervision: CaseSupervisionRequest | None = Field(None, description="督办: office, deadline, note")
    note: str = Field("", max_length=2000, description="The command center's note on filing")

    @model_validator(mode="after")
    def _one_position(self) -> HandMadeCaseRequest:
        point = self.lon is not None or self.lat is not None
        if point and (self.lon is None or self.lat is None):
            raise PydanticCustomError("position", "位置：经度 lon 和纬度 lat 须同时给出")
        if point == (self.place is not None):
            raise PydanticCustomError(
                "position", "位置：请给出经纬度（lon/lat）或地点搜索中的一个地点（place），二者选一"
            )
        return self
