"""Queries of the public map: stations (with "open now" and nearest-by-service), pairing points, streets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.opening_hours import minute_of_week
from service.errors import Invalid
from service.publicmap.models import STATION_SERVICES

STATION_COLUMNS = """
    s.id, s.code, s.name, s.address, ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat, s.services,
    s.opening_hours, s.always_open, s.operator, s.community_code, s.is_demo
"""


@dataclass(frozen=True)
class StationRow:
    values: dict[str, Any]
    open_now: bool
    distance_m: float | None = None


def local_minute_of_week(at: datetime, timezone: str) -> int:
    """The minute of the week on the city's wall clock: what opening hours are written in."""
    return minute_of_week(at.astimezone(ZoneInfo(timezone)))


def check_services(services: list[str]) -> list[str]:
    unknown = sorted(set(services) - set(STATION_SERVICES))
    if unknown:
        raise Invalid(
            f"unknown service(s) {', '.join(unknown)}; choose from {', '.join(STATION_SERVICES)}",
            details={"unknown": unknown},
        )
    return sorted(set(services))


def _station_filters(
    services: list[str], open_minute: int | None, open_only: bool, params: dict[str, Any]
) -> list[str]:
    clauses = ["s.services @> CAST(:services AS text[])"]
    params["services"] = check_services(services)
    params["minute"] = open_minute if open_minute is not None else -1
    if open_only:
        clauses.append("s.open_minutes @> CAST(:minute AS integer)")
    return clauses


def list_stations(
    *,
    session: Session,
    services: list[str],
    at: datetime,
    timezone: str,
    open_now: bool = False,
    bbox: tuple[float, float, float, float] | None = None,
    after_code: str | None = None,
    limit: int | None = None,
) -> list[StationRow]:
    """Stations by code; a page of `limit` after the code `after_code`."""
    minute = local_minute_of_week(at, timezone)
    params: dict[str, Any] = {"limit": limit}
    clauses = _station_filters(services, minute, open_now, params)
    if bbox is not None:
        params.update(x0=bbox[0], y0=bbox[1], x1=bbox[2], y1=bbox[3])
        clauses.append("ST_Intersects(s.geom, ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326))")
    if after_code is not None:
        params["after_code"] = after_code
        clauses.append("s.code > :after_code")
    sql = f"""
        SELECT {STATION_COLUMNS}, s.open_minutes @> CAST(:minute AS integer) AS open_now
        FROM stations s WHERE {" AND ".join(clauses)} ORDER BY s.code LIMIT :limit
    """
    rows = session.execute(text(sql), params).mappings().all()
    return [StationRow(dict(r), bool(r["open_now"])) for r in rows]


def nearest_stations(
    *,
    session: Session,
    lon: float,
    lat: float,
    services: list[str],
    at: datetime,
    timezone: str,
    open_now: bool = True,
    limit: int = 5,
) -> list[StationRow]:
    """The nearest stations offering every requested service (and open now, unless told otherwise).

    The GiST index on the geography column walks stations by (spherical) distance with the filters
    applied inside the scan (KNN ``<->``); a margin of extra candidates is then ordered by the exact
    spheroidal distance, which is what the answer reports, in metres.
    """
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise Invalid("lon must be within ±180 and lat within ±90")
    minute = local_minute_of_week(at, timezone)
    params: dict[str, Any] = {"lon": lon, "lat": lat, "candidates": 2 * limit + 16, "limit": limit}
    clauses = _station_filters(services, minute, open_now, params)
    sql = f"""
        WITH here AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography AS g),
        candidates AS (
            SELECT s.* FROM stations s, here
            WHERE {" AND ".join(clauses)}
            ORDER BY s.geog <-> here.g
            LIMIT :candidates
        )
        SELECT {STATION_COLUMNS}, s.open_minutes @> CAST(:minute AS integer) AS open_now,
               ST_Distance(s.geog, here.g, true) AS distance_m
        FROM candidates s, here
        ORDER BY distance_m, s.code
        LIMIT :limit
    """
    rows = session.execute(text(sql), params).mappings().all()
    return [StationRow(dict(r), bool(r["open_now"]), float(r["distance_m"])) for r in rows]


PAIRING_COLUMNS = """
    p.id, p.code, p.unit_name, p.community_code,
    coalesce(nullif(p.community_name, ''), c.name, '') AS community_name,
    ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat, p.first_secretary_role, p.first_secretary_name,
    p.liaison_name, p.projects, p.is_demo
"""


def list_pairings(
    *,
    session: Session,
    bbox: tuple[float, float, float, float] | None = None,
    community_code: str | None = None,
    after_code: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Pairing points by code; a page of `limit` after the code `after_code`."""
    params: dict[str, Any] = {"limit": limit}
    clauses = ["TRUE"]
    if after_code is not None:
        params["after_code"] = after_code
        clauses.append("p.code > :after_code")
    if bbox is not None:
        params.update(x0=bbox[0], y0=bbox[1], x1=bbox[2], y1=bbox[3])
        clauses.append("ST_Intersects(p.geom, ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326))")
    if community_code is not None:
        params["community"] = community_code
        clauses.append("p.community_code = :community")
    sql = f"""
        SELECT {PAIRING_COLUMNS}
        FROM pairings p
        LEFT JOIN communities c ON c.code = p.community_code AND c.valid_to IS NULL
        WHERE {" AND ".join(clauses)} ORDER BY p.code LIMIT :limit
    """
    return [dict(r) for r in session.execute(text(sql), params).mappings().all()]


def list_commercial_streets(*, session: Session, limit: int | None = None) -> list[dict[str, Any]]:
    sql = """
        SELECT id, code, name, description, ST_AsGeoJSON(geom, 7)::json AS geometry, is_demo
        FROM commercial_streets ORDER BY code LIMIT :limit
    """
    return [dict(r) for r in session.execute(text(sql), {"limit": limit}).mappings().all()]


def parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    """``minlon,minlat,maxlon,maxlat`` (WGS-84) → a tuple; None when absent."""
    if value is None or value.strip() == "":
        return None
    try:
        parts = [float(p) for p in value.split(",")]
    except ValueError:
        raise Invalid(f"bbox {value!r}: four numbers minlon,minlat,maxlon,maxlat expected") from None
    if len(parts) == 6:  # OGC allows a 3D box: drop the heights
        parts = [parts[0], parts[1], parts[3], parts[4]]
    if len(parts) != 4:
        raise Invalid(f"bbox {value!r}: four numbers minlon,minlat,maxlon,maxlat expected")
    x0, y0, x1, y1 = parts
    if not (-180 <= x0 <= 180 and -180 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise Invalid(f"bbox {value!r}: outside WGS-84 or minlat > maxlat")
    if x0 > x1:
        raise Invalid(f"bbox {value!r}: boxes across the antimeridian are not supported")
    return x0, y0, x1, y1
