"""Photos the tests make, with real EXIF blocks written by Pillow (no hand-waved metadata).

Each helper returns encoded bytes, exactly as a phone would upload them.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from PIL import Image
from PIL.TiffImagePlugin import IFDRational

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "photos"

GPS_IFD = 0x8825
EXIF_IFD = 0x8769
ORIENTATION = 0x0112

# Colours of the upright test scene's corners; the rest is mid grey.
TOP_LEFT = (255, 0, 0)
TOP_RIGHT = (0, 255, 0)
BOTTOM_LEFT = (0, 0, 255)
BOTTOM_RIGHT = (255, 255, 0)
GREY = (128, 128, 128)

# The transpose that makes a stored image of each orientation upright (as ImageOps.exif_transpose does),
# and its inverse, used to produce the stored pixels from the upright scene.
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
INVERSE = {**UPRIGHT, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def rational(numerator: int, denominator: int = 1) -> IFDRational:
    return IFDRational(numerator, denominator)


def dms(degrees: int, minutes: int, seconds_num: int, seconds_den: int = 1) -> tuple[IFDRational, ...]:
    return (rational(degrees), rational(minutes), rational(seconds_num, seconds_den))


def make_exif(
    *,
    orientation: int | None = None,
    gps: dict[int, object] | None = None,
    exif_ifd: dict[int, object] | None = None,
    make: str | None = None,
    model: str | None = None,
) -> Image.Exif:
    exif = Image.Exif()
    if orientation is not None:
        exif[ORIENTATION] = orientation
    if make is not None:
        exif[0x010F] = make
    if model is not None:
        exif[0x0110] = model
    if gps is not None:
        exif[GPS_IFD] = gps
    if exif_ifd is not None:
        exif[EXIF_IFD] = exif_ifd
    return exif


def scene(width: int = 64, height: int = 48, block: int = 16) -> Image.Image:
    """An upright scene: grey, with a distinctive colour block in each corner."""
    image = Image.new("RGB", (width, height), GREY)
    image.paste(TOP_LEFT, (0, 0, block, block))
    image.paste(TOP_RIGHT, (width - block, 0, width, block))
    image.paste(BOTTOM_LEFT, (0, height - block, block, height))
    image.paste(BOTTOM_RIGHT, (width - block, height - block, width, height))
    return image


def encode(image: Image.Image, fmt: str = "JPEG", **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def oriented_jpeg(orientation: int, width: int = 64, height: int = 48, block: int = 16) -> bytes:
    """A JPEG whose stored pixels, once turned by its EXIF orientation, show `scene()` upright."""
    upright = scene(width, height, block)
    stored = upright.transpose(INVERSE[orientation]) if orientation in INVERSE else upright
    return encode(stored, "JPEG", quality=95, exif=make_exif(orientation=orientation))


def splice_app1(jpeg: bytes, payload: bytes) -> bytes:
    """Insert an APP1 segment holding `payload` right after the JPEG's SOI marker."""
    assert jpeg[:2] == b"\xff\xd8"
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + segment + jpeg[2:]


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width`×`height` RGB pixels (its data is a few bytes)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + png_chunk(b"IEND", b"")
    )


def compressible_png(width: int, height: int) -> bytes:
    """A real, fully valid 1-bit PNG of `width`×`height` zeros: huge when decoded, tiny on disk."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", b"".join(parts))
        + png_chunk(b"IEND", b"")
    )
