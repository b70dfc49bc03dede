"""Format detection from bytes only; refusals name what the bytes look like."""

from __future__ import annotations

import pytest
from PIL import Image

from media.errors import UnsupportedMediaType
from media.sniff import ImageFormat, sniff_format
from tests.media.photo_factory import encode, fixture_bytes


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("DSCN0010.jpg", ImageFormat.JPEG),
        ("HMD_Nokia_8.3_5G.jpg", ImageFormat.JPEG),
        ("HMD_Nokia_8.3_5G.heif", ImageFormat.HEIF),
        ("BlueSquare.jpg", ImageFormat.JPEG),
    ],
)
def test_real_files_are_recognised(name: str, expected: ImageFormat) -> None:
    assert sniff_format(fixture_bytes(name)[:64]) is expected


@pytest.mark.parametrize(
    ("pillow_format", "expected"), [("PNG", ImageFormat.PNG), ("WEBP", ImageFormat.WEBP)]
)
def test_made_png_and_webp_are_recognised(pillow_format: str, expected: ImageFormat) -> None:
    data = encode(Image.new("RGB", (8, 8), "white"), pillow_format)
    assert sniff_format(data[:64]) is expected


def test_heic_written_by_pillow_heif_is_recognised() -> None:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    data = encode(Image.new("RGB", (64, 64), "white"), "HEIF", quality=50)
    assert sniff_format(data[:64]) is ImageFormat.HEIF


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"Hello, this is my report about a broken street lamp.\n", "looks like text"),
        (b"", "empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (b"GIF89a\x01\x00\x01\x00\x80\x00\x00", "GIF"),
        (b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>", "SVG"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "HTML"),
        (b"PK\x03\x04\x14\x00\x00\x00", "ZIP"),
        (b"\x00\x00\x00\x20ftypavif\x00\x00\x00\x00avifmif1miaf", "AVIF"),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", "video"),
        (b"II*\x00\x08\x00\x00\x00", "TIFF"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "RIFF"),
        ("这是一段中文说明文字，不是照片。".encode(), "looks like text"),
        (b"\x13\x37\xca\xfe\xba\xbe\x00\x01\x02", "unrecognised binary"),
    ],
)
def test_other_content_is_refused_with_a_clear_message(data: bytes, said: str) -> None:
    with pytest.raises(UnsupportedMediaType) as caught:
        sniff_format(data)
    assert said.lower() in caught.value.message.lower()
    assert "JPEG" in caught.value.message
    assert caught.value.http_status == 415


def test_text_renamed_jpg_is_refused_whatever_its_name() -> None:
    with pytest.raises(UnsupportedMediaType, match="looks like text"):
        sniff_format(b"GET / HTTP/1.1\r\nHost: example\r\n\r\n")


def test_heif_with_avif_compatible_brand_but_heic_major_is_heif() -> None:
    assert sniff_format(b"\x00\x00\x00\x1cftypheic\x00\x00\x00\x00mif1heicavif") is ImageFormat.HEIF


def test_generic_mif1_with_avif_brand_is_refused_as_avif() -> None:
    with pytest.raises(UnsupportedMediaType, match="AVIF"):
        sniff_format(b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00avifmiaf")


def test_format_properties() -> None:
    assert ImageFormat.HEIF.extension == "heic"
    assert ImageFormat.JPEG.mime_type == "image/jpeg"
