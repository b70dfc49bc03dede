"""Reports as the public may see them: coarsened positions, public photo derivatives, no reporter, no text.

One query serves the public API, the OGC "reports" collection, the public tile layer and Open311:

* the position is the centre of the cell (``coarsen_m`` wide, in a metric projection) holding the
  stored point: never the point itself. Filters by bounding box apply to that centre, so a box query
  cannot narrow a report down further than its cell;
* photos are the published derivatives only (``/media/public/<key>``); the originals stay private;
* neither the reporter, nor the free text (which may name people or homes), nor the exact routing
  trace leaves this module.

``visibility`` picks which states are shown: the public map shows cases the command center has
accepted (filed → closed); Open311 also shows reports still in triage and voided or merged ones, so a
hotline can follow what it submitted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.orm import Session

from service.cases.states import FINISHED_STATES, IN_PROGRESS_STATES, CaseState, values
from service.settings import PublicMapSettings

PUBLIC_OPEN_STATES = tuple(values(IN_PROGRESS_STATES))
PUBLIC_CLOSED_STATES = (CaseState.CLOSED.value,)
CLOSED_STATES = tuple(values(FINISHED_STATES))
MEDIA_PREFIX = "/media/public/"

Visibility = Literal["public_map", "open311"]

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


def _state_list(visibility: Visibility) -> tuple[str, ...]:
    if visibility == "public_map":
        return PUBLIC_OPEN_STATES + PUBLIC_CLOSED_STATES
    return ("reported", *PUBLIC_OPEN_STATES, *CLOSED_STATES)


# Fixed SQL; every value is a bind parameter.
COARSE_FROM = """
FROM reports r
LEFT JOIN cases c ON c.id = r.case_id
CROSS JOIN LATERAL (SELECT ST_Transform(r.geom, :srid) AS m) AS metric
CROSS JOIN LATERAL (
    SELECT ST_Transform(ST_SetSRID(ST_MakePoint(
        floor(ST_X(metric.m) / :cell) * :cell + :cell / 2.0,
        floor(ST_Y(metric.m) / :cell) * :cell + :cell / 2.0), :srid), 4326) AS pt
) AS coarse
"""


def coarse_params(settings: PublicMapSettings) -> dict[str, Any]:
    return {"srid": settings.coarsen_srid, "cell": settings.coarsen_m}


def _where(filt: ReportFilter, visibility: Visibility, params: dict[str, Any]) -> str:
    clauses = ["coalesce(c.state, 'reported') = ANY(:states)"]
    params["states"] = list(_state_list(visibility))
    if filt.bbox is not None:
        x0, y0, x1, y1 = filt.bbox
        params.update(x0=x0, y0=y0, x1=x1, y1=y1)
        # A degree of longitude is >= 55 km up to 60° N: two cells of padding always reach the centre.
        params["pad"] = 2.0 * params["cell"] / 55_000.0
        clauses.append("r.geom && ST_Expand(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326), :pad)")
        clauses.append("ST_Intersects(coarse.pt, ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326))")
    if filt.ids is not None:
        params["ids"] = filt.ids
        clauses.append("r.id = ANY(:ids)")
    if filt.category_codes:
        params["categories"] = filt.category_codes
        clauses.append("r.category_code = ANY(:categories)")
    if filt.status == "open":
        params["closed_states"] = list(CLOSED_STATES)
        clauses.append("NOT (coalesce(c.state, 'reported') = ANY(:closed_states))")
    elif filt.status == "closed":
        params["closed_states"] = list(CLOSED_STATES)
        clauses.append("coalesce(c.state, 'reported') = ANY(:closed_states)")
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
    return " AND ".join(clauses)


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
    order: Literal["id", "id_desc", "newest"] = "newest",
    visibility: Visibility = "public_map",
) -> list[PublicReport]:
    params = coarse_params(settings)
    where = _where(filt, visibility, params)
    params["limit"] = limit
    sql = f"""
        SELECT r.id, r.category_code, coalesce(cat.name, r.category_code) AS category_name,
               coalesce(c.state, 'reported') AS state, r.created_at,
               greatest(r.created_at, coalesce(c.updated_at, r.created_at)) AS updated_at,
               ST_X(coarse.pt) AS lon, ST_Y(coarse.pt) AS lat,
               r.district_code, r.street_code, r.community_code,
               (SELECT coalesce(json_agg(json_build_object(
                        'display_url', :media || p.display_key, 'thumb_url', :media || p.thumb_key)
                        ORDER BY p.position), '[]'::json)
                  FROM photos p WHERE p.report_id = r.id) AS photos
        {COARSE_FROM}
        LEFT JOIN categories cat ON cat.code = r.category_code
        WHERE {where}
        ORDER BY {ORDERS[order]}
        LIMIT :limit
    """
    params["media"] = MEDIA_PREFIX
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
            photos=list(row["photos"]),
        )
        for row in rows
    ]


def count_public_reports(
    *,
    session: Session,
    settings: PublicMapSettings,
    filt: ReportFilter,
    visibility: Visibility = "public_map",
) -> int:
    params = coarse_params(settings)
    where = _where(filt, visibility, params)
    sql = f"SELECT count(*) {COARSE_FROM} WHERE {where}"
    return int(session.execute(text(sql), params).scalar_one())
