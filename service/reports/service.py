"""Writing a report (the one way: the phone intake and Open311 both call `create_report`) and reading
reports: one report, my reports, open reports nearby (their photos: `service.photos`).

Who sees what (DESIGN.md §8): a reporter sees their own reports; the command center (dispatchers) and
admins see every report. Someone else's report answers 404, never 403, so report ids cannot be probed.

A report's `status` is its case's state once the command center has acted on it (`reports.case_id`,
added by 0004_cases), else `reported` (in the triage queue). The case tables are reached through Core
`table()` constructs naming only the columns they read, as the workflow reaches ours.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import func, literal_column, select, text
from sqlalchemy.orm import Session

from geo.crs import Datum, to_wgs84
from media.storage import MediaStore
from service.accounts.models import Role, User
from service.cases.states import CaseState
from service.db import refs
from service.errors import Invalid, NotFound
from service.geography.schemas import RoutingPublic
from service.geography.service import Routing
from service.photos.models import Photo
from service.photos.schemas import FlagPublic
from service.photos.service import first_thumb_key, media_url, photo_public
from service.reports.location import ChosenLocation
from service.reports.models import Report
from service.reports.schemas import LocationPublic, NearbyReportPublic, ReportPublic

COMMAND_ROLES = frozenset({Role.dispatcher, Role.admin})
REPORTED = "reported"
# Case states in which a report no longer counts as an open problem for the duplicate hint.
HINT_ENDED_STATES = (CaseState.CLOSED.value, CaseState.VOIDED.value)


def create_report(
    *,
    session: Session,
    report_id: uuid.UUID,
    reporter_id: uuid.UUID,
    category_code: str,
    text: str,
    location: ChosenLocation,
    routing: Routing,
    flags: Mapping[str, str],
    request_hash: str,
    created_at: datetime,
    captured_at: datetime | None = None,
    channel: str = "app",
) -> Report:
    """Add one report and flush: the report id's uniqueness is decided here (IntegrityError when a
    concurrent send of the same id won). The caller records its photos and commits. `channel`: how it
    arrived (`app`, `open311`, `console`: `service.reports.models.CHANNELS`)."""
    report = Report(
        id=report_id,
        reporter_id=reporter_id,
        category_code=category_code,
        text=text,
        created_at=created_at,
        captured_at=captured_at,
        lon=location.lon,
        lat=location.lat,
        geom=_point(location.lon, location.lat),
        location_source=location.source,
        datum=location.datum if location.source == "device" else None,
        device_lon=location.device_raw[0] if location.device_raw else None,
        device_lat=location.device_raw[1] if location.device_raw else None,
        accuracy_m=location.accuracy_m,
        device_geom=_point(*location.device) if location.device else None,
        exif_geom=_point(*location.exif) if location.exif else None,
        exif_device_distance_m=location.distance_m,
        routing_status=routing.status,
        district_code=routing.code("district"),
        street_code=routing.code("street"),
        community_code=routing.code("community"),
        grid_code=routing.code("grid"),
        routing=routing.as_json(),
        flags=list(flags),
        flag_notes=dict(flags),
        request_hash=request_hash,
        channel=channel,
    )
    session.add(report)
    session.flush()
    return report


def _point(lon: float, lat: float) -> Any:
    return from_shape(Point(lon, lat), srid=4326)


def report_statuses(*, session: Session, report_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Each report's status: its case's state, or `reported` while it waits in the triage queue."""
    if not report_ids:
        return {}
    stmt = (
        select(refs.reports.c.id, func.coalesce(refs.cases.c.state, REPORTED))
        .select_from(refs.reports.outerjoin(refs.cases, refs.cases.c.id == refs.reports.c.case_id))
        .where(refs.reports.c.id.in_(report_ids))
    )
    return {row[0]: str(row[1]) for row in session.execute(stmt)}


def report_public(
    report: Report, photos: Sequence[Photo], store: MediaStore, *, status: str = REPORTED
) -> ReportPublic:
    if report.location_source == "device" and report.device_lon is not None and report.device_lat is not None:
        lon, lat, datum = report.device_lon, report.device_lat, report.datum or Datum.WGS84.value
    else:
        lon, lat, datum = report.lon, report.lat, Datum.WGS84.value
    return ReportPublic(
        id=report.id,
        category=report.category_code,
        text=report.text,
        status=status,
        created_at=report.created_at,
        location=LocationPublic(
            lon=lon,
            lat=lat,
            datum=datum,
            accuracy_m=report.accuracy_m,
            source="device" if report.location_source == "device" else "exif",
        ),
        routing=RoutingPublic.model_validate(report.routing),
        flags=[FlagPublic(code=code, message=report.flag_notes.get(code, code)) for code in report.flags],
        photos=[photo_public(p, store) for p in sorted(photos, key=lambda p: p.position)],
    )


def can_see_every_report(user: User) -> bool:
    return user.role_enum in COMMAND_ROLES


def get_report(*, session: Session, report_id: uuid.UUID, user: User) -> Report:
    """The report when `user` may see it (own, or command center), else `NotFound`."""
    report = session.get(Report, report_id)
    if report is None or (report.reporter_id != user.id and not can_see_every_report(user)):
        raise NotFound(f"report {report_id} does not exist")
    return report


def list_mine(
    *, session: Session, user: User, limit: int = 50, before: datetime | None = None
) -> list[Report]:
    """The user's reports, newest first (keyset-paged by `created_at`)."""
    stmt = (
        select(Report)
        .where(Report.reporter_id == user.id)
        .order_by(Report.created_at.desc(), Report.id.desc())
        .limit(limit)
    )
    if before is not None:
        stmt = stmt.where(Report.created_at < before)
    return list(session.scalars(stmt))


@dataclass(frozen=True, slots=True)
class NearbyReport:
    report: Report
    distance_m: float
    thumb_key: str | None
    status: str = REPORTED


def list_nearby(
    *,
    session: Session,
    lon: float,
    lat: float,
    datum: Datum,
    category: str,
    radius_m: float,
    open_days: int,
    limit: int = 20,
    since: datetime | None = None,
) -> list[NearbyReport]:
    """Open reports of `category` within `radius_m` metres (ST_DWithin on geography), nearest first.

    "Open" is: filed within the last `open_days` days (or at or after `since`, when given: the intake's
    near-duplicate flag looks back a shorter window), and its case (if any) neither closed nor voided.
    """
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise Invalid("lon/lat out of range")
    x, y = to_wgs84(lon, lat, datum)
    here = func.ST_SetSRID(func.ST_MakePoint(x, y), 4326)
    geog = text("reports.geom::geography")
    distance = func.ST_Distance(geog, func.Geography(here)).label("distance_m")
    first_thumb = first_thumb_key(Report.id)
    since = since or datetime.now(UTC) - timedelta(days=open_days)
    status = func.coalesce(refs.cases.c.state, REPORTED)
    stmt = (
        select(Report, distance, first_thumb, status)
        .outerjoin(refs.cases, refs.cases.c.id == literal_column("reports.case_id"))
        .where(
            Report.category_code == category,
            Report.created_at >= since,
            func.ST_DWithin(geog, func.Geography(here), radius_m),
            status.not_in(HINT_ENDED_STATES),
        )
        .order_by(distance)
        .limit(limit)
    )
    return [NearbyReport(r, float(d), t, str(st)) for r, d, t, st in session.execute(stmt).all()]


def nearby_public(item: NearbyReport, store: MediaStore) -> NearbyReportPublic:
    return NearbyReportPublic(
        id=item.report.id,
        category=item.report.category_code,
        text=item.report.text,
        status=item.status,
        distance_m=round(item.distance_m, 1),
        created_at=item.report.created_at,
        thumb_url=media_url(store, item.thumb_key) if item.thumb_key else None,
    )
