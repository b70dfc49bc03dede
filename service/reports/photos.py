"""Photos through the media pipeline for any domain: process (CPU), store (durable), describe (row).

Reused by the case workflow for a unit's result photos. The order is always the same (DESIGN.md §8):

    processed = process_uploads(sources, limits=media_limits(settings.media))   # CPU, nothing stored
    stored = store_uploaded_photos(processed, store)                           # durable on return
    session.execute(insert(Photo), [photo_columns(p, s, position=i, ...) | {...}])
    session.commit()                                                            # then answer

A crash between storing and committing leaves only objects no row names; `whistle media sweep`
removes them after the grace period. Every stored object must be named by a `photos` row, or the
sweep will (rightly) treat it as an orphan.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from media.derivatives import DerivativeSpec
from media.errors import MediaError, TooLarge
from media.exif import PhotoMetadata
from media.limits import MediaLimits, Readable, check_photo_count, human_bytes
from media.pipeline import DEFAULT_SPEC, ProcessedPhoto, StoredPhoto, process_photo, store_photo
from media.storage import MediaStore
from service.media_store import MediaRefused, media_error
from service.reports.location import exif_position, exif_time_utc

CHINA_STANDARD_OFFSET = timedelta(hours=8)

# Photos decoded at once in this process: one per core. Decoding is CPU-bound (more threads than cores
# only interleave the same work), and each decode holds up to `max_pixels` × 4 bytes, so this bounds
# the memory a burst of uploads can take (16 phones at once no longer mean 16 decodes at once).
DECODE_SLOTS = threading.BoundedSemaphore(os.cpu_count() or 2)


def process_uploads(
    sources: Sequence[bytes | Readable],
    *,
    limits: MediaLimits,
    spec: DerivativeSpec = DEFAULT_SPEC,
) -> list[ProcessedPhoto]:
    """Check and convert every photo (CPU only; run it in a worker thread). Nothing is stored.

    Raises `MediaRefused` (415/413/422 with the media package's code; `details.photo` is the 0-based
    index of the refused photo) for the first photo refused, and for a count or total over `limits`.
    """
    try:
        check_photo_count(len(sources), limits)
    except MediaError as exc:
        raise media_error(exc) from exc
    processed: list[ProcessedPhoto] = []
    total = 0
    for index, source in enumerate(sources):
        try:
            with DECODE_SLOTS:
                photo = process_photo(source, limits=limits, spec=spec)
            total += photo.size
            if total > limits.max_total_bytes:
                raise TooLarge(
                    f"The photos together exceed {human_bytes(limits.max_total_bytes)}; nothing was stored."
                )
        except MediaError as exc:
            raise media_error(exc, details={"photo": index}) from exc
        processed.append(photo)
    return processed


def store_uploaded_photos(photos: Sequence[ProcessedPhoto], store: MediaStore) -> list[StoredPhoto]:
    """Store each photo's original (private) and derivatives (public); every object is durable on
    return. Raises `MediaRefused` (507 store full, 503 store failing) and may leave orphans then."""
    stored: list[StoredPhoto] = []
    for photo in photos:
        try:
            stored.append(store_photo(photo, store))
        except MediaError as exc:
            raise media_error(exc) from exc
    return stored


def metadata_json(meta: PhotoMetadata) -> dict[str, Any]:
    """Every fact the photo carried, JSON-ready (times as ISO 8601; naive ones stay naive)."""
    facts = asdict(meta)
    for name, value in facts.items():
        if isinstance(value, datetime):
            facts[name] = value.isoformat()
        elif isinstance(value, tuple):
            facts[name] = list(value)
    return facts


def photo_columns(
    photo: ProcessedPhoto,
    stored: StoredPhoto,
    *,
    position: int,
    report_id: uuid.UUID | None = None,
    local_offset: timedelta = CHINA_STANDARD_OFFSET,
) -> dict[str, Any]:
    """Values of a `photos` row for a stored photo (add `dispatch_id` etc. for other owners)."""
    meta = photo.metadata
    position_exif = exif_position(meta)
    return {
        "id": uuid.uuid4(),
        "report_id": report_id,
        "position": position,
        "sha256": stored.sha256,
        "original_key": stored.original_key,
        "display_key": stored.display_key,
        "thumb_key": stored.thumbnail_key,
        "format": photo.format.value,
        "byte_size": photo.size,
        "width": meta.display_width,
        "height": meta.display_height,
        "orientation": meta.orientation,
        "exif_lon": position_exif[0] if position_exif else None,
        "exif_lat": position_exif[1] if position_exif else None,
        "taken_at": exif_time_utc(meta, local_offset=local_offset),
        "exif": metadata_json(meta),
    }


__all__ = [
    "MediaRefused",
    "metadata_json",
    "photo_columns",
    "process_uploads",
    "store_uploaded_photos",
]
