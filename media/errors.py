"""Errors raised by the media package.

Each error carries a stable machine `code` and the HTTP status the service layer should answer with
(`http_status`). The media package never imports the web framework: the service maps these errors to
its JSON error shape using the two attributes, so the mapping lives in exactly one place per error.
Messages are written for the person holding the phone: they say what was found and what is allowed.
"""

from __future__ import annotations


class MediaError(Exception):
    """Base class of every error the media package raises on purpose."""

    code: str = "media_error"
    http_status: int = 422

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnsupportedMediaType(MediaError):
    """The bytes are not one of the accepted image formats (whatever the declared type said)."""

    code = "unsupported_media_type"
    http_status = 415


class TooLarge(MediaError):
    """A file, or the photos of one report together, exceed the byte limit."""

    code = "too_large"
    http_status = 413


class DecompressionBomb(MediaError):
    """The image claims more pixels than allowed: decoding it would exhaust memory."""

    code = "decompression_bomb"
    http_status = 422


class BrokenImage(MediaError):
    """The bytes start like an accepted format but cannot be decoded (truncated, corrupt)."""

    code = "broken_image"
    http_status = 422


class TooManyPhotos(MediaError):
    """A report carries more (or fewer) photos than allowed."""

    code = "photo_count"
    http_status = 422


class StorageError(MediaError):
    """The object store failed for a reason other than a full disk."""

    code = "storage_error"
    http_status = 503


class StorageFull(StorageError):
    """The object store has no space left; nothing partial was left behind."""

    code = "storage_full"
    http_status = 507


class ObjectNotFound(MediaError, LookupError):
    """No stored object under this key."""

    code = "not_found"
    http_status = 404


class InvalidKey(MediaError, ValueError):
    """A storage key that is not one of our own content-hash keys (never built from user input)."""

    code = "invalid_key"
    http_status = 400
