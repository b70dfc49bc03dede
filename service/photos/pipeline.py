"""Photos through the media pipeline, for every owner: process (CPU), store (durable), describe.

The order is always the same (DESIGN.md §8):

    processed = process_uploads(sources, limits=media_limits(settings.media))   # CPU, nothing stored
    photos = store_photos(processed, store)                                    # durable on return
    record_photos(session, photos, report_id=...)                              # the rows (service)
    session.commit()                                                            # then answer

(`receive_photos` does the first two at once when nothing has to be read from the photos in between.)
A crash between storing and committing leaves only objects no row names; `whistle media sweep`
removes them after the grace period. Every stored object must be named by a `photos` row, or the
sweep will (rightly) treat it as an orphan.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, NamedTuple

from media.derivatives import DerivativeSpec
from media.errors import MediaError, TooLarge
from media.exif import PhotoMetadata
from media.limits import MediaLimits, Readable, check_photo_count, human_bytes
from media.perceptual import to_signed
from media.pipeline import DEFAULT_SPEC, ProcessedPhoto, StoredPhoto, process_photo, store_photo
from media.storage import MediaStore
from service.photos.store import media_error

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


def exif_position(meta: PhotoMetadata) -> tuple[float, float] | None:
    """The photo's GPS position when usable: in range, and not the (0, 0) some cameras write for "no fix"."""
    if meta.lon is None or meta.lat is None:
        return None
    if not (-180 <= meta.lon <= 180 and -90 <= meta.lat <= 90) or (meta.lon == 0 and meta.lat == 0):
        return None
    return meta.lon, meta.lat


def exif_time_utc(meta: PhotoMetadata, *, local_offset: timedelta) -> datetime | None:
    """The photo's capture time in UTC (DateTimeOriginal, else DateTimeDigitized, else the GPS clock).
    A time without an offset is the camera's local clock, read in `local_offset` (the reporter's own
    offset when known, else China Standard Time)."""
    if meta.taken_at is None:
        return meta.gps_time_utc.astimezone(UTC) if meta.gps_time_utc else None
    return _utc(meta.taken_at, local_offset)


def exif_modified_utc(meta: PhotoMetadata, *, local_offset: timedelta) -> datetime | None:
    """The photo's EXIF DateTime (when the file was last written) in UTC, read like `exif_time_utc`."""
    return _utc(meta.modified_at, local_offset) if meta.modified_at is not None else None


def _utc(value: datetime, local_offset: timedelta) -> datetime:
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    return value.replace(tzinfo=timezone(local_offset)).astimezone(UTC)


class PhotoTime(NamedTuple):
    """When a photo says it was taken, in UTC, and whether that is only its EXIF DateTime (`modified`:
    the file's last-modified time, used when it carries no capture time)."""

    at: datetime
    modified: bool


def metadata_json(meta: PhotoMetadata) -> dict[str, Any]:
    """Every fact the photo carried, JSON-ready (times as ISO 8601; naive ones stay naive)."""
    facts = asdict(meta)
    for name, value in facts.items():
        if isinstance(value, datetime):
            facts[name] = value.isoformat()
        elif isinstance(value, tuple):
            facts[name] = list(value)
    return facts


@dataclass(frozen=True)
class NewPhoto:
    """A photo through the pipeline and durably stored (the keys name the objects), not yet recorded."""

    sha256: str
    original_key: str
    display_key: str
    thumb_key: str
    # The other `photos` columns: format, byte_size, width, height, orientation, exif_lon, exif_lat,
    # taken_at (UTC), exif (every fact the photo carried), phash (signed BIGINT form), when known.
    columns: Mapping[str, Any] = field(default_factory=dict)
    # The EXIF DateTime in UTC (not a column: the exif JSON keeps it as the photo wrote it).
    modified_at: datetime | None = None

    @property
    def phash(self) -> int | None:
        """The perceptual hash as the `photos.phash` column holds it (signed 64-bit), if any."""
        value = self.columns.get("phash")
        return value if isinstance(value, int) else None

    @property
    def taken_at(self) -> datetime | None:
        value = self.columns.get("taken_at")
        return value if isinstance(value, datetime) else None

    @property
    def photo_time(self) -> PhotoTime | None:
        """The capture time (`taken_at`), else the EXIF DateTime: what `exif_time_old` compares."""
        if self.taken_at is not None:
            return PhotoTime(self.taken_at, modified=False)
        return PhotoTime(self.modified_at, modified=True) if self.modified_at is not None else None

    @property
    def exif_position(self) -> tuple[float, float] | None:
        lon, lat = self.columns.get("exif_lon"), self.columns.get("exif_lat")
        return (float(lon), float(lat)) if lon is not None and lat is not None else None


def describe(photo: ProcessedPhoto, stored: StoredPhoto, *, local_offset: timedelta) -> NewPhoto:
    """The stored photo with the facts its row keeps."""
    meta = photo.metadata
    position = exif_position(meta)
    return NewPhoto(
        sha256=stored.sha256,
        original_key=stored.original_key,
        display_key=stored.display_key,
        thumb_key=stored.thumbnail_key,
        columns={
            "format": photo.format.value,
            "byte_size": photo.size,
            "width": meta.display_width,
            "height": meta.display_height,
            "orientation": meta.orientation,
            "exif_lon": position[0] if position else None,
            "exif_lat": position[1] if position else None,
            "taken_at": exif_time_utc(meta, local_offset=local_offset),
            "exif": metadata_json(meta),
            "phash": to_signed(photo.phash) if photo.phash is not None else None,
        },
        modified_at=exif_modified_utc(meta, local_offset=local_offset),
    )


def store_photos(
    photos: Sequence[ProcessedPhoto], store: MediaStore, *, local_offset: timedelta = CHINA_STANDARD_OFFSET
) -> list[NewPhoto]:
    """Store each photo's original (private) and derivatives (public); every object is durable on
    return. Raises `MediaRefused` (507 store full, 503 store failing) and may leave orphans then."""
    out: list[NewPhoto] = []
    for photo in photos:
        try:
            stored = store_photo(photo, store)
        except MediaError as exc:
            raise media_error(exc) from exc
        out.append(describe(photo, stored, local_offset=local_offset))
    return out


def receive_photos(
    sources: Sequence[bytes | Readable],
    *,
    limits: MediaLimits,
    store: MediaStore,
    local_offset: timedelta = CHINA_STANDARD_OFFSET,
) -> list[NewPhoto]:
    """`process_uploads` then `store_photos`: checked, converted and durably stored on return."""
    return store_photos(process_uploads(sources, limits=limits), store, local_offset=local_offset)
