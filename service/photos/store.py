"""The photo store and limits, built from settings once per process (in the app's lifespan).

- `build_media_store(settings.media)`: a `FileSystemStore` under `media.root` (originals private under
  `originals/`, derivatives public under `public/`), or an `S3Store` when `media.backend == "s3"` (one
  bucket, `media.s3_bucket`, the two key prefixes separated by a bucket policy; credentials come from the
  standard AWS environment variables or instance profile, never from our settings).
- `media_limits(settings.media)`: the `MediaLimits` every upload path applies.
- `MediaStoreDep`: the store of the running app, for views.
- `media_error(exc)`: the one place a `media.errors.MediaError` becomes our JSON error (status and code
  chosen by the media package: 415, 413, 422, 507, 503, 404, 400).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from media.errors import MediaError
from media.limits import MediaLimits
from media.storage import FileSystemStore, MediaStore
from service.errors import DomainError
from service.settings import MediaSettings


def build_media_store(settings: MediaSettings) -> MediaStore:
    if settings.backend == "s3":
        import boto3

        from media.storage_s3 import S3Store

        client = boto3.client("s3", endpoint_url=settings.s3_endpoint_url, region_name=settings.s3_region)
        return S3Store(client, private_bucket=settings.s3_bucket, public_bucket=settings.s3_bucket)
    return FileSystemStore(settings.root)


def media_limits(settings: MediaSettings, *, min_photos: int = 1) -> MediaLimits:
    return MediaLimits(
        max_file_bytes=settings.max_file_bytes,
        max_total_bytes=settings.max_total_bytes,
        max_pixels=settings.max_pixels,
        max_photos=settings.max_photos,
        min_photos=min_photos,
    )


def get_media_store(request: Request) -> MediaStore:
    """The store built in the lifespan; built here on first use when an app runs without its lifespan."""
    store: MediaStore | None = getattr(request.app.state, "media_store", None)
    if store is None:
        store = build_media_store(request.app.state.settings.media)
        request.app.state.media_store = store
    return store


MediaStoreDep = Annotated[MediaStore, Depends(get_media_store)]


class MediaRefused(DomainError):
    """A refusal by the media package, answered with the status and code the media package chose."""

    def __init__(self, exc: MediaError, *, details: object = None) -> None:
        super().__init__(exc.message, details=details)
        self.status = exc.http_status
        self.code = exc.code
        if exc.http_status in (503, 507):
            self.headers["Retry-After"] = "30"


def media_error(exc: MediaError, *, details: object = None) -> MediaRefused:
    return MediaRefused(exc, details=details)
