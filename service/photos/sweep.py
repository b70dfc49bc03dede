"""The orphan sweep: stored objects that no `photos` row names, older than a grace period, are removed.

Orphans come from uploads that stored their photos and then failed before the database commit (a lost
connection, a crash, a refused category after storing). The grace period (`media.orphan_grace_s`, a day
by default) keeps objects of uploads still in flight: an upload stores, then commits within seconds,
and storing an object that already exists refreshes its time (`media.storage`), so an object about to
be named by a new row is never "old". Works on both stores through `MediaStore.iter_keys`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from media.storage import FileSystemStore, MediaStore
from service.photos.models import Photo

BATCH = 500


@dataclass
class SweepResult:
    removed: list[str] = field(default_factory=list)
    kept: int = 0
    temporaries: int = 0


def referenced_keys(session: Session, keys: Sequence[str]) -> set[str]:
    """Which of `keys` some `photos` row names (three indexed lookups)."""
    if not keys:
        return set()
    stmt = union(
        select(Photo.original_key).where(Photo.original_key.in_(keys)),
        select(Photo.display_key).where(Photo.display_key.in_(keys)),
        select(Photo.thumb_key).where(Photo.thumb_key.in_(keys)),
    )
    return set(session.scalars(stmt))


def _batches(items: Iterator[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def sweep_orphans(
    *,
    session: Session,
    store: MediaStore,
    grace: timedelta,
    now: datetime | None = None,
    dry_run: bool = False,
) -> SweepResult:
    """Remove (or with `dry_run` only list) every stored object older than `grace` that no row names."""
    cutoff = (now or datetime.now(UTC)) - grace
    result = SweepResult()
    old_keys = (key for key, modified in store.iter_keys() if modified < cutoff)
    for batch in _batches(old_keys, BATCH):
        named = referenced_keys(session, batch)
        session.rollback()  # end the read: no transaction is held while deleting files
        result.kept += len(named)
        for key in batch:
            if key in named:
                continue
            if not dry_run:
                store.delete(key)
            result.removed.append(key)
    if isinstance(store, FileSystemStore) and not dry_run:
        result.temporaries = store.remove_stale_temporaries(older_than=cutoff)
    return result
