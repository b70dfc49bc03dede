"""Query and path parameters that several routers share, each declared with its bounds.

Every number a request may carry is bounded where it is declared (`Query(ge=..., le=...)`), so the
OpenAPI document shows both ends and a value beyond them is refused before any work (422; 400 on the
OGC routes) — no number reaches the service layer unbounded (a `timedelta` of 10¹¹ minutes is a 500,
an OverflowError). Floats also refuse NaN and the infinities (`allow_inf_nan=False`): `lon=NaN` is
"Input should be a finite number", not a misleading "less than or equal to 180".

Page sizes and cursors (`Limit`, `Cursor`) are declared here too; `service.paging` reads them and
writes the next page's link. The test `tests/service/test_params.py` walks the OpenAPI document and
holds every integer and number parameter of every route to this.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

# ---------------------------------------------------------------- places

Longitude = Annotated[
    float, Query(ge=-180, le=180, allow_inf_nan=False, description="Longitude in degrees (−180 to 180).")
]
Latitude = Annotated[
    float, Query(ge=-90, le=90, allow_inf_nan=False, description="Latitude in degrees (−90 to 90).")
]
# The duplicate hint's radius: the settings may lower the largest radius (`nearby_max_radius_m`), never
# raise it past this.
MAX_RADIUS_M = 10_000.0
RadiusMetres = Annotated[
    float,
    Query(
        gt=0,
        le=MAX_RADIUS_M,
        allow_inf_nan=False,
        description="Metres (geodesic); at most WHISTLE_REPORTS__NEARBY_MAX_RADIUS_M (default 1000).",
    ),
]

# ---------------------------------------------------------------- times

# Ages of reports in the triage queue: up to ten years, in minutes.
MAX_AGE_MINUTES = 10 * 366 * 24 * 60
AgeMinutes = Annotated[int | None, Query(ge=0, le=MAX_AGE_MINUTES, description="Minutes (0 to ten years).")]
# Intervals of the live feed (seconds): a heartbeat, a red-clock check.
FeedSeconds = Annotated[float, Query(ge=0.2, le=60, allow_inf_nan=False, description="Seconds (0.2 to 60).")]

# ---------------------------------------------------------------- tiles

MAX_ZOOM = 22
Zoom = Annotated[int, Path(ge=0, le=MAX_ZOOM, description="Zoom level (0 to 22).")]
TileIndex = Annotated[
    int, Path(ge=0, le=2**MAX_ZOOM - 1, description="Tile column or row (0 to 2^zoom − 1).")
]

# ---------------------------------------------------------------- paging

# Row ids of the ledgers and logs paged by `before_id` (PostgreSQL bigint).
MAX_ROW_ID = 2**63 - 1
BeforeId = Annotated[
    int | None, Query(ge=1, le=MAX_ROW_ID, description="The smallest id of the page seen: older rows.")
]

PAGE_DEFAULT = 100
PAGE_MAX = 500
MAX_CURSOR_CHARS = 512
Limit = Annotated[int, Query(ge=1, le=PAGE_MAX, description=f"Page size (1 to {PAGE_MAX}).")]
Cursor = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=MAX_CURSOR_CHARS,
        description='Opaque: the `X-Next-Cursor` header (or the `Link: rel="next"` URL) of the page '
        "before. Absent: the first page.",
    ),
]
