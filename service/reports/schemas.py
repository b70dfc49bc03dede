"""Response shapes of the reports API (names fixed by notes/api-contract.md)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from service.geography.schemas import RoutingPublic
from service.photos.schemas import PhotoPublic


class LocationPublic(BaseModel):
    lon: float = Field(description="As sent by the phone (in `datum`), or the EXIF GPS (WGS-84)")
    lat: float
    datum: str
    accuracy_m: float | None
    source: Literal["device", "exif"]


class FlagPublic(BaseModel):
    code: str = Field(
        description="photo_reused | exif_time_old | exif_far_from_device | low_accuracy | unrouted"
    )
    message: str


class ReportPublic(BaseModel):
    id: uuid.UUID
    category: str
    text: str
    status: str = Field(description="reported while in the command center's triage queue")
    created_at: datetime
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
    created_at: datetime
    thumb_url: str | None


# The multipart body of POST /api/v1/reports, for the OpenAPI document (the body is parsed as a stream).
REPORT_UPLOAD_SCHEMA = {
    "type": "object",
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
