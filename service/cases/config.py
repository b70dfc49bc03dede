"""Settings of the case workflow (`WHISTLE_CASES__...`), hung off `service.settings.Settings.cases`.

| setting | default | why |
|---|---|---|
| `verification_min_photos` | 1 | 核查 is on site: pass or fail needs a photo taken there (0: optional) |
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class CasesSettings(BaseModel):
    verification_min_photos: int = Field(
        1, ge=0, le=9, description="Photos a grid worker must take on site to pass or fail a verification."
    )
