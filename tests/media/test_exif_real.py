"""The real camera and phone files: each gives the facts PROVENANCE.md lists."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image, ImageOps

from media.exif import read_metadata
from tests.media.photo_factory import FIXTURES, fixture_bytes


def test_nikon_dscn0010_position_and_time() -> None:
    meta = read_metadata(fixture_bytes("DSCN0010.jpg"))
    assert meta.lon == pytest.approx(11.885127, abs=1e-6)
    assert meta.lat == pytest.approx(43.467448, abs=1e-6)
    assert meta.taken_at == datetime(2008, 10, 22, 16, 28, 39)
    assert meta.taken_at_has_offset is False
    assert meta.modified_at == datetime(2008, 11, 1, 21, 15, 7)  # IFD0 DateTime: edited 10 days later
    assert meta.gps_datum == "WGS-84"
    assert (meta.make, meta.model) == ("NIKON", "COOLPIX P6000")
    assert (meta.width, meta.height, meta.orientation) == (640, 480, 1)
    assert meta.warnings == ()


def test_nokia_jpeg_position_time_with_offset_and_direction() -> None:
    meta = read_metadata(fixture_bytes("HMD_Nokia_8.3_5G.jpg"))
    assert meta.lon == pytest.approx(24.906772, abs=1e-6)
    assert meta.lat == pytest.approx(60.146706, abs=1e-6)
    assert meta.taken_at == datetime(2022, 8, 14, 14, 12, 31, tzinfo=timezone(timedelta(hours=3)))
    assert meta.taken_at_has_offset is True
    assert meta.direction_deg == pytest.approx(56.0)
    assert meta.direction_ref == "M"
    assert (meta.make, meta.model) == ("HMD Global", "Nokia 8.3 5G")
    assert (meta.width, meta.height) == (4608, 1976)
    # The GPS clock (UTC) agrees with the local time and its +03:00 offset.
    assert meta.gps_time_utc is not None
    assert abs(meta.gps_time_utc - meta.taken_at) < timedelta(seconds=5)


def test_nokia_heif_position_and_altitude() -> None:
    meta = read_metadata(fixture_bytes("HMD_Nokia_8.3_5G.heif"))
    assert meta.lon == pytest.approx(-4.005141, abs=1e-6)
    assert meta.lat == pytest.approx(40.788685, abs=1e-6)
    assert meta.altitude_m == pytest.approx(1942.4216)
    assert (meta.display_width, meta.display_height) == (3456, 4608)
    # No capture time at all, only the DateTime the phone wrote (the fallback of `exif_time_old`).
    assert meta.taken_at is None and meta.modified_at == datetime(2022, 2, 3, 14, 44, 7, 722000)
    assert meta.warnings == ()


@pytest.mark.parametrize(("name", "orientation"), [("landscape_6.jpg", 6), ("landscape_8.jpg", 8)])
def test_landscape_orientation_fixtures(name: str, orientation: int) -> None:
    meta = read_metadata(fixture_bytes(name))
    assert meta.orientation == orientation
    assert (meta.width, meta.height) == (450, 600)
    assert (meta.display_width, meta.display_height) == (600, 450)
    assert not meta.has_position
    with Image.open(FIXTURES / name) as image:
        assert ImageOps.exif_transpose(image).size == (600, 450)


def test_blue_square_has_no_gps() -> None:
    meta = read_metadata(fixture_bytes("BlueSquare.jpg"))
    assert not meta.has_position
    assert meta.lon is None and meta.lat is None
    assert meta.warnings == ()
