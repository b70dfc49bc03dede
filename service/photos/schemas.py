"""Response shapes of photos, and of the integrity flags their facts raise."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field


class PhotoPublic(BaseModel):
    id: uuid.UUID
    sha256: str = Field(description="SHA-256 of the original as uploaded")
    display_url: str
    thumb_url: str


class FlagPublic(BaseModel):
    """An integrity flag of a report or a verification (what its photos and position suggest); flags
    never refuse anything, they tell the command center what to look at."""

    code: str = Field(
        description="reports: photo_reused | exif_time_old | exif_far_from_device | "
        "exif_positions_disagree | low_accuracy | unrouted | outside_city | near_duplicate; "
        "verifications: photo_reused | photo_before_result | photo_far_from_case"
    )
    message: str
