"""The `photos` table: the one registry of stored media objects.

Every key in the photo store that no `photos` row names is an orphan the sweep may remove. A photo has at
most one owner: a report (`report_id`), a unit's result (`dispatch_id`, migration 0004), a grid worker's
verification (`verification_task_id`, 0007) or an officer's report-in on site (`check_in_dispatch_id`,
0016); most descriptive columns are nullable for the older rows.
`phash` (0011) is the perceptual hash that finds re-encoded copies (`service.photos.service.near_copies`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, new_id

PHASH_CHUNKS = 4


def _phash_chunk(index: int) -> Computed:
    """Chunk `index` (0 = bits 63–48) of the hash, 0–65535, as migration 0011 generates it."""
    return Computed(f"CAST((phash >> {16 * (PHASH_CHUNKS - 1 - index)}) & 65535 AS integer)", persisted=True)


class Photo(Base):
    """A stored photo: the private original and its two public derivatives, named by content hash."""

    __tablename__ = "photos"
    __table_args__ = (
        UniqueConstraint("report_id", "position", name="uq_photos_report_id_position"),
        CheckConstraint(
            "num_nonnulls(report_id, dispatch_id, verification_task_id, check_in_dispatch_id) <= 1",
            name="one_owner",
        ),
        CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="sha256_hex"),
        Index("ix_photos_report_id", "report_id"),
        Index("ix_photos_dispatch_id", "dispatch_id"),
        Index("ix_photos_check_in_dispatch_id", "check_in_dispatch_id"),
        Index(
            "ix_photos_verification_task_id",
            "verification_task_id",
            postgresql_where=text("verification_task_id IS NOT NULL"),
        ),
        # "Photo already used": the same original bytes in another report.
        Index("ix_photos_sha256", "sha256"),
        # The orphan sweep asks, per stored key, whether any row still names it.
        Index("ix_photos_original_key", "original_key"),
        Index("ix_photos_display_key", "display_key"),
        Index("ix_photos_thumb_key", "thumb_key"),
        # "Photo already used", re-encoded: the near-copy search probes the four chunks of the hash.
        *(Index(f"ix_photos_phash_{i}", f"phash_{i}") for i in range(PHASH_CHUNKS)),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    report_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("reports.id"))
    dispatch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("dispatches.id"))
    verification_task_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("verification_tasks.id"))
    # The photo taken on site at a report-in (报到) of this dispatch (0016_check_in_on_site).
    check_in_dispatch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("dispatches.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64))
    original_key: Mapped[str] = mapped_column(Text)
    display_key: Mapped[str] = mapped_column(Text)
    thumb_key: Mapped[str] = mapped_column(Text)
    format: Mapped[str | None] = mapped_column(String(10))
    byte_size: Mapped[int | None] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    orientation: Mapped[int | None] = mapped_column(Integer)
    exif_lon: Mapped[float | None] = mapped_column(Float)
    exif_lat: Mapped[float | None] = mapped_column(Float)
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Every fact read from the photo (altitude, direction, device, warnings...), for the console.
    exif: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # `media.perceptual.phash`: the unsigned 64 bits as a signed BIGINT (NULL: older or featureless).
    phash: Mapped[int | None] = mapped_column(BigInteger)
    phash_0: Mapped[int | None] = mapped_column(Integer, _phash_chunk(0))
    phash_1: Mapped[int | None] = mapped_column(Integer, _phash_chunk(1))
    phash_2: Mapped[int | None] = mapped_column(Integer, _phash_chunk(2))
    phash_3: Mapped[int | None] = mapped_column(Integer, _phash_chunk(3))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
