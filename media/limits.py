"""Upload limits, and a streaming copy that stops as soon as a limit is crossed.

Defaults (all configurable through `MediaLimits`; the service builds one from its settings):

| limit | default | why |
|---|---|---|
| `max_file_bytes` | 25 MiB | phone photos are 2–10 MB; a 200 MP JPEG is ~20 MB (reference §1.5) |
| `max_total_bytes` | 60 MiB | all photos of one report together; bounds one request's disk and time |
| `max_pixels` | 100,000,000 | 100 MP: above every phone's normal output mode; a bomb claims far more |
| `max_photos` | 9 | the issue's 1–9 photos per report |
| `min_photos` | 1 | a report is evidence: at least one photo |

Bytes are counted while streaming (`spool_limited`, `UploadBudget`), so a 60 MB upload is refused after
reading just over the limit, never loaded whole into memory. Pixels are checked from the image header
before any pixel is decoded (see `media.decode`).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from types import TracebackType
from typing import Protocol

from media.errors import TooLarge, TooManyPhotos

MiB = 1024 * 1024
CHUNK_BYTES = 256 * 1024
# Uploads up to this size stay in memory while spooling; bigger ones roll over to a temporary file.
SPOOL_MEMORY_BYTES = 4 * MiB


@dataclass(frozen=True, slots=True)
class MediaLimits:
    """Limits applied to the photos of one report. See the module docstring for the defaults' reasons."""

    max_file_bytes: int = 25 * MiB
    max_total_bytes: int = 60 * MiB
    max_pixels: int = 100_000_000
    max_photos: int = 9
    min_photos: int = 1

    def __post_init__(self) -> None:
        if min(self.max_file_bytes, self.max_total_bytes, self.max_pixels, self.max_photos) <= 0:
            raise ValueError("media limits must be positive")
        if not 0 <= self.min_photos <= self.max_photos:
            raise ValueError("min_photos must lie between 0 and max_photos")


class Readable(Protocol):
    """Anything with a binary `read(n)`: an open file, a SpooledTemporaryFile, Starlette's upload file."""

    def read(self, size: int = -1, /) -> bytes: ...


class SpooledUpload:
    """A bounded copy of one upload, rewound and ready to read; close it (or use `with`) when done."""

    def __init__(self, file: tempfile.SpooledTemporaryFile[bytes], size: int) -> None:
        self.file = file
        self.size = size

    def read_all(self) -> bytes:
        """The whole upload (at most the limit it was spooled under)."""
        self.file.seek(0)
        return self.file.read()

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> SpooledUpload:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def spool_limited(src: Readable, *, max_bytes: int, what: str = "photo") -> SpooledUpload:
    """Copy `src` into a spooled temporary file, refusing it as soon as it exceeds `max_bytes`.

    At most `max_bytes` plus one chunk is ever read from `src`, so the caller's memory and disk use are
    bounded whatever the client sends. Raises `TooLarge` (nothing is kept) when the limit is crossed.
    """
    # Not a `with` block: on success the open spool is handed to the caller inside SpooledUpload.
    spool: tempfile.SpooledTemporaryFile[bytes] = tempfile.SpooledTemporaryFile(  # noqa: SIM115
        max_size=SPOOL_MEMORY_BYTES, mode="w+b"
    )
    size = 0
    try:
        while True:
            chunk = src.read(min(CHUNK_BYTES, max_bytes - size + 1))
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise TooLarge(
                    f"The {what} is larger than the limit of {human_bytes(max_bytes)}; nothing was stored."
                )
            spool.write(chunk)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return SpooledUpload(spool, size)


def check_photo_count(count: int, limits: MediaLimits) -> None:
    """Refuse a photo count outside `min_photos..max_photos` (`TooManyPhotos`)."""
    if count > limits.max_photos:
        raise TooManyPhotos(f"Send at most {limits.max_photos} photos at once; {count} were sent.")
    if count < limits.min_photos:
        raise TooManyPhotos(f"Send at least {limits.min_photos} photo(s) taken on site; {count} were sent.")


@dataclass(slots=True)
class UploadBudget:
    """Spools the photos of one report in turn, enforcing the count, per-file and total limits.

    Each file may use the smaller of `max_file_bytes` and what is left of `max_total_bytes`, so the
    request stops reading at the first byte that would break either limit.
    """

    limits: MediaLimits
    total_bytes: int = 0
    count: int = 0
    spooled: list[SpooledUpload] = field(default_factory=list)

    def spool(self, src: Readable) -> SpooledUpload:
        if self.count >= self.limits.max_photos:
            raise TooManyPhotos(
                f"A report may carry at most {self.limits.max_photos} photos; more were sent."
            )
        remaining = self.limits.max_total_bytes - self.total_bytes
        per_file = self.limits.max_file_bytes
        if remaining < per_file:
            try:
                upload = spool_limited(src, max_bytes=remaining, what="photo")
            except TooLarge:
                raise TooLarge(
                    f"The photos of one report together exceed {human_bytes(self.limits.max_total_bytes)}; "
                    "nothing was stored."
                ) from None
        else:
            upload = spool_limited(src, max_bytes=per_file, what="photo")
        self.count += 1
        self.total_bytes += upload.size
        self.spooled.append(upload)
        return upload

    def open_file(self) -> UploadSink:
        """Start a file pushed in chunks (a streaming multipart parser); `UploadSink.finish()` adds it.

        Same limits as `spool`: the count is checked now, the bytes on every `write`.
        """
        if self.count >= self.limits.max_photos:
            raise TooManyPhotos(
                f"A report may carry at most {self.limits.max_photos} photos; more were sent."
            )
        remaining = self.limits.max_total_bytes - self.total_bytes
        if remaining < self.limits.max_file_bytes:
            return UploadSink(self, max_bytes=remaining, total_limit=True)
        return UploadSink(self, max_bytes=self.limits.max_file_bytes, total_limit=False)

    def finish(self) -> list[SpooledUpload]:
        """Check the minimum count once all files were read; returns the spooled uploads in order."""
        check_photo_count(self.count, self.limits)
        return list(self.spooled)

    def close(self) -> None:
        for upload in self.spooled:
            upload.close()


class UploadSink:
    """One file of an `UploadBudget`, written chunk by chunk as it arrives; refused at the first byte
    over its limit (the smaller of the per-file limit and what is left of the total)."""

    def __init__(self, budget: UploadBudget, *, max_bytes: int, total_limit: bool) -> None:
        self.budget = budget
        self.max_bytes = max_bytes
        self.total_limit = total_limit
        self.size = 0
        self._spool: tempfile.SpooledTemporaryFile[bytes] | None = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=SPOOL_MEMORY_BYTES, mode="w+b"
        )

    def write(self, chunk: bytes) -> None:
        if self._spool is None:
            raise ValueError("this upload was already finished or aborted")
        self.size += len(chunk)
        if self.size > self.max_bytes:
            self.abort()
            if self.total_limit:
                total = human_bytes(self.budget.limits.max_total_bytes)
                raise TooLarge(f"The photos of one report together exceed {total}; nothing was stored.")
            raise TooLarge(
                f"The photo is larger than the limit of {human_bytes(self.max_bytes)}; nothing was stored."
            )
        self._spool.write(chunk)

    def finish(self) -> SpooledUpload:
        if self._spool is None:
            raise ValueError("this upload was already finished or aborted")
        spool, self._spool = self._spool, None
        spool.seek(0)
        upload = SpooledUpload(spool, self.size)
        self.budget.count += 1
        self.budget.total_bytes += self.size
        self.budget.spooled.append(upload)
        return upload

    def abort(self) -> None:
        if self._spool is not None:
            self._spool.close()
            self._spool = None


def human_bytes(n: int) -> str:
    if n >= MiB and n % MiB == 0:
        return f"{n // MiB} MiB"
    if n >= MiB:
        return f"{n / MiB:.1f} MiB"
    return f"{n} bytes"
