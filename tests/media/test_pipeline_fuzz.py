"""Hypothesis on the whole pipeline: damaged photos of every format are processed or refused cleanly."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from media.decode import register_heif
from media.errors import MediaError
from media.pipeline import process_photo
from tests.media.photo_factory import encode, fixture_bytes

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

register_heif()
_SOURCE = Image.new("RGB", (48, 32), (10, 200, 30))
SAMPLES = [
    fixture_bytes("DSCN0010.jpg"),
    encode(_SOURCE, "JPEG", progressive=True),
    encode(_SOURCE, "PNG"),
    encode(_SOURCE, "WEBP"),
    encode(_SOURCE, "HEIF", quality=50),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_damaged_photos_are_processed_or_refused_with_our_errors(data: st.DataObject) -> None:
    raw = bytearray(data.draw(st.sampled_from(SAMPLES)))
    for _ in range(data.draw(st.integers(1, 10))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(1, len(raw)))]
    with contextlib.suppress(MediaError):
        photo = process_photo(bytes(raw))
        assert photo.display.data[:3] == b"\xff\xd8\xff"
        assert b"Exif" not in photo.display.data


def test_the_undamaged_samples_all_process() -> None:
    for sample in SAMPLES:
        assert process_photo(sample).display.size > 0
