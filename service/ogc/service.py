"""OGC API – Features Part 1 (Core, GeoJSON) over the divisions, stations, pairing points and public reports.

Paging is keyset on the feature id with an opaque cursor (never OFFSET): a page is "the ``limit``
features after (or before) this id", so walking ``next`` links visits every feature once even on a
large table, at the same cost for the first page and the thousandth.

Divisions keep their history (``valid_from``/``valid_to``): without ``datetime`` a collection holds the
current features; with it, the features valid at that instant or during that interval (history too).
Stations and pairing points filter on their last update, reports on their creation time.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.orm import Session

from service.errors import Invalid, NotFound
from service.ogc.collections import Collection, get_collection
from service.publicmap.public_reports import (
    Link,
    PublicReport,
    ReportFilter,
    count_public_reports,
    list_public_reports,
)
from service.schemas import utc_iso, utc_times
from service.settings import PublicMapSettings

DEFAULT_LIMIT = 10
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Interval:
    start: datetime | None
    end: datetime | None  # inclusive
    instant: bool


@dataclass(frozen=True)
class Cursor:
    direction: Literal["next", "prev"]
    key: uuid.UUID

    def encode(self) -> str:
        raw = f"{self.direction[0]}:{self.key}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
            kind, key = raw.split(":", 1)
            direction: Literal["next", "prev"] = "next" if kind == "n" else "prev"
            if kind not in ("n", "p"):
                raise ValueError(kind)
            return cls(direction, uuid.UUID(key))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise Invalid(f"cursor {value!r} is not one this service handed out") from None


@dataclass(frozen=True)
class Page:
    features: list[dict[str, Any]]
    number_matched: int
    next_cursor: str | None
    prev_cursor: str | None


def _instant(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(f"datetime {value!r} is not RFC 3339 (e.g. 2026-01-31T08:00:00Z)") from None
    if parsed.tzinfo is None:
        raise Invalid(f"datetime {value!r} needs a time zone (Z or ±HH:MM)")
    return parsed


def parse_datetime(value: str | None) -> Interval | None:
    if value is None or value.strip() == "":
        return None
    if "/" not in value:
        at = _instant(value)
        return Interval(at, at, True)
    first, last = value.split("/", 1)
    start = None if first.strip() in ("", "..") else _instant(first)
    end = None if last.strip() in ("", "..") else _instant(last)
    if start is not None and end is not None and end < start:
        raise Invalid(f"datetime {value!r}: the interval ends before it starts")
    return Interval(start, end, False)


def _temporal_sql(collection: Collection, interval: Interval | None, params: dict[str, Any]) -> str:
    if collection.temporal == "validity":
        if interval is None:
            return "t.valid_to IS NULL"
        clauses = []
        if interval.end is not None:
            params["t_end"] = interval.end
            clauses.append("t.valid_from <= :t_end")
        if interval.start is not None:
            params["t_start"] = interval.start
            clauses.append("(t.valid_to IS NULL OR t.valid_to > :t_start)")
        return " AND ".join(clauses) or "TRUE"
    if interval is None:
        return "TRUE"
    clauses = []
    if interval.start is not None:
        params["t_start"] = interval.start
        clauses.append("t.updated_at >= :t_start")
    if interval.end is not None:
        params["t_end"] = interval.end
        clauses.append("t.updated_at <= :t_end")
    return " AND ".join(clauses) or "TRUE"


def _bbox_sql(bbox: tuple[float, float, float, float] | None, params: dict[str, Any]) -> str:
    if bbox is None:
        return "TRUE"
    params.update(x0=bbox[0], y0=bbox[1], x1=bbox[2], y1=bbox[3])
    return "ST_Intersects(t.geom, ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326))"


def _feature_sql(collection: Collection) -> str:
    return (
        "json_build_object('type', 'Feature', 'id', CAST(t.id AS text), "
        f"'geometry', ST_AsGeoJSON(t.geom, 7)::json, 'properties', {collection.properties})"
    )


def report_feature(report: PublicReport, coarsen_m: float) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": str(report.id),
        "geometry": {"type": "Point", "coordinates": [round(report.lon, 7), round(report.lat, 7)]},
        "properties": {
            "category": report.category_code,
            "category_name": report.category_name,
            "state": report.state,
            "status": report.status,
            "status_notes": report.status_notes,
            "created_at": utc_iso(report.created_at),
            "updated_at": utc_iso(report.updated_at),
            "district_code": report.district_code,
            "street_code": report.street_code,
            "community_code": report.community_code,
            "coarsened_to_m": coarsen_m,
            "photos": report.photos,
        },
    }


def _report_filter(
    bbox: tuple[float, float, float, float] | None, interval: Interval | None, cursor: Cursor | None
) -> ReportFilter:
    created_from = interval.start if interval else None
    created_to = interval.end + timedelta(microseconds=1) if interval and interval.end else None
    return ReportFilter(
        bbox=bbox,
        created_from=created_from,
        created_to=created_to,
        after_id=cursor.key if cursor and cursor.direction == "next" else None,
        before_id=cursor.key if cursor and cursor.direction == "prev" else None,
    )


def list_items(
    *,
    session: Session,
    settings: PublicMapSettings,
    link: Link,
    collection_id: str,
    limit: int,
    bbox: tuple[float, float, float, float] | None,
    datetime_value: str | None,
    cursor_value: str | None,
) -> Page:
    collection = get_collection(collection_id)
    interval = parse_datetime(datetime_value)
    cursor = Cursor.decode(cursor_value) if cursor_value else None
    backwards = cursor is not None and cursor.direction == "prev"

    if collection.id == "reports":
        reports = list_public_reports(
            session=session,
            settings=settings,
            filt=_report_filter(bbox, interval, cursor),
            limit=limit + 1,
            link=link,
            order="id_desc" if backwards else "id",
        )
        matched = count_public_reports(
            session=session, settings=settings, filt=_report_filter(bbox, interval, None)
        )
        keys = [r.id for r in reports]
        features = [report_feature(r, settings.coarsen_m) for r in reports]
    else:
        params: dict[str, Any] = {"limit": limit + 1}
        where = [_temporal_sql(collection, interval, params), _bbox_sql(bbox, params)]
        matched = int(
            session.execute(
                text(f"SELECT count(*) FROM {collection.table} t WHERE {' AND '.join(where)}"),
                params,
            ).scalar_one()
        )
        if cursor is not None:
            params["key"] = cursor.key
            where.append("t.id < :key" if backwards else "t.id > :key")
        order = "t.id DESC" if backwards else "t.id ASC"
        rows = session.execute(
            text(
                f"SELECT t.id, {_feature_sql(collection)} AS feature FROM {collection.table} t "
                f"WHERE {' AND '.join(where)} ORDER BY {order} LIMIT :limit"
            ),
            params,
        ).all()
        keys = [row.id for row in rows]
        features = [utc_times(row.feature) for row in rows]  # PostgreSQL writes +00:00; answers write Z

    more = len(features) > limit
    keys, features = keys[:limit], features[:limit]
    if backwards:
        keys.reverse()
        features.reverse()
    next_cursor = prev_cursor = None
    if keys:
        if more or backwards:
            next_cursor = Cursor("next", keys[-1]).encode()
        if cursor is not None and (more or not backwards):
            prev_cursor = Cursor("prev", keys[0]).encode()
    elif cursor is not None:
        # An empty page past either end: offer the way back.
        other = "prev" if cursor.direction == "next" else "next"
        if other == "prev":
            prev_cursor = Cursor("prev", cursor.key).encode()
        else:
            next_cursor = Cursor("next", cursor.key).encode()
    return Page(features, matched, next_cursor, prev_cursor)


def get_item(
    *, session: Session, settings: PublicMapSettings, link: Link, collection_id: str, feature_id: str
) -> dict[str, Any]:
    collection = get_collection(collection_id)
    try:
        key = uuid.UUID(feature_id)
    except ValueError:
        raise NotFound(f"no feature {feature_id!r} in {collection_id}") from None
    if collection.id == "reports":
        reports = list_public_reports(
            session=session, settings=settings, filt=ReportFilter(ids=[key]), limit=1, link=link
        )
        if not reports:
            raise NotFound(f"no feature {feature_id!r} in {collection_id}")
        return report_feature(reports[0], settings.coarsen_m)
    feature = session.execute(
        text(f"SELECT {_feature_sql(collection)} FROM {collection.table} t WHERE t.id = :id"),
        {"id": key},
    ).scalar()
    if feature is None:
        raise NotFound(f"no feature {feature_id!r} in {collection_id}")
    return dict(utc_times(feature))
