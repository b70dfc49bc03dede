"""Photos the tests make with real EXIF blocks: GPS in its several forms, all orientations, HEIC, PNG."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone

import pytest
from PIL import Image

from media.errors import BrokenImage, UnsupportedMediaType
from media.exif import read_metadata
from media.pipeline import process_photo
from tests.media.photo_factory import (
    EXIF_IFD,
    dms,
    encode,
    make_exif,
    oriented_jpeg,
    rational,
    splice_app1,
)

JILIN_LAT, JILIN_LON = 43.837883, 126.549572


def jpeg_with(exif: Image.Exif, size: tuple[int, int] = (40, 30)) -> bytes:
    return encode(Image.new("RGB", size, "white"), "JPEG", exif=exif)


def gps(lat: object, lat_ref: object, lon: object, lon_ref: object, **extra: object) -> Image.Exif:
    tags: dict[int, object] = {1: lat_ref, 2: lat, 3: lon_ref, 4: lon}
    tags.update({int(k.removeprefix("t")): v for k, v in extra.items()})
    return make_exif(gps=tags)


def test_dms_rationals() -> None:
    # 43°50'16.3788" N, 126°32'58.4592" E: the centre of Jilin City.
    exif = gps(dms(43, 50, 163788, 10000), "N", dms(126, 32, 584592, 10000), "E")
    meta = read_metadata(jpeg_with(exif))
    assert meta.lat == pytest.approx(JILIN_LAT, abs=1e-6)
    assert meta.lon == pytest.approx(JILIN_LON, abs=1e-6)
    assert meta.warnings == ()


def test_decimal_degrees_as_a_single_rational() -> None:
    exif = gps((rational(43837883, 1000000),), "N", (rational(126549572, 1000000),), "E")
    meta = read_metadata(jpeg_with(exif))
    assert meta.lat == pytest.approx(JILIN_LAT)
    assert meta.lon == pytest.approx(JILIN_LON)


def test_degrees_and_decimal_minutes() -> None:
    exif = gps(
        (rational(43), rational(5027298, 100000), rational(0, 0)),
        "N",
        (rational(126), rational(3297432, 100000), rational(0, 0)),
        "E",
    )
    meta = read_metadata(jpeg_with(exif))
    assert meta.lat == pytest.approx(JILIN_LAT, abs=1e-6)
    assert meta.lon == pytest.approx(JILIN_LON, abs=1e-6)
    assert any("zero denominator" in w for w in meta.warnings)


def test_south_and_west_references_make_negative_coordinates() -> None:
    exif = gps(dms(33, 52, 4), "S", dms(151, 12, 36), "W")
    meta = read_metadata(jpeg_with(exif))
    assert meta.lat == pytest.approx(-(33 + 52 / 60 + 4 / 3600), abs=1e-6)
    assert meta.lon == pytest.approx(-(151 + 12 / 60 + 36 / 3600), abs=1e-6)


def test_references_as_bytes_and_lower_case() -> None:
    exif = gps(dms(10, 0, 0), b"s\x00", dms(20, 30, 0), b"w")
    meta = read_metadata(jpeg_with(exif))
    assert meta.lat == pytest.approx(-10.0)
    assert meta.lon == pytest.approx(-20.5)


def test_zero_denominator_degrees_means_no_position() -> None:
    exif = gps((rational(43, 0), rational(0), rational(0)), "N", dms(126, 0, 0), "E")
    meta = read_metadata(jpeg_with(exif))
    assert not meta.has_position
    assert any("degrees unreadable" in w for w in meta.warnings)


def test_null_island_from_a_receiver_without_fix_is_ignored() -> None:
    exif = gps(dms(0, 0, 0), "N", dms(0, 0, 0), "E")
    meta = read_metadata(jpeg_with(exif))
    assert not meta.has_position
    assert any("0,0" in w for w in meta.warnings)


def test_out_of_range_latitude_is_ignored() -> None:
    meta = read_metadata(jpeg_with(gps(dms(123, 0, 0), "N", dms(10, 0, 0), "E")))
    assert not meta.has_position


def test_missing_reference_keeps_the_value_and_warns() -> None:
    meta = read_metadata(jpeg_with(make_exif(gps={2: dms(43, 30, 0), 4: dms(126, 15, 0)})))
    assert meta.lat == pytest.approx(43.5)
    assert meta.lon == pytest.approx(126.25)
    assert any("reference" in w for w in meta.warnings)


def test_altitude_below_sea_level_error_direction_and_datum() -> None:
    exif = gps(
        dms(31, 30, 0), "N", dms(35, 30, 0), "E",
        t5=b"\x01", t6=rational(4305, 10), t31=rational(8, 1), t16="T", t17=rational(27050, 100), t18="WGS-84",
    )  # fmt: skip
    meta = read_metadata(jpeg_with(exif))
    assert meta.altitude_m == pytest.approx(-430.5)
    assert meta.horizontal_error_m == pytest.approx(8.0)
    assert meta.direction_deg == pytest.approx(270.5)
    assert meta.direction_ref == "T"
    assert meta.gps_datum == "WGS-84"


def test_altitude_above_sea_level_and_zero_denominator_altitude() -> None:
    above = read_metadata(jpeg_with(gps(dms(1, 0, 0), "N", dms(1, 0, 0), "E", t5=0, t6=rational(200))))
    assert above.altitude_m == pytest.approx(200.0)
    unknown = read_metadata(jpeg_with(gps(dms(1, 0, 0), "N", dms(1, 0, 0), "E", t6=rational(0, 0))))
    assert unknown.altitude_m is None


def test_gps_utc_time() -> None:
    exif = gps(
        dms(1, 0, 0), "N", dms(1, 0, 0), "E", t29="2026:11:20", t7=(rational(23), rational(59), rational(30))
    )
    meta = read_metadata(jpeg_with(exif))
    assert meta.gps_time_utc == datetime(2026, 11, 20, 23, 59, 30, tzinfo=UTC)


def test_original_time_with_offset_and_subseconds_is_aware() -> None:
    exif = make_exif(exif_ifd={0x9003: "2026:11:20 08:15:00", 0x9011: "+08:00", 0x9291: "25"})
    meta = read_metadata(jpeg_with(exif))
    assert meta.taken_at == datetime(2026, 11, 20, 8, 15, 0, 250000, tzinfo=timezone(timedelta(hours=8)))
    assert meta.taken_at_has_offset


def test_original_time_without_offset_is_naive_and_flagged() -> None:
    meta = read_metadata(jpeg_with(make_exif(exif_ifd={0x9003: "2026:11:20 08:15:00"})))
    assert meta.taken_at == datetime(2026, 11, 20, 8, 15)
    assert meta.taken_at is not None and meta.taken_at.tzinfo is None
    assert not meta.taken_at_has_offset


def test_blank_and_impossible_times_are_none() -> None:
    for value in ("    :  :     :  :  ", "2026:02:30 10:00:00", "garbage"):
        assert read_metadata(jpeg_with(make_exif(exif_ifd={0x9003: value}))).taken_at is None


def test_digitized_time_is_the_fallback() -> None:
    exif = make_exif(exif_ifd={0x9004: "2025:01:02 03:04:05", 0x9012: "-05:00"})
    meta = read_metadata(jpeg_with(exif))
    assert meta.taken_at == datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5)))


def test_the_plain_datetime_is_read_apart_from_the_capture_time() -> None:
    exif = make_exif()
    exif[0x0132] = "2026:11:01 07:00:00"  # IFD0 DateTime: when the file was last written
    meta = read_metadata(jpeg_with(exif))
    assert meta.taken_at is None, "DateTime is not a capture time"
    assert meta.modified_at == datetime(2026, 11, 1, 7, 0) and not meta.modified_at_has_offset
    exif[EXIF_IFD] = {0x9010: "+08:00", 0x9290: "5", 0x9003: "2026:10:31 06:00:00"}
    both = read_metadata(jpeg_with(exif))
    assert both.modified_at == datetime(2026, 11, 1, 7, 0, 0, 500000, tzinfo=timezone(timedelta(hours=8)))
    assert both.modified_at_has_offset
    assert both.taken_at == datetime(2026, 10, 31, 6, 0) and not both.taken_at_has_offset


def test_make_and_model() -> None:
    meta = read_metadata(jpeg_with(make_exif(make="Xiaomi\x00", model=" 23127PN0CC ")))
    assert (meta.make, meta.model) == ("Xiaomi", "23127PN0CC")


@pytest.mark.parametrize("orientation", range(1, 9))
def test_all_eight_orientations(orientation: int) -> None:
    meta = read_metadata(oriented_jpeg(orientation, 64, 48))
    assert meta.orientation == orientation
    assert (meta.display_width, meta.display_height) == (64, 48)
    swapped = orientation >= 5
    assert (meta.width, meta.height) == ((48, 64) if swapped else (64, 48))


def test_out_of_range_orientation_is_assumed_upright() -> None:
    meta = read_metadata(jpeg_with(make_exif(orientation=9)))
    assert meta.orientation == 1
    assert any("orientation" in w for w in meta.warnings)


def test_heic_written_with_pillow_heif_keeps_its_gps() -> None:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    exif = gps(dms(43, 50, 163788, 10000), "N", dms(126, 32, 584592, 10000), "E")
    exif[EXIF_IFD] = {0x9003: "2026:11:20 08:15:00", 0x9011: "+08:00"}
    data = encode(Image.new("RGB", (64, 48), "white"), "HEIF", quality=50, exif=exif.tobytes())
    meta = read_metadata(data)
    assert meta.lat == pytest.approx(JILIN_LAT, abs=1e-6)
    assert meta.lon == pytest.approx(JILIN_LON, abs=1e-6)
    assert meta.taken_at == datetime(2026, 11, 20, 8, 15, tzinfo=timezone(timedelta(hours=8)))
    assert (meta.width, meta.height) == (64, 48)


def test_png_without_exif() -> None:
    meta = read_metadata(encode(Image.new("RGB", (30, 20), "white"), "PNG"))
    assert not meta.has_position
    assert (meta.orientation, meta.width, meta.height) == (1, 30, 20)
    assert meta.warnings == ()


def test_png_and_webp_with_exif() -> None:
    exif = gps(dms(43, 30, 0), "N", dms(126, 15, 0), "E")
    for fmt in ("PNG", "WEBP"):
        meta = read_metadata(encode(Image.new("RGB", (30, 20), "white"), fmt, exif=exif))
        assert meta.lat == pytest.approx(43.5), fmt
        assert meta.lon == pytest.approx(126.25), fmt


@pytest.mark.parametrize(
    "payload",
    [
        b"Exif\x00\x00" + b"\xde\xad\xbe\xef" * 8,
        b"Exif\x00\x00II*\x00\xff\xff\xff\x7f",
        b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x05\x01\x12\x00\x03",
        b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x01\x00\x25\x88\x04\x00\x01\x00\x00\x00\xf0\xff\xff\x00",
    ],
)
@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_corrupt_exif_block_gives_empty_metadata_and_a_warning(payload: bytes) -> None:
    clean = encode(Image.new("RGB", (40, 30), "white"), "JPEG")
    meta = read_metadata(splice_app1(clean, payload))
    assert not meta.has_position
    assert meta.orientation == 1
    assert (meta.width, meta.height) == (40, 30)
    assert meta.warnings, "a corrupt EXIF block must be reported as a warning"


def test_not_an_image_and_a_truncated_header() -> None:
    with pytest.raises(UnsupportedMediaType):
        read_metadata(b"just some text")
    with pytest.raises(BrokenImage):
        read_metadata(b"\xff\xd8\xff\xe0\x00\x10JFIF")


def test_heic_with_orientation_is_decoded_upright_and_reported() -> None:
    """pillow-heif turns the pixels while decoding; display size is the decoded one, never swapped twice."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
    data = encode(
        Image.new("RGB", (64, 48), "white"), "HEIF", quality=50, exif=make_exif(orientation=6).tobytes()
    )
    meta = read_metadata(data)
    with Image.open(io.BytesIO(data)) as decoded:
        assert decoded.size == (48, 64)  # pillow-heif stored the rotation in the container
    assert meta.orientation == 6
    assert (meta.width, meta.height) == (64, 48)
    assert (meta.display_width, meta.display_height) == (48, 64)
    photo = process_photo(data)
    assert (photo.display.width, photo.display.height) == (48, 64)
