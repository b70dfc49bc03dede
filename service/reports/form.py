"""The text fields of a report upload (notes/api-contract.md), validated, and the request fingerprint.

The fingerprint (`request_hash`) is what "the same request" means for retries: SHA-256 over the
canonical form of the validated fields and each photo's SHA-256, in order. It ignores everything a
client may legitimately change between two sends of the same report: the multipart boundary, part
order of the text fields, file names, number formatting ("126.5" vs "126.50"), the offset a time was
written in.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from geo.crs import Datum
from service.photos.upload import parse_fields

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


class ReportForm(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

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


def parse_form(fields: Mapping[str, str]) -> ReportForm:
    """Validate the text fields; empty strings count as absent. Raises `Invalid` (422) with details."""
    return parse_fields(ReportForm, fields, empty_is_absent=True)


def request_hash(form: ReportForm, photo_sha256s: Sequence[str]) -> str:
    """SHA-256 (hex) of the canonical fields and the photos' hashes: equal exactly for the same report."""
    canonical: dict[str, Any] = {
        "id": str(form.id),
        "category": form.category,
        "text": form.text,
        "lon": form.lon,
        "lat": form.lat,
        "datum": form.datum.value,
        "accuracy_m": form.accuracy_m,
        "captured_at": form.captured_at.astimezone(UTC).isoformat() if form.captured_at else None,
        "photos": list(photo_sha256s),
    }
    encoded = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()
