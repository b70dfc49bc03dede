"""The benchmark's generated 12 MP photo is what bench/intake.py says it is (no timing here)."""

from __future__ import annotations

import pytest

from bench.intake_cpu import make_test_jpeg
from media.derivatives import DerivativeSpec, draft_scale
from media.exif import read_metadata


def test_bench_photo_is_a_deterministic_3_mb_12_mp_jpeg_with_gps() -> None:
    data = make_test_jpeg()
    assert data == make_test_jpeg()
    assert 2_500_000 <= len(data) <= 3_500_000
    meta = read_metadata(data)
    assert (meta.width, meta.height) == (4000, 3000)
    assert meta.lat == pytest.approx(43.837883, abs=1e-6)
    assert meta.lon == pytest.approx(126.549572, abs=1e-6)
    assert draft_scale(meta.width, meta.height, DerivativeSpec()) == 2


def test_bench_prepared_photo_is_what_the_phone_sends_and_takes_the_small_jpeg_path() -> None:
    from bench.intake_cpu import make_prepared_jpeg
    from media.pipeline import process_photo
    from media.small_jpeg import strip_metadata

    original = make_test_jpeg()
    data = make_prepared_jpeg(original)
    meta = read_metadata(data)
    assert (meta.width, meta.height, meta.orientation) == (2048, 1536, 1)
    assert (meta.lat, meta.lon, meta.taken_at) == (
        read_metadata(original).lat,
        read_metadata(original).lon,
        read_metadata(original).taken_at,
    )
    assert process_photo(data).display.data == strip_metadata(data)  # measured on the path it claims
