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
6. route the position (an unrouted report is still accepted, flagged for triage), and raise the
   integrity flags (`service.reports.flags`; a report outside the city, or near an open report of its
   category, costs one more query each);
7. insert the report, its photos and the stored answer in ONE transaction, and commit;
8. answer 201.

A failure after 5 and before 7's commit leaves only orphan objects (swept later) and frees the key,
so the retry does all the work again and succeeds. Two sends of the same report id under different
keys race on the report's primary key: the loser answers with the winner's report.

Runs in a worker thread (`run_in_threadpool`): photo decoding and the database calls block.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from geo.crs import Datum
from media.storage import MediaStore
from service.accounts.models import User
from service.errors import Invalid
from service.geography.service import CategoryRule, Routing, category_rule, distance_to_city_m, route
from service.idempotency import service as idempotency
from service.idempotency.service import StoredAnswer
from service.photos.pipeline import process_uploads, store_photos
from service.photos.service import count_known, record_photos, report_photos
from service.photos.store import media_limits
from service.photos.upload import UploadedPhoto
from service.reports.flags import OutsideCity, PossibleDuplicate, integrity_flags
from service.reports.location import ChosenLocation, choose_location
from service.reports.models import Report
from service.reports.schemas import ReportForm
from service.reports.service import create_report, list_nearby, report_public
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
    rule = _category(session, upload.form.category)
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
        return _file(session, store, settings, upload, rule)
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


def _category(session: Session, code: str) -> CategoryRule:
    """The category's rule, read once per report (routing uses it too)."""
    rule = category_rule(session=session, code=code)
    if rule is None or not rule.active:
        raise UnknownCategory(f"unknown or retired category {code!r}; see GET /api/v1/categories")
    return rule


def _answer_for_existing(session: Session, store: MediaStore, upload: Upload) -> Answer | None:
    """The answer for a report id that is already filed: the same report again (201, replayed), or
    422 when the id was used for a different report (or by someone else)."""
    report = session.get(Report, upload.form.id, populate_existing=True)
    if report is None:
        return None
    if report.reporter_id != upload.user.id or report.request_hash != upload.request_hash:
        session.rollback()
        raise _id_used(upload)
    photos = report_photos(session=session, report_ids=[report.id])[report.id]
    body = report_public(report, photos, store).model_dump(mode="json")
    return Answer(CREATED, body, replayed=True)


def _file(
    session: Session, store: MediaStore, settings: Settings, upload: Upload, rule: CategoryRule
) -> Answer:
    form = upload.form
    processed = process_uploads([p.read() for p in upload.photos], limits=media_limits(settings.media))
    location = choose_location(
        form.device_fix, [p.metadata for p in processed], agree_m=settings.reports.exif_far_from_device_m
    )
    local_offset = (form.captured_at.utcoffset() if form.captured_at is not None else None) or timedelta(
        hours=settings.reports.naive_exif_utc_offset_hours
    )
    photos = store_photos(processed, store, local_offset=local_offset)

    now = datetime.now(UTC)
    routing = route(
        session=session,
        lon=location.lon,
        lat=location.lat,
        datum="wgs84",
        rule=rule,
        tolerance_m=settings.router.snap_tolerance_m,
    )
    notes = integrity_flags(
        location=location,
        photo_times=[p.photo_time for p in photos],
        report_time=form.captured_at or now,
        reused_photos=count_known(session, photos, other_than_report=form.id),
        routing_status=routing.status,
        settings=settings.reports,
        outside_city=_outside_city(session, routing),
        duplicate=_possible_duplicate(session, settings, form.category, location, now),
    )
    report = create_report(
        session=session,
        report_id=form.id,
        reporter_id=upload.user.id,
        category_code=form.category,
        text=form.text,
        location=location,
        routing=routing,
        flags=notes,
        request_hash=upload.request_hash,
        created_at=now,
        captured_at=form.captured_at,
    )
    rows = record_photos(session, photos, report_id=report.id)
    body = report_public(report, rows, store).model_dump(mode="json")
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


def _outside_city(session: Session, routing: Routing) -> OutsideCity | None:
    """Outside the city when no district outline valid now covers the position (`Routing.district` is
    None: 100 km away, not on the river, which lies in a district). The distance to the nearest district
    costs one query, only for such reports; a distance of 0 means a district does cover it after all
    (the router had no grids to route by), so no flag."""
    if routing.district is not None:
        return None
    distance = distance_to_city_m(session=session, lon=routing.lon, lat=routing.lat)
    if distance == 0:
        return None
    return OutsideCity(distance_m=distance)


def _possible_duplicate(
    session: Session, settings: Settings, category: str, location: ChosenLocation, now: datetime
) -> PossibleDuplicate | None:
    """The nearest open report of the category within `near_duplicate_m` filed in the last
    `near_duplicate_hours` (the duplicate hint's query, `list_nearby`, with a shorter window)."""
    nearest = list_nearby(
        session=session,
        lon=location.lon,
        lat=location.lat,
        datum=Datum.WGS84,
        category=category,
        radius_m=settings.reports.near_duplicate_m,
        open_days=settings.reports.nearby_open_days,
        since=now - timedelta(hours=settings.reports.near_duplicate_hours),
        limit=1,
    )
    if not nearest:
        return None
    other = nearest[0]
    return PossibleDuplicate(other.report.id, other.distance_m, now - other.report.created_at)


def _release_quietly(session: Session, upload: Upload) -> None:
    """Free the key after a failure; if the database is gone too, the claim expires by itself."""
    try:
        idempotency.release(session=session, user_id=upload.user.id, key=upload.key)
    except Exception:  # the original failure matters more than this one
        session.rollback()
        log.warning("could not release idempotency key of report %s", upload.form.id, exc_info=True)
