"""Request and response models of the supervising offices' administration."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from service.schemas import StrictBody, UtcDatetime


class OfficePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    district_code: str | None = Field(description="The district whose office it is; null: a city office.")
    active: bool
    is_demo: bool = Field(description="Invented for the demo (the source account names the others).")
    created_at: UtcDatetime


class OfficeCreate(StrictBody):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=2, max_length=100)
    district_code: str | None = Field(None, pattern=r"^\d{6}$")
