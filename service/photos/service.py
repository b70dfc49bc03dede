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

from sqlalchemy import (
    BigInteger,
    Connection,
    Integer,
    any_,
    bindparam,
    cast,
    column,
    func,
    or_,
    select,
    values,
)
from sqlalchemy.dialects.postgresql import ARRAY, BIT
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement

from media.perceptual import CHUNKS, NEAR_COPY_MAX_BITS, chunk_probes, to_signed
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
    check_in_dispatch_id: uuid.UUID | None = None,
) -> list[Photo]:
    """Add the `photos` rows of one owner (positions in the given order) to the session and flush."""
    owners = (report_id, dispatch_id, verification_task_id, check_in_dispatch_id)
    if sum(owner is not None for owner in owners) != 1:
        raise ValueError(
            "a photo has exactly one owner: a report, a dispatch's result or report-in, or a verification"
        )
    rows = [
        Photo(
            id=uuid.uuid4(),
            **photo.columns,
            report_id=report_id,
            dispatch_id=dispatch_id,
            verification_task_id=verification_task_id,
            check_in_dispatch_id=check_in_dispatch_id,
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
    session: Session, photos: Sequence[NewPhoto], *, other_than_report: uuid.UUID | None = None
) -> int:
    """How many of these photos Whistle holds already (of another report, with `other_than_report`):
    the same bytes (SHA-256), or a near copy (`near_copies`: re-encoded, resized, a re-uploaded
    derivative). Photos with the same bytes count once, as before near copies counted."""
    if not photos:
        return 0
    sha256s = {photo.sha256 for photo in photos}
    stmt = select(func.distinct(Photo.sha256)).where(Photo.sha256.in_(sha256s))
    if other_than_report is not None:
        stmt = stmt.where(Photo.report_id.is_distinct_from(other_than_report))
    exact = set(session.scalars(stmt))
    near = {
        copy.index
        for copy in near_copies(session, [p.phash for p in photos], other_than_report=other_than_report)
    }
    return len({photo.sha256 for i, photo in enumerate(photos) if photo.sha256 in exact or i in near})


@dataclass(frozen=True)
class NearCopy:
    """A stored photo within the threshold of one of the hashes asked about (`index` says which)."""

    index: int
    photo_id: uuid.UUID
    sha256: str
    report_id: uuid.UUID | None
    distance: int


def hamming_sql(a: Any, b: Any) -> ColumnElement[int]:
    """The Hamming distance of two BIGINT hashes in SQL: XOR, the 64 bits as `bit(64)` (two's
    complement, so negative values count right), and `bit_count` (PostgreSQL 14+)."""
    return func.bit_count(cast(a.op("#")(b), BIT(64)), type_=Integer)


def near_copies_statement(
    phashes: Sequence[int | None],
    *,
    other_than_report: uuid.UUID | None = None,
    sha256_in: Any = None,
    max_bits: int = NEAR_COPY_MAX_BITS,
) -> Select[Any] | None:
    """The query of `near_copies` (None when no hash is given)."""
    wanted = [(i, value) for i, value in enumerate(phashes) if value is not None]
    if not wanted:
        return None
    probes: list[set[int]] = [set() for _ in range(CHUNKS)]
    for _index, value in wanted:
        for chunk, near in zip(probes, chunk_probes(value, max_bits), strict=True):
            chunk.update(near)
    asked = values(column("i", Integer), column("h", BigInteger), name="asked").data(
        [(i, to_signed(value)) for i, value in wanted]
    )
    distance = hamming_sql(Photo.phash, asked.c.h).label("distance")
    chunk_columns = (Photo.phash_0, Photo.phash_1, Photo.phash_2, Photo.phash_3)
    stmt = (
        select(asked.c.i, Photo.id, Photo.sha256, Photo.report_id, distance)
        .join(asked, hamming_sql(Photo.phash, asked.c.h) <= max_bits)
        .where(
            or_(
                *(
                    col == any_(bindparam(f"chunk_{k}", sorted(near), type_=ARRAY(Integer)))
                    for k, (col, near) in enumerate(zip(chunk_columns, probes, strict=True))
                )
            )
        )
        .order_by(distance, asked.c.i, Photo.created_at, Photo.id)
    )
    if other_than_report is not None:
        stmt = stmt.where(Photo.report_id.is_distinct_from(other_than_report))
    if sha256_in is not None:
        stmt = stmt.where(Photo.sha256.in_(sha256_in))
    return stmt


def near_copies(
    session: Session | Connection,
    phashes: Sequence[int | None],
    *,
    other_than_report: uuid.UUID | None = None,
    sha256_in: Any = None,
    max_bits: int = NEAR_COPY_MAX_BITS,
) -> list[NearCopy]:
    """Stored photos whose perceptual hash is within `max_bits` of one of `phashes` (signed or unsigned
    64-bit forms; None, a photo without a fingerprint, finds nothing), nearest first.

    `media.perceptual.NEAR_COPY_MAX_BITS` (8) is the threshold: every copy measured (JPEG quality 60,
    halved, Whistle's display derivative, a screenshot) is within 8 bits of its original, different
    photos 18 or more apart (tests/media/test_perceptual.py). Indexed: each of the four 16-bit chunk
    columns (`phash_0`…`phash_3`) is probed with the chunk values within `max_bits // 4` bits of the
    hash's; a stored hash within `max_bits` matches at least one probe (pigeonhole), and the full
    distance is then checked on those rows only. `other_than_report` leaves that report's photos out
    (photos of results and verifications are always in); `sha256_in` (a subquery of SHA-256 values)
    keeps only the photos whose bytes are among them.

    Cost, measured on 200 000 random hashes: ~7 ms for one photo, ~40 ms for nine (137 probes per chunk
    and hash; each probe finds ~n/65 536 rows to check). Below ~100 000 photos PostgreSQL reads the
    whole table instead, which is then cheaper.
    """
    stmt = near_copies_statement(
        phashes, other_than_report=other_than_report, sha256_in=sha256_in, max_bits=max_bits
    )
    if stmt is None:
        return []
    return [NearCopy(int(r[0]), r[1], r[2], r[3], int(r[4])) for r in session.execute(stmt)]


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
    """A photo of a dispatch's work: `check_in` (taken on site at the report-in), `result` (the unit's)
    or `verification` (the grid worker's)."""

    dispatch_id: uuid.UUID
    kind: str
    photo: RecordedPhoto


def dispatch_photos(session: Session, dispatch_ids: Sequence[uuid.UUID]) -> list[DispatchPhoto]:
    """The report-in, result and verification photos of these dispatches, oldest first."""
    if not dispatch_ids:
        return []
    p, i = Photo, refs.verification_items.c
    ids = list(dispatch_ids)
    # A verification covers every unit's result of its case: its photos show under each of them.
    rows = session.execute(
        select(
            p.id, p.sha256, p.display_key, p.thumb_key, p.dispatch_id, p.verification_task_id,
            p.check_in_dispatch_id, i.dispatch_id,
        )
        .outerjoin(refs.verification_items, i.task_id == p.verification_task_id)
        .where(or_(p.dispatch_id.in_(ids), p.check_in_dispatch_id.in_(ids), i.dispatch_id.in_(ids)))
        # A report-in before the result, a result before its verification, also when stored in one instant.
        .order_by(
            p.created_at, p.check_in_dispatch_id.is_(None), p.verification_task_id.is_not(None), p.position,
            p.id, i.dispatch_id,
        )
    )  # fmt: skip
    out = []
    for photo_id, sha256, display_key, thumb_key, result_of, task_id, check_in_of, verified in rows:
        if check_in_of is not None:
            owner, kind = check_in_of, "check_in"
        elif result_of is not None:
            owner, kind = result_of, "result"
        else:
            owner, kind = verified, "verification"
        photo = RecordedPhoto(photo_id, sha256, display_key, thumb_key, result_of or check_in_of, task_id)
        out.append(DispatchPhoto(dispatch_id=owner, kind=kind, photo=photo))
    return out


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
    # Owned by a report, a unit's result or report-in, or a grid worker's verification: its case.
    d, t, r = refs.dispatches.c, refs.verification_tasks.c, refs.reports.c
    dispatch_id = photo.dispatch_id or photo.check_in_dispatch_id
    if dispatch_id is not None:
        case_of_photo = select(d.case_id).where(d.id == dispatch_id)
    elif photo.verification_task_id is not None:
        case_of_photo = select(t.case_id).where(t.id == photo.verification_task_id)
    else:
        case_of_photo = select(r.case_id).where(r.id == photo.report_id)
    assigned = select(func.count()).where(
        d.case_id == case_of_photo.scalar_subquery(), d.unit_id == user.unit_id
    )
    return bool(session.scalar(assigned))
