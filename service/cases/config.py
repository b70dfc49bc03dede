"""Settings of the case workflow (`WHISTLE_CASES__...`), hung off `service.settings.Settings.cases`.

| setting | default | why |
|---|---|---|
| `verification_min_photos` | 1 | 核查 is on site: pass or fail needs a photo taken there (0: optional) |
| `verification_far_m` | 300 | a verification photo whose GPS is farther from the case is flagged |
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class CasesSettings(BaseModel):
    verification_min_photos: int = Field(
        1, ge=0, le=9, description="Photos a grid worker must take on site to pass or fail a verification."
    )
    verification_far_m: float = Field(
        300.0, gt=0, description="A verification photo taken farther than this from the case is flagged."
    )
