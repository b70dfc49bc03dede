"""Photos the case workflow records: a unit's result photos (处置照片) and a grid worker's verification
photos (核查照片).

Both are rows of the intake's `photos` table, each with exactly one owner: `dispatch_id` for a result,
`verification_task_id` for a verification (migrations 0004_cases and 0007_verification_photos). The
objects are stored before the transaction that records them commits (`service.cases.photos`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from service.cases.models import VerificationTask
from service.db import refs


@dataclass(frozen=True)
class CasePhoto:
    """A photo already through the media pipeline and durably stored (the keys name the objects)."""

    sha256: str
    original_key: str
    display_key: str
    thumb_key: str
    # Every other `photos` column the intake fills (format, size, EXIF facts), when known.
    columns: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordedPhoto:
    """A stored case photo as the lists show it: its public derivatives and its owner."""

    id: uuid.UUID
    sha256: str
    display_key: str
    thumb_key: str
    dispatch_id: uuid.UUID | None
    verification_task_id: uuid.UUID | None


def record_photos(
    session: Session,
    photos: Sequence[CasePhoto],
    *,
    dispatch_id: uuid.UUID | None = None,
    verification_task_id: uuid.UUID | None = None,
) -> None:
    """Insert the `photos` rows of one result (`dispatch_id`) or one verification (`verification_task_id`)."""
    if (dispatch_id is None) == (verification_task_id is None):
        raise ValueError("a case photo has exactly one owner: a dispatch's result or a verification task")
    if not photos:
        return
    session.execute(
        insert(refs.photos),
        [
            {
                "id": uuid.uuid4(),
                **p.columns,
                "report_id": None,
                "dispatch_id": dispatch_id,
                "verification_task_id": verification_task_id,
                "sha256": p.sha256,
                "original_key": p.original_key,
                "display_key": p.display_key,
                "thumb_key": p.thumb_key,
                "position": i,
            }
            for i, p in enumerate(photos)
        ],
    )


def result_photos(
    session: Session, dispatch_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[RecordedPhoto]]:
    """Every result photo of these dispatches (all results, reworks included), oldest first."""
    return _grouped(session, refs.photos.c.dispatch_id, dispatch_ids)


def verification_photos(
    session: Session, task_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[RecordedPhoto]]:
    """Every photo the grid workers took when deciding these verification tasks."""
    return _grouped(session, refs.photos.c.verification_task_id, task_ids)


def _grouped(
    session: Session, owner: Any, owner_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[RecordedPhoto]]:
    out: dict[uuid.UUID, list[RecordedPhoto]] = {owner_id: [] for owner_id in owner_ids}
    if not owner_ids:
        return out
    p = refs.photos.c
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
    p = refs.photos.c
    ids = list(dispatch_ids)
    tasks = select(VerificationTask.id).where(VerificationTask.dispatch_id.in_(ids))
    rows = session.execute(
        select(
            p.id, p.sha256, p.display_key, p.thumb_key, p.dispatch_id, p.verification_task_id,
            VerificationTask.dispatch_id,
        )
        .outerjoin(VerificationTask, VerificationTask.id == p.verification_task_id)
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
