"""A unit's result photos through the same media pipeline as reports: checked, stored, then committed.

The photos are processed and durably stored before the database transaction that records the result
commits (DESIGN.md §8); a crash in between leaves only orphans for the media sweep. Their rows go to
the intake's `photos` table with `dispatch_id` set (migration 0004_cases).
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import UploadFile

from media.errors import MediaError, TooLarge, TooManyPhotos
from media.limits import MediaLimits
from media.pipeline import process_photo, store_photo
from media.storage import FileSystemStore, MediaStore
from service.cases.department import ResultPhoto
from service.errors import DomainError
from service.settings import Settings


class MediaRefused(DomainError):
    """A media error answered with the status and code the media package chose."""

    def __init__(self, exc: MediaError) -> None:
        super().__init__(exc.message)
        self.status = exc.http_status
        self.code = exc.code


def media_store(settings: Settings) -> MediaStore:
    return FileSystemStore(settings.media.root)


def media_limits(settings: Settings) -> MediaLimits:
    m = settings.media
    return MediaLimits(
        max_file_bytes=m.max_file_bytes,
        max_total_bytes=m.max_total_bytes,
        max_pixels=m.max_pixels,
        max_photos=m.max_photos,
        min_photos=0,
    )


def process_result_photos(uploads: Sequence[UploadFile], settings: Settings) -> list[ResultPhoto]:
    limits = media_limits(settings)
    if len(uploads) > limits.max_photos:
        raise MediaRefused(_too_many(limits.max_photos))
    store = media_store(settings)
    stored = []
    total = 0
    try:
        for upload in uploads:
            processed = process_photo(upload.file, limits=limits)
            total += processed.size
            if total > limits.max_total_bytes:
                raise TooLarge("the result photos together exceed the total size limit; nothing was stored")
            keys = store_photo(processed, store)
            stored.append(
                ResultPhoto(
                    sha256=keys.sha256,
                    original_key=keys.original_key,
                    display_key=keys.display_key,
                    thumb_key=keys.thumbnail_key,
                )
            )
    except MediaError as exc:
        raise MediaRefused(exc) from exc
    return stored


def _too_many(limit: int) -> MediaError:
    return TooManyPhotos(f"at most {limit} result photos")
