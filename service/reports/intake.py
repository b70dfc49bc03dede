"""The upload path of one report, in the order that makes every failure safe (DESIGN.md §8):

1. check the category;
2. claim the idempotency key in its own short transaction: a finished key replays its stored answer,
   a running one is 409, a different request under the key is 422 (`report_id_used` when the key is
   the report id itself);
2b. a report with this id already filed (under another key, or after the key was pruned) is answered
   again (201, replayed) when it is the same request, else 422;
3. process the photos (CPU; EXIF first, then derivatives): 415/413/422 refuse, nothing stored;
4. choose the position (device fix, else EXIF GPS, else 422: nothing stored);
5. store the photos durably (content-hash keys: a retry writes the same objects again);
6. route the position (an unrouted report is still accepted, flagged for triage);
7. insert the report, its photos and the stored answer in ONE transaction, and commit;
8. answer 201.

A failure after 5 and before 7's commit leaves only orphan objects (swept later) and frees the key,
so the retry does all the work again and succeeds. Two sends of the same report id under different
keys race on the report's primary key: the loser answers with the winner's report.

Runs in a worker thread (`run_in_threadpool`): photo decoding and the database calls block.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from media.storage import MediaStore
from service.accounts.models import User
from service.errors import Invalid
from service.geography.models import Category
from service.geography.service import route
from service.media_store import media_limits
from service.reports import idempotency
from service.reports.flags import integrity_flags
from service.reports.form import ReportForm
from service.reports.idempotency import StoredAnswer
from service.reports.location import ChosenLocation, choose_location
from service.reports.models import Photo, Report
from service.reports.multipart import UploadedPhoto
from service.reports.photos import photo_columns, process_uploads, store_uploaded_photos
from service.reports.service import report_public
from service.settings import Settings

log = logging.getLogger(__name__)

CREATED = 201

# Called with the session just before the final commit. Empty in production; the fault-injection
# tests put a function here that kills the database connection at exactly this point.
BEFORE_COMMIT_HOOKS: list[Callable[[Session], None]] = []


class ReportIdUsed(Invalid):
    code = "report_id_used"


class UnknownCategory(Invalid):
    code = "unknown_category"


@dataclass(frozen=True, slots=True)
class Upload:
    user: User
    form: ReportForm
    photos: Sequence[UploadedPhoto]
    key: str
    request_hash: str

    @property
    def key_is_report_id(self) -> bool:
        """No Idempotency-Key header was sent: the report id is the key."""
        return self.key == str(self.form.id)


@dataclass(frozen=True, slots=True)
class Answer:
    status_code: int
    body: Any
    replayed: bool = False


def submit_report(*, session: Session, store: MediaStore, settings: Settings, upload: Upload) -> Answer:
    """File one report exactly once; see the module docstring for the order and its reasons."""
    _check_category(session, upload.form.category)
    try:
        stored = idempotency.claim(
            session=session,
            user_id=upload.user.id,
            key=upload.key,
            request_hash=upload.request_hash,
            in_flight_timeout_s=settings.reports.in_flight_timeout_s,
        )
    except idempotency.KeyReused:
        if upload.key_is_report_id:
            raise _id_used(upload) from None
        raise
    if stored is not None:
        return Answer(stored.status_code, stored.body, replayed=True)
    try:
        existing = _answer_for_existing(session, store, upload)
        if existing is not None:
            # Filed before under another key (or this key was pruned): answer with that report.
            _finish(session, upload, existing)
            return existing
        return _file(session, store, settings, upload)
    except IntegrityError as exc:
        session.rollback()
        try:
            winner = _answer_for_existing(session, store, upload)
        except BaseException:
            _release_quietly(session, upload)
            raise
        if winner is None:
            _release_quietly(session, upload)
            raise
        _finish(session, upload, winner)
        log.info("report %s: a concurrent send won the insert (%s)", upload.form.id, exc.orig)
        return winner
    except BaseException:
        session.rollback()
        _release_quietly(session, upload)
        raise


def _finish(session: Session, upload: Upload, answer: Answer) -> None:
    idempotency.finish(
        session=session,
        user_id=upload.user.id,
        key=upload.key,
        answer=StoredAnswer(answer.status_code, answer.body),
        report_id=upload.form.id,
    )
    session.commit()


def _id_used(upload: Upload) -> ReportIdUsed:
    return ReportIdUsed(
        f"The report id {upload.form.id} is already used by a different report; a new report "
        "needs a new id (nothing was stored)."
    )


def _check_category(session: Session, code: str) -> None:
    active = session.scalar(select(Category.active).where(Category.code == code))
    if not active:
        raise UnknownCategory(f"unknown or retired category {code!r}; see GET /api/v1/categories")


def _answer_for_existing(session: Session, store: MediaStore, upload: Upload) -> Answer | None:
    """The answer for a report id that is already filed: the same report again (201, replayed), or
    422 when the id was used for a different report (or by someone else)."""
    report = session.get(Report, upload.form.id, populate_existing=True)
    if report is None:
        return None
    if report.reporter_id != upload.user.id or report.request_hash != upload.request_hash:
        session.rollback()
        raise _id_used(upload)
    photos = list(session.scalars(select(Photo).where(Photo.report_id == report.id)))
    body = report_public(report, photos, store).model_dump(mode="json")
    return Answer(CREATED, body, replayed=True)


def _file(session: Session, store: MediaStore, settings: Settings, upload: Upload) -> Answer:
    form = upload.form
    processed = process_uploads([p.read() for p in upload.photos], limits=media_limits(settings.media))
    location = choose_location(form.device_fix, [p.metadata for p in processed])
    stored = store_uploaded_photos(processed, store)

    now = datetime.now(UTC)
    routing = route(
        session=session,
        lon=location.lon,
        lat=location.lat,
        datum="wgs84",
        category_code=form.category,
        tolerance_m=settings.router.snap_tolerance_m,
    )
    local_offset = (form.captured_at.utcoffset() if form.captured_at is not None else None) or timedelta(
        hours=settings.reports.naive_exif_utc_offset_hours
    )
    rows = [
        photo_columns(p, s, position=i, report_id=form.id, local_offset=local_offset)
        for i, (p, s) in enumerate(zip(processed, stored, strict=True))
    ]
    reused = _reused_photo_count(session, [s.sha256 for s in stored], form.id)
    notes = integrity_flags(
        location=location,
        photo_times_utc=[row["taken_at"] for row in rows],
        report_time=form.captured_at or now,
        reused_photos=reused,
        routing_status=routing.status,
        settings=settings.reports,
    )
    report = _report_row(upload, location, routing.model_dump(mode="json"), notes, now)
    photos = [Photo(**row) for row in rows]
    session.add(report)
    session.flush()  # the report id's uniqueness is decided here (IntegrityError: a concurrent send won)
    session.add_all(photos)
    session.flush()
    body = report_public(report, photos, store).model_dump(mode="json")
    idempotency.finish(
        session=session,
        user_id=upload.user.id,
        key=upload.key,
        answer=StoredAnswer(CREATED, body),
        report_id=form.id,
    )
    for hook in BEFORE_COMMIT_HOOKS:
        hook(session)
    session.commit()
    return Answer(CREATED, body)


def _report_row(
    upload: Upload,
    location: ChosenLocation,
    routing: dict[str, Any],
    notes: dict[str, str],
    now: datetime,
) -> Report:
    form = upload.form
    return Report(
        id=form.id,
        reporter_id=upload.user.id,
        category_code=form.category,
        text=form.text,
        created_at=now,
        captured_at=form.captured_at,
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
        routing_status=routing["status"],
        district_code=_code(routing.get("district")),
        street_code=_code(routing.get("street")),
        community_code=_code(routing.get("community")),
        grid_code=_code(routing.get("grid")),
        routing=routing,
        flags=list(notes),
        flag_notes=notes,
        request_hash=upload.request_hash,
    )


def _code(ref: Any) -> str | None:
    return str(ref["code"]) if isinstance(ref, dict) and ref.get("code") else None


def _point(lon: float, lat: float) -> Any:
    return from_shape(Point(lon, lat), srid=4326)


def _reused_photo_count(session: Session, sha256s: Sequence[str], report_id: uuid.UUID) -> int:
    """How many of these photos already belong to another report (or to a unit's result)."""
    stmt = select(func.count(func.distinct(Photo.sha256))).where(
        Photo.sha256.in_(set(sha256s)), Photo.report_id.is_distinct_from(report_id)
    )
    return int(session.scalar(stmt) or 0)


def _release_quietly(session: Session, upload: Upload) -> None:
    """Free the key after a failure; if the database is gone too, the claim expires by itself."""
    try:
        idempotency.release(session=session, user_id=upload.user.id, key=upload.key)
    except Exception:  # the original failure matters more than this one
        session.rollback()
        log.warning("could not release idempotency key of report %s", upload.form.id, exc_info=True)
