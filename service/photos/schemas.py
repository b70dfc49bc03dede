"""Response shapes of photos (names fixed by notes/api-contract.md)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field


class PhotoPublic(BaseModel):
    id: uuid.UUID
    sha256: str = Field(description="SHA-256 of the original as uploaded")
    display_url: str
    thumb_url: str
