"""Settings of the intake (`WHISTLE_REPORTS__...`), hung off `service.settings.Settings.reports`.

| setting | default | why |
|---|---|---|
| `idempotency_retention_days` | 30 | couriers stay offline for days; 24 h (Stripe) is too short for phones |
| `in_flight_timeout_s` | 30 | a `started` key this old was abandoned (a crash, a release lost to an outage) |
| `exif_time_old_hours` | 24 | a photo taken this much earlier than the report is suspicious |
| `exif_far_from_device_m` | 500 | EXIF position this far from the device fix is suspicious |
| `low_accuracy_m` | 100 | a fix worse than this cannot pick a grid reliably (grids are ~200 m) |
| `naive_exif_utc_offset_hours` | 8 | cameras without OffsetTime write local time: China Standard Time |
| `nearby_open_days` | 30 | the duplicate hint looks at open reports this recent |

The report id itself is unique forever: a retry after the key window still never makes a second report.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class ReportsSettings(BaseModel):
    idempotency_retention_days: int = Field(30, ge=1, description="Idempotency keys are kept this long.")
    in_flight_timeout_s: int = Field(30, ge=1, description="A claimed key older than this is abandoned.")
    exif_time_old_hours: float = Field(24.0, gt=0)
    exif_far_from_device_m: float = Field(500.0, gt=0)
    low_accuracy_m: float = Field(100.0, gt=0)
    naive_exif_utc_offset_hours: float = Field(8.0, ge=-14, le=14)
    nearby_open_days: int = Field(30, ge=1)
    nearby_max_radius_m: float = Field(1000.0, gt=0)
