"""The `photos` rows: recording a stored photo with its one owner, reading them back, who may download
an original, and the public URL of a derivative.

A photo's owner is a report (`report_id`), a unit's result (`dispatch_id`: 处置照片) or a grid worker's
verification (`verification_task_id`: 核查照片). The objects are stored before the transaction that
records them commits (`service.photos.pipeline`). The case tables are read through `service.db.refs`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from media.storage import MediaStore
from service.accounts.models import Role, User
from service.db import refs
from service.errors import NotFound
from service.photos.models import Photo
from service.photos.pipeline import NewPhoto
from service.photos.schemas import PhotoPublic

COMMAND_ROLES = frozenset({Role.dispatcher, Role.admin})
UNIT_ROLES = frozenset({Role.officer, Role.street_team})


def record_photos(
    session: Session,
    photos: Sequence[NewPhoto],
    *,
    report_id: uuid.UUID | None = None,
    dispatch_id: uuid.UUID | None = None,
    verification_task_id: uuid.UUID | None = None,
) -> list[Photo]:
    """Add the `photos` rows of one owner (positions in the given order) to the session and flush."""
    if sum(owner is not None for owner in (report_id, dispatch_id, verification_task_id)) != 1:
        raise ValueError(
            "a photo has exactly one owner: a report, a dispatch's result or a verification task"
        )
    rows = [
        Photo(
            id=uuid.uuid4(),
            **photo.columns,
            report_id=report_id,
            dispatch_id=dispatch_id,
            verification_task_id=verification_task_id,
            sha256=photo.sha256,
            original_key=photo.original_key,
            display_key=photo.display_key,
            thumb_key=photo.thumb_key,
            position=position,
        )
        for position, photo in enumerate(photos)
    ]
    session.add_all(rows)
    session.flush()
    return rows


def count_known(
    session: Session, sha256s: Sequence[str], *, other_than_report: uuid.UUID | None = None
) -> int:
    """How many of these photos' bytes Whistle holds already (of another report, with `other_than_report`)."""
    if not sha256s:
        return 0
    stmt = select(func.count(func.distinct(Photo.sha256))).where(Photo.sha256.in_(set(sha256s)))
    if other_than_report is not None:
        stmt = stmt.where(Photo.report_id.is_distinct_from(other_than_report))
    return int(session.scalar(stmt) or 0)


def report_photos(*, session: Session, report_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Photo]]:
    """Each report's photos in their order."""
    by_report: dict[uuid.UUID, list[Photo]] = defaultdict(list)
    if report_ids:
        stmt = select(Photo).where(Photo.report_id.in_(report_ids)).order_by(Photo.report_id, Photo.position)
        for photo in session.scalars(stmt):
            if photo.report_id is not None:
                by_report[photo.report_id].append(photo)
    return by_report


def first_thumb_key(report_id: Any) -> Any:
    """A scalar subquery: the thumbnail key of a report's first photo (for list queries)."""
    return (
        select(Photo.thumb_key)
        .where(Photo.report_id == report_id)
        .order_by(Photo.position)
        .limit(1)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class RecordedPhoto:
    """A stored case photo as the lists show it: its public derivatives and its owner."""

    id: uuid.UUID
    sha256: str
    display_key: str
    thumb_key: str
    dispatch_id: uuid.UUID | None
    verification_task_id: uuid.UUID | None


def result_photos(
    session: Session, dispatch_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[RecordedPhoto]]:
    """Every result photo of these dispatches (all results, reworks included), oldest first."""
    return _grouped(session, Photo.dispatch_id, dispatch_ids)


def verification_photos(
    session: Session, task_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[RecordedPhoto]]:
    """Every photo the grid workers took when deciding these verification tasks."""
    return _grouped(session, Photo.verification_task_id, task_ids)


def _grouped(
    session: Session, owner: Any, owner_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[RecordedPhoto]]:
    out: dict[uuid.UUID, list[RecordedPhoto]] = {owner_id: [] for owner_id in owner_ids}
    if not owner_ids:
        return out
    p = Photo
    rows = session.execute(
        select(p.id, p.sha256, p.display_key, p.thumb_key, p.dispatch_id, p.verification_task_id, owner)
        .where(owner.in_(list(owner_ids)))
        .order_by(p.created_at, p.position, p.id)
    )
    for photo_id, sha256, display_key, thumb_key, dispatch_id, task_id, owner_id in rows:
        out[owner_id].append(RecordedPhoto(photo_id, sha256, display_key, thumb_key, dispatch_id, task_id))
    return out


@dataclass(frozen=True)
class DispatchPhoto:
    """A photo of a dispatch's work: `result` (the unit's) or `verification` (the grid worker's)."""

    dispatch_id: uuid.UUID
    kind: str
    photo: RecordedPhoto


def dispatch_photos(session: Session, dispatch_ids: Sequence[uuid.UUID]) -> list[DispatchPhoto]:
    """The result and verification photos of these dispatches, oldest first."""
    if not dispatch_ids:
        return []
    p, t = Photo, refs.verification_tasks.c
    ids = list(dispatch_ids)
    tasks = select(t.id).where(t.dispatch_id.in_(ids))
    rows = session.execute(
        select(
            p.id, p.sha256, p.display_key, p.thumb_key, p.dispatch_id, p.verification_task_id, t.dispatch_id,
        )
        .outerjoin(refs.verification_tasks, t.id == p.verification_task_id)
        .where(or_(p.dispatch_id.in_(ids), p.verification_task_id.in_(tasks)))
        # A result comes before the verification of it, also when both were stored in one instant.
        .order_by(p.created_at, p.verification_task_id.is_not(None), p.position, p.id)
    )  # fmt: skip
    return [
        DispatchPhoto(
            dispatch_id=dispatch_id or verified_dispatch_id,
            kind="result" if dispatch_id is not None else "verification",
            photo=RecordedPhoto(photo_id, sha256, display_key, thumb_key, dispatch_id, task_id),
        )
        for photo_id, sha256, display_key, thumb_key, dispatch_id, task_id, verified_dispatch_id in rows
    ]


def media_url(store: MediaStore, key: str) -> str:
    """Where a public derivative is fetched: the store's own public URL, else this service's /media/."""
    return store.public_url(key) or f"/media/{key}"


def public_link(store: MediaStore, base_url: str) -> Callable[[str], str]:
    """Key → absolute URL of a public derivative, for documents read elsewhere (public API, OGC API,
    Open311): relative links are joined to `base_url` (the request's, which honours the proxy headers)."""
    base = base_url.rstrip("/")

    def link(key: str) -> str:
        url = media_url(store, key)
        return url if "://" in url else base + url

    return link


def photo_public(photo: Photo | RecordedPhoto, store: MediaStore) -> PhotoPublic:
    return PhotoPublic(
        id=photo.id,
        sha256=photo.sha256,
        display_url=media_url(store, photo.display_key),
        thumb_url=media_url(store, photo.thumb_key),
    )


def can_see_every_photo(user: User) -> bool:
    return user.role_enum in COMMAND_ROLES


def get_original(*, session: Session, photo_id: uuid.UUID, user: User) -> Photo:
    """A photo whose original `user` may download: the command center any; an officer or street team
    member only photos of a case dispatched to their unit (report, result and verification photos alike).
    Anything else is `NotFound`."""
    photo = session.get(Photo, photo_id)
    if photo is None or not _may_see_original(session, user, photo):
        raise NotFound(f"photo {photo_id} does not exist")
    return photo


def _may_see_original(session: Session, user: User, photo: Photo) -> bool:
    if can_see_every_photo(user):
        return True
    if user.role_enum not in UNIT_ROLES or user.unit_id is None:
        return False
    # Owned by a report, a unit's result (`dispatch_id`) or a grid worker's verification: its case.
    d, t, r = refs.dispatches.c, refs.verification_tasks.c, refs.reports.c
    if photo.dispatch_id is not None:
        case_of_photo = select(d.case_id).where(d.id == photo.dispatch_id)
    elif photo.verification_task_id is not None:
        case_of_photo = select(t.case_id).where(t.id == photo.verification_task_id)
    else:
        case_of_photo = select(r.case_id).where(r.id == photo.report_id)
    assigned = select(func.count()).where(
        d.case_id == case_of_photo.scalar_subquery(), d.unit_id == user.unit_id
    )
    return bool(session.scalar(assigned))
