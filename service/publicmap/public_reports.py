"""The publication policy: what the public may see of a report, in one place, for every public interface
(the public API, the OGC `reports` collection, Open311's GET requests, the public report tiles).

* **Which reports**: cases the command center has accepted (filed → closed, `PUBLIC_STATES`); never a
  report still awaiting triage, one rejected as 不予立案 (voided) or one merged into another case.
* **Where**: the centre of the cell holding the report (`geo.coarsen`: cells about `coarsen_m` wide on a
  grid that covers the whole Earth), never the point itself. A bounding box filters on that centre, so
  a box query cannot narrow a report down further than its cell.
* **What**: category, status (open/closed) with the state in words, times, district, street and
  community codes, and the public photo derivatives as absolute URLs. Never the reporter, the free
  text (it may name people or homes), the exact position, an original photo or the routing trace.

One exception, for Open311 partners: a partner that sends its API key reads back the requests it filed
itself in every state, with their description (`disclose=True`, used only by `service.open311`).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.coarsen import cell_centre_sql
from geo.crs import M_PER_DEG
from service.cases.states import FINISHED_STATES, IN_PROGRESS_STATES, CaseState, values
from service.settings import PublicMapSettings

PUBLIC_OPEN_STATES = tuple(values(IN_PROGRESS_STATES))
PUBLIC_CLOSED_STATES = (CaseState.CLOSED.value,)
PUBLIC_STATES = PUBLIC_OPEN_STATES + PUBLIC_CLOSED_STATES
CLOSED_STATES = tuple(values(FINISHED_STATES))

STATUS_NOTES = {
    "reported": "已受理，待指挥中心研判",
    "filed": "已立案",
    "on_hold": "暂缓处理",
    "dispatched": "已派遣至责任单位",
    "checked_in": "责任单位已报到，正在处置",
    "handled": "已处置，待核查",
    "verifying": "网格员核查中",
    "closed": "已办结",
    "voided": "不予立案",
    "merged": "已与同一事件合并",
}

# A photo key of the store → its absolute public URL (the caller knows the store and the request).
Link = Callable[[str], str]


@dataclass(frozen=True)
class ReportFilter:
    bbox: tuple[float, float, float, float] | None = None
    ids: list[uuid.UUID] | None = None
    category_codes: list[str] | None = None
    status: Literal["open", "closed"] | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None  # exclusive
    after_id: uuid.UUID | None = None  # keyset: id > after_id (ascending order)
    before_id: uuid.UUID | None = None  # keyset: id < before_id (read descending, returned ascending)
    older_than: tuple[datetime, uuid.UUID] | None = None  # keyset of "newest": (created_at, id) < this


@dataclass(frozen=True)
class PublicReport:
    id: uuid.UUID
    category_code: str
    category_name: str
    state: str
    status: Literal["open", "closed"]
    status_notes: str
    created_at: datetime
    updated_at: datetime
    lon: float
    lat: float
    district_code: str | None
    street_code: str | None
    community_code: str | None
    photos: list[dict[str, str]] = field(default_factory=list)
    description: str | None = None  # disclosed to the Open311 partner that filed it, else None


def coarse_lateral(geom: str = "r.geom") -> str:
    """A LATERAL join giving `coarse.pt`: the centre of the cell of the point `geom` (WGS-84), for cells
    `:cell` metres wide."""
    lon, lat = cell_centre_sql(f"ST_X({geom})", f"ST_Y({geom})", "CAST(:cell AS double precision)")
    return f"CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326) AS pt) AS coarse"


def bbox_pad(bbox: tuple[float, float, float, float], cell_m: float) -> tuple[float, float]:
    """How far (degrees of longitude, of latitude) a point may lie outside `bbox` while its cell centre
    lies inside: half a cell, with room to spare, widest at the box's highest latitude."""
    highest = min(max(abs(bbox[1]), abs(bbox[3])), 89.9)
    pad_lat = cell_m / M_PER_DEG
    pad_lon = min(360.0, 2.0 * cell_m / (M_PER_DEG * math.cos(math.radians(highest))))
    return pad_lon, 2.0 * pad_lat


REPORT_FROM = f"""
FROM reports r
LEFT JOIN cases c ON c.id = r.case_id
{coarse_lateral()}
"""


def _where(filt: ReportFilter, disclose: bool, params: dict[str, Any]) -> str:
    clauses = []
    if not disclose:
        params["states"] = list(PUBLIC_STATES)
        clauses.append("coalesce(c.state, 'reported') = ANY(:states)")
    if filt.bbox is not None:
        x0, y0, x1, y1 = filt.bbox
        params.update(x0=x0, y0=y0, x1=x1, y1=y1)
        params["pad_x"], params["pad_y"] = bbox_pad(filt.bbox, params["cell"])
        clauses.append("r.geom && ST_Expand(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326), :pad_x, :pad_y)")
        clauses.append("ST_Intersects(coarse.pt, ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326))")
    if filt.ids is not None:
        params["ids"] = filt.ids
        clauses.append("r.id = ANY(:ids)")
    if filt.category_codes:
        params["categories"] = filt.category_codes
        clauses.append("r.category_code = ANY(:categories)")
    if filt.status is not None:
        params["closed_states"] = list(CLOSED_STATES)
        negate = "NOT " if filt.status == "open" else ""
        clauses.append(f"{negate}(coalesce(c.state, 'reported') = ANY(:closed_states))")
    if filt.created_from is not None:
        params["created_from"] = filt.created_from
        clauses.append("r.created_at >= :created_from")
    if filt.created_to is not None:
        params["created_to"] = filt.created_to
        clauses.append("r.created_at < :created_to")
    if filt.after_id is not None:
        params["after_id"] = filt.after_id
        clauses.append("r.id > :after_id")
    if filt.before_id is not None:
        params["before_id"] = filt.before_id
        clauses.append("r.id < :before_id")
    if filt.older_than is not None:
        params["older_at"], params["older_id"] = filt.older_than
        clauses.append("(r.created_at, r.id) < (CAST(:older_at AS timestamptz), CAST(:older_id AS uuid))")
    return " AND ".join(clauses) or "TRUE"


ORDERS = {
    "id": "r.id ASC",
    "id_desc": "r.id DESC",
    "newest": "r.created_at DESC, r.id DESC",
}


def list_public_reports(
    *,
    session: Session,
    settings: PublicMapSettings,
    filt: ReportFilter,
    limit: int,
    link: Link,
    order: Literal["id", "id_desc", "newest"] = "newest",
    disclose: bool = False,
) -> list[PublicReport]:
    """Reports as the public may see them. `disclose` (Open311 partners, their own requests only, which
    the caller names in `filt.ids`) adds every state and the description."""
    params: dict[str, Any] = {"cell": settings.coarsen_m, "limit": limit}
    where = _where(filt, disclose, params)
    sql = f"""
        SELECT r.id, r.category_code, coalesce(cat.name, r.category_code) AS category_name,
               coalesce(c.state, 'reported') AS state, r.created_at, r.text,
               greatest(r.created_at, coalesce(c.updated_at, r.created_at)) AS updated_at,
               ST_X(coarse.pt) AS lon, ST_Y(coarse.pt) AS lat,
               r.district_code, r.street_code, r.community_code,
               (SELECT coalesce(json_agg(json_build_array(p.display_key, p.thumb_key) ORDER BY p.position),
                                '[]'::json)
                  FROM photos p WHERE p.report_id = r.id) AS photos
        {REPORT_FROM}
        LEFT JOIN categories cat ON cat.code = r.category_code
        WHERE {where}
        ORDER BY {ORDERS[order]}
        LIMIT :limit
    """
    rows = session.execute(text(sql), params).mappings().all()
    return [
        PublicReport(
            id=row["id"],
            category_code=row["category_code"],
            category_name=row["category_name"],
            state=row["state"],
            status="closed" if row["state"] in CLOSED_STATES else "open",
            status_notes=STATUS_NOTES.get(row["state"], row["state"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            lon=float(row["lon"]),
            lat=float(row["lat"]),
            district_code=row["district_code"],
            street_code=row["street_code"],
            community_code=row["community_code"],
            photos=[{"display_url": link(d), "thumb_url": link(t)} for d, t in row["photos"]],
            description=(row["text"] or None) if disclose else None,
        )
        for row in rows
    ]


def count_public_reports(*, session: Session, settings: PublicMapSettings, filt: ReportFilter) -> int:
    params: dict[str, Any] = {"cell": settings.coarsen_m}
    where = _where(filt, False, params)
    return int(session.execute(text(f"SELECT count(*) {REPORT_FROM} WHERE {where}"), params).scalar_one())
