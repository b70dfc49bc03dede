"""One photo from upload bytes to stored objects: the order the checks run in is the point.

`process_photo` (pure CPU, nothing stored):
1. size: bytes over `max_file_bytes` are refused (a file-like source is streamed and cut at the limit);
2. sniff: the format from the first bytes (415 for anything else);
3. header: opened lazily with only that format's decoder; the pixel count from the header is checked
   here, at the earliest moment it is known and before any pixel is decoded (bomb → 422);
4. EXIF: position, time, orientation, device, read from the header (never fails: warnings instead);
5. derivatives: draft decode, sRGB, upright, bounded, re-encoded without metadata (broken → 422); an
   already-small upright sRGB JPEG (prepared on the phone) is not re-encoded: its display derivative
   is the upload with every metadata segment cut out (`media.small_jpeg`);
6. hashes: SHA-256 of the original and of each derivative, which name the stored objects, and the
   perceptual hash of the upright picture (`media.perceptual`), which finds re-encoded copies.

`store_photo` then writes the private original and the public derivatives; it returns only once every
object is durable, so the caller may commit its database row next (DESIGN.md §8: photo stored →
database commit → 201). A crash in between leaves at most orphans, which the sweep removes.
"""

from __future__ import annotations

from dataclasses import dataclass

from media.decode import open_image
from media.derivatives import DerivativeSpec, EncodedJpeg, make_derivatives
from media.errors import TooLarge
from media.exif import PhotoMetadata, metadata_from_image
from media.hashing import display_key, original_key, sha256_hex, thumbnail_key
from media.limits import MediaLimits, Readable, human_bytes, spool_limited
from media.small_jpeg import small_jpeg_derivatives
from media.sniff import SNIFF_BYTES, ImageFormat, sniff_format
from media.storage import MediaStore

DEFAULT_LIMITS = MediaLimits()
DEFAULT_SPEC = DerivativeSpec()


@dataclass(frozen=True, slots=True)
class ProcessedPhoto:
    """An accepted photo: the original, what it says about itself, and its public derivatives."""

    sha256: str
    format: ImageFormat
    original: bytes
    metadata: PhotoMetadata
    display: EncodedJpeg
    thumbnail: EncodedJpeg
    phash: int | None = None  # unsigned 64-bit perceptual hash; None for a featureless picture

    @property
    def size(self) -> int:
        return len(self.original)

    @property
    def original_key(self) -> str:
        return original_key(self.sha256, self.format)

    @property
    def display_key(self) -> str:
        return display_key(self.display.sha256)

    @property
    def thumbnail_key(self) -> str:
        return thumbnail_key(self.thumbnail.sha256)


@dataclass(frozen=True, slots=True)
class StoredPhoto:
    """The keys under which a processed photo now durably lives."""

    sha256: str
    original_key: str
    display_key: str
    thumbnail_key: str


def process_photo(
    source: bytes | Readable,
    *,
    limits: MediaLimits = DEFAULT_LIMITS,
    spec: DerivativeSpec = DEFAULT_SPEC,
) -> ProcessedPhoto:
    """Check, read and convert one photo. Raises `TooLarge`, `UnsupportedMediaType`,
    `DecompressionBomb` or `BrokenImage`; nothing is stored."""
    data = _bounded_bytes(source, limits.max_file_bytes)
    fmt = sniff_format(data[:SNIFF_BYTES])
    with open_image(data, fmt, max_pixels=limits.max_pixels) as image:
        metadata = metadata_from_image(image, fmt)
        derivatives = None
        if fmt is ImageFormat.JPEG:  # already small (prepared on the phone): no resize, no re-encode
            derivatives = small_jpeg_derivatives(image, data, orientation=metadata.orientation, spec=spec)
        if derivatives is None:
            derivatives = make_derivatives(image, fmt, orientation=metadata.orientation, spec=spec)
    return ProcessedPhoto(
        sha256=sha256_hex(data),
        format=fmt,
        original=data,
        metadata=metadata,
        display=derivatives.display,
        thumbnail=derivatives.thumbnail,
        phash=derivatives.phash,
    )


def store_photo(processed: ProcessedPhoto, store: MediaStore) -> StoredPhoto:
    """Write the original (private) and both derivatives (public); durable when this returns.

    Idempotent: storing the same photo again rewrites nothing (keys are content hashes).
    """
    store.put(processed.original_key, processed.original)
    store.put(processed.display_key, processed.display.data)
    store.put(processed.thumbnail_key, processed.thumbnail.data)
    return StoredPhoto(
        sha256=processed.sha256,
        original_key=processed.original_key,
        display_key=processed.display_key,
        thumbnail_key=processed.thumbnail_key,
    )


def _bounded_bytes(source: bytes | Readable, max_bytes: int) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) > max_bytes:
            raise TooLarge(
                f"The photo is larger than the limit of {human_bytes(max_bytes)}; nothing was stored."
            )
        return bytes(source)
    with spool_limited(source, max_bytes=max_bytes) as upload:
        return upload.read_all()
