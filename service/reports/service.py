"""Reading reports and photos: one report, my reports, open reports nearby, a photo for download.

Who sees what (DESIGN.md §8): a reporter sees their own reports; the command center (dispatchers) and
admins see every report. Someone else's report answers 404, never 403, so report ids cannot be probed.
Originals (evidence with EXIF) go to the command center and to the units a case was dispatched to.

A report's `status` is its case's state once the command center has acted on it (`reports.case_id`,
added by 0004_cases), else `reported` (in the triage queue). The case tables are reached through Core
`table()` constructs naming only the columns notes/schema.md fixes, as the workflow reaches ours.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, literal_column, select, text
from sqlalchemy.orm import Session

from geo.crs import Datum, to_wgs84
from media.storage import MediaStore
from service.accounts.models import Role, User
from service.db import refs
from service.errors import Invalid, NotFound
from service.geography.schemas import RoutingPublic
from service.reports.models import Photo, Report
from service.reports.schemas import FlagPublic, LocationPublic, NearbyReportPublic, PhotoPublic, ReportPublic

COMMAND_ROLES = frozenset({Role.dispatcher, Role.admin})
UNIT_ROLES = frozenset({Role.officer, Role.street_team})
REPORTED = "reported"
# Case states in which a report no longer counts as an open problem for the duplicate hint.
FINISHED_STATES = ("closed", "voided")


def media_url(store: MediaStore, key: str) -> str:
    """Where a public derivative is fetched: the store's own public URL, else this service's /media/."""
    return store.public_url(key) or f"/media/{key}"


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
        photos=[
            PhotoPublic(
                id=p.id,
                sha256=p.sha256,
                display_url=media_url(store, p.display_key),
                thumb_url=media_url(store, p.thumb_key),
            )
            for p in sorted(photos, key=lambda p: p.position)
        ],
    )


def photos_of(*, session: Session, report_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Photo]]:
    by_report: dict[uuid.UUID, list[Photo]] = defaultdict(list)
    if report_ids:
        stmt = select(Photo).where(Photo.report_id.in_(report_ids)).order_by(Photo.report_id, Photo.position)
        for photo in session.scalars(stmt):
            if photo.report_id is not None:
                by_report[photo.report_id].append(photo)
    return by_report


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
) -> list[NearbyReport]:
    """Open reports of `category` within `radius_m` metres (ST_DWithin on geography), nearest first.

    "Open" is: filed within the last `open_days` days, and its case (if any) neither closed nor voided.
    """
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise Invalid("lon/lat out of range")
    x, y = to_wgs84(lon, lat, datum)
    here = func.ST_SetSRID(func.ST_MakePoint(x, y), 4326)
    geog = text("reports.geom::geography")
    distance = func.ST_Distance(geog, func.Geography(here)).label("distance_m")
    first_thumb = (
        select(Photo.thumb_key)
        .where(Photo.report_id == Report.id)
        .order_by(Photo.position)
        .limit(1)
        .scalar_subquery()
    )
    since = datetime.now(UTC) - timedelta(days=open_days)
    status = func.coalesce(refs.cases.c.state, REPORTED)
    stmt = (
        select(Report, distance, first_thumb, status)
        .outerjoin(refs.cases, refs.cases.c.id == literal_column("reports.case_id"))
        .where(
            Report.category_code == category,
            Report.created_at >= since,
            func.ST_DWithin(geog, func.Geography(here), radius_m),
            status.not_in(FINISHED_STATES),
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


def get_original(*, session: Session, photo_id: uuid.UUID, user: User) -> Photo:
    """A photo whose original `user` may download: the command center any; an officer or street team
    member only photos of a case dispatched to their unit (report, result and verification photos alike).
    Anything else is `NotFound`."""
    photo = session.get(Photo, photo_id)
    if photo is None or not _may_see_original(session, user, photo):
        raise NotFound(f"photo {photo_id} does not exist")
    return photo


def _may_see_original(session: Session, user: User, photo: Photo) -> bool:
    if can_see_every_report(user):
        return True
    if user.role_enum not in UNIT_ROLES or user.unit_id is None:
        return False
    # Owned by a report, a unit's result (`dispatch_id`) or a grid worker's verification: its case.
    p, d, t, r = refs.photos.c, refs.dispatches.c, refs.verification_tasks.c, refs.reports.c
    dispatch_id, task_id = session.execute(
        select(p.dispatch_id, p.verification_task_id).where(p.id == photo.id)
    ).one()
    if dispatch_id is not None:
        case_of_photo = select(d.case_id).where(d.id == dispatch_id)
    elif task_id is not None:
        case_of_photo = select(t.case_id).where(t.id == task_id)
    else:
        case_of_photo = select(r.case_id).where(r.id == photo.report_id)
    assigned = select(func.count()).where(
        d.case_id == case_of_photo.scalar_subquery(), d.unit_id == user.unit_id
    )
    return bool(session.scalar(assigned))
