"""Byte limits enforced while streaming; photo counts; documented defaults."""

from __future__ import annotations

import io

import pytest

from media.errors import TooLarge, TooManyPhotos
from media.limits import MediaLimits, MiB, UploadBudget, check_photo_count, spool_limited


class CountingStream:
    """A stream of `total` bytes that records how many bytes were read from it."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.read_bytes = 0

    def read(self, size: int = -1, /) -> bytes:
        if size < 0:
            size = self.total - self.read_bytes
        chunk = min(size, self.total - self.read_bytes)
        self.read_bytes += chunk
        return b"\xab" * chunk


def test_defaults_are_the_documented_ones() -> None:
    limits = MediaLimits()
    assert limits.max_file_bytes == 25 * MiB
    assert limits.max_total_bytes == 60 * MiB
    assert limits.max_pixels == 100_000_000
    assert (limits.min_photos, limits.max_photos) == (1, 9)


def test_invalid_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        MediaLimits(max_file_bytes=0)
    with pytest.raises(ValueError):
        MediaLimits(min_photos=10, max_photos=9)


def test_a_60_mb_upload_is_refused_after_reading_just_past_the_limit() -> None:
    stream = CountingStream(60 * 1000 * 1000)
    with pytest.raises(TooLarge) as caught:
        spool_limited(stream, max_bytes=25 * MiB)
    assert stream.read_bytes <= 25 * MiB + 256 * 1024
    assert caught.value.http_status == 413
    assert "25 MiB" in caught.value.message


def test_an_upload_of_exactly_the_limit_is_kept_whole() -> None:
    data = bytes(range(256)) * 4096  # 1 MiB
    with spool_limited(io.BytesIO(data), max_bytes=len(data)) as upload:
        assert upload.size == len(data)
        assert upload.read_all() == data


def test_one_byte_over_the_limit_is_refused() -> None:
    with pytest.raises(TooLarge):
        spool_limited(io.BytesIO(b"x" * 1001), max_bytes=1000)


def test_large_uploads_roll_over_to_disk_not_memory() -> None:
    with spool_limited(CountingStream(6 * MiB), max_bytes=25 * MiB) as upload:
        assert upload.size == 6 * MiB
        assert upload.file._rolled  # type: ignore[attr-defined]


@pytest.mark.parametrize(("count", "ok"), [(0, False), (1, True), (9, True), (10, False)])
def test_photo_count(count: int, ok: bool) -> None:
    if ok:
        check_photo_count(count, MediaLimits())
    else:
        with pytest.raises(TooManyPhotos) as caught:
            check_photo_count(count, MediaLimits())
        assert caught.value.http_status == 422
        assert str(count) in caught.value.message


def test_budget_refuses_the_tenth_photo_before_reading_it() -> None:
    budget = UploadBudget(MediaLimits())
    for _ in range(9):
        budget.spool(io.BytesIO(b"photo"))
    tenth = CountingStream(100)
    with pytest.raises(TooManyPhotos):
        budget.spool(tenth)
    assert tenth.read_bytes == 0
    budget.close()


def test_budget_enforces_the_total_across_files() -> None:
    limits = MediaLimits(max_file_bytes=1000, max_total_bytes=2500)
    budget = UploadBudget(limits)
    budget.spool(io.BytesIO(b"a" * 1000))
    budget.spool(io.BytesIO(b"b" * 1000))
    third = CountingStream(1000)
    with pytest.raises(TooLarge, match="together"):
        budget.spool(third)
    assert third.read_bytes <= 501
    budget.close()


def test_budget_enforces_the_per_file_limit_and_the_minimum() -> None:
    budget = UploadBudget(MediaLimits(max_file_bytes=10))
    with pytest.raises(TooLarge):
        budget.spool(io.BytesIO(b"x" * 11))
    with pytest.raises(TooManyPhotos):
        budget.finish()
    budget.spool(io.BytesIO(b"ok"))
    (only,) = budget.finish()
    assert only.read_all() == b"ok"
    budget.close()
