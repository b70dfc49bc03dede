"""An already-small JPEG (as the phone prepares it) is not resized or re-encoded: its display derivative
is the upload minus every metadata segment, pixel for pixel, and never larger than the upload."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageCms

from media.errors import BrokenImage
from media.pipeline import process_photo
from media.small_jpeg import strip_metadata
from tests.media.phone_prepare import prepare_like_phone
from tests.media.photo_factory import dms, encode, fixture_bytes, make_exif, oriented_jpeg
from tests.media.test_derivatives import SECRET, assert_no_metadata


def pixels(jpeg: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(jpeg)) as image:
        return np.asarray(image.convert("RGB"))


def photo_like(width: int, height: int) -> Image.Image:
    """Smooth colour fields with grain: compresses like a photo."""
    rng = np.random.default_rng(width)
    base = Image.fromarray((rng.random((6, 8, 3)) * 255).astype(np.uint8)).resize((width, height))
    grain = rng.normal(0, 6, (height, width, 1))
    return Image.fromarray(np.clip(np.asarray(base, dtype=np.float64) + grain, 0, 255).astype(np.uint8))


@pytest.mark.parametrize("progressive", [False, True])
def test_an_already_small_jpeg_is_published_without_its_metadata_and_unchanged(progressive: bool) -> None:
    data = (
        encode(
            photo_like(1600, 1200),
            "JPEG",
            quality=85,
            progressive=progressive,
            exif=make_exif(
                orientation=1, make="Leaky", gps={1: "N", 2: dms(43, 50, 16), 3: "E", 4: dms(126, 32, 58)}
            ),
            comment=SECRET.encode(),
        )
        + SECRET.encode()
    )
    photo = process_photo(data)
    assert photo.metadata.lat == pytest.approx(43 + 50 / 60 + 16 / 3600)  # read from the upload
    assert_no_metadata(photo.display.data)
    assert_no_metadata(photo.thumbnail.data)
    assert (photo.display.width, photo.display.height) == (1600, 1200)  # no resize, no upscale
    assert len(photo.display.data) <= len(data)
    assert np.array_equal(pixels(photo.display.data), pixels(data))  # not re-encoded
    assert max(photo.thumbnail.width, photo.thumbnail.height) == 320


def test_anything_unusual_goes_the_full_way() -> None:
    # A rotation to apply: re-encoded upright (the stored pixels are portrait, the display landscape).
    rotated = process_photo(oriented_jpeg(6, 640, 480))
    assert (rotated.display.width, rotated.display.height) == (640, 480)
    # A colour profile other than sRGB: converted, so the bytes are not the upload's.
    wide = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    picture = photo_like(400, 300)
    for data in (
        encode(picture, "JPEG", icc_profile=wide),
        encode(picture.convert("L"), "JPEG"),
        encode(picture.convert("CMYK"), "JPEG"),
    ):
        photo = process_photo(data)
        assert photo.display.data != strip_metadata(data)  # re-encoded from pixels
        assert_no_metadata(photo.display.data)


def test_a_cut_small_jpeg_is_still_a_broken_image() -> None:
    data = encode(photo_like(800, 600), "JPEG")
    assert strip_metadata(data[: len(data) // 2]) is None
    with pytest.raises(BrokenImage):
        process_photo(data[: len(data) // 2])


def test_the_marker_walk_refuses_what_it_does_not_know() -> None:
    data = encode(photo_like(64, 48), "JPEG")
    assert strip_metadata(data) is not None
    assert strip_metadata(b"\xff\xd8\xff\xd9") is None  # no frame
    assert strip_metadata(b"GIF89a") is None
    assert strip_metadata(data[:2] + b"\xff\xcc\x00\x04\x00\x00" + data[2:]) is None  # DAC: arithmetic


def test_a_photo_prepared_on_the_phone_is_published_as_uploaded_minus_its_exif() -> None:
    original = fixture_bytes("HMD_Nokia_8.3_5G.jpg")
    prepared = prepare_like_phone(original)
    photo = process_photo(prepared)
    assert (photo.display.width, photo.display.height) == (2048, 878)
    assert photo.metadata.lat == pytest.approx(60.1467056)
    assert_no_metadata(photo.display.data)
    assert len(photo.display.data) < len(prepared) < len(original) / 6
    assert np.array_equal(pixels(photo.display.data), pixels(prepared))
