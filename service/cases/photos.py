"""Case photos (a unit's result, a grid worker's verification) through the intake's photo helpers:
checked, stored, then committed.

The same pipeline and order as a report's photos (`service.reports.photos`, DESIGN.md §8): processed
(CPU, nothing stored), stored durably, and only then the database transaction that records the result
commits; a crash in between leaves only orphans for `whistle media sweep`. The rows go to the intake's
`photos` table with their owner set (`service.cases.case_photos`) and every column the intake fills.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import UploadFile

from media.storage import MediaStore
from service.cases.case_photos import CasePhoto
from service.media_store import media_limits
from service.reports.photos import photo_columns, process_uploads, store_uploaded_photos
from service.settings import Settings


def process_case_photos(
    uploads: Sequence[UploadFile], settings: Settings, store: MediaStore, *, min_photos: int = 0
) -> list[CasePhoto]:
    """`min_photos` to `max_photos` photos, stored durably on return; raises `MediaRefused`
    (415/413/422/507/503) with nothing committed."""
    limits = media_limits(settings.media, min_photos=min_photos)
    processed = process_uploads([u.file for u in uploads], limits=limits)
    stored = store_uploaded_photos(processed, store)
    out = []
    for position, (photo, keys) in enumerate(zip(processed, stored, strict=True)):
        columns = photo_columns(photo, keys, position=position)
        out.append(
            CasePhoto(
                sha256=keys.sha256,
                original_key=keys.original_key,
                display_key=keys.display_key,
                thumb_key=keys.thumbnail_key,
                columns=columns,
            )
        )
    return out
