"""An already-small JPEG (one the phone prepared: long edge ≤ the display bound, upright, sRGB) needs no
second resize and no re-encode: its public display derivative is the upload with every metadata segment
cut out, losslessly, and its thumbnail comes from a cheap DCT-scaled decode (1/4 or 1/8).

What is cut: every APPn segment (JFIF, EXIF with its GPS IFD and IFD1 thumbnail, XMP, ICC, Photoshop/IPTC,
Adobe, MPF …), every COM (comment) segment and anything after EOI. What stays is only what a JPEG decoder
reads: the quantisation and Huffman tables, the frame header, restart interval, the scans. So the
derivative carries no metadata, exactly like a re-encoded one, and is never larger than the upload.
Unlike a re-encode it keeps the entropy-coded pixels bit for bit (a deliberately crafted payload inside
them would survive; a phone camera writes none); anything unusual falls back to the full re-encode
(`media.derivatives.make_derivatives`): a frame other than 8-bit baseline/extended/progressive Huffman
with three components, an Adobe or non-sRGB colour profile, a rotation to apply, a segment we do not
know, a file without EOI.

Cost (bench.intake, "prepared photo"): a 2048×1536 photo takes a 1/4 draft decode (~6 ms), one segment
walk over the bytes (regular expression over the scans, ~1 ms) and the thumbnail: ≈ 8 ms against ≈ 25 ms
for decode + re-encode.
"""

from __future__ import annotations

import io
import re

from PIL import Image, ImageCms

from media.decode import load_pixels
from media.derivatives import Derivatives, DerivativeSpec, EncodedJpeg, _encode, _thumbnail_of
from media.hashing import sha256_hex
from media.perceptual import phash
from media.sniff import ImageFormat

SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
# Frames a browser decodes and we pass through: baseline, extended sequential, progressive (Huffman).
PLAIN_FRAMES = frozenset({0xC0, 0xC1, 0xC2})
KEPT_TABLES = frozenset({0xC4, 0xDB, 0xDD})  # DHT, DQT, DRI
COMMENT = 0xFE
# The next marker inside entropy-coded data: 0xFF followed by anything but a stuffed 0x00, a restart
# marker (D0–D7) or another fill byte.
_NEXT_MARKER = re.compile(rb"\xff[\x01-\xcf\xd8-\xfe]")


def strip_metadata(data: bytes) -> bytes | None:
    """The JPEG with only the segments a decoder needs, or None when it is not a plain JPEG we pass on."""
    if data[:2] != b"\xff\xd8":
        return None
    out = bytearray(b"\xff\xd8")
    pos = 2
    frame_seen = False
    while pos + 2 <= len(data):
        if data[pos] != 0xFF:
            return None
        while pos < len(data) and data[pos] == 0xFF:  # fill bytes before a marker
            pos += 1
        if pos >= len(data):
            return None
        marker = data[pos]
        start = pos - 1
        if marker == EOI:
            out += b"\xff\xd9"
            return bytes(out) if frame_seen else None
        if pos + 3 > len(data):
            return None
        length = int.from_bytes(data[pos + 1 : pos + 3], "big")
        end = pos + 1 + length
        if length < 2 or end > len(data):
            return None
        if marker in PLAIN_FRAMES:
            precision, components = data[pos + 3], data[pos + 8] if pos + 8 < end else 0
            if frame_seen or precision != 8 or components != 3:
                return None
            frame_seen = True
            out += data[start:end]
        elif marker in KEPT_TABLES:
            out += data[start:end]
        elif marker == SOS:
            if not frame_seen:
                return None
            found = _NEXT_MARKER.search(data, end)
            if found is None:
                return None  # no EOI: a cut upload goes the full way (and is refused as broken there)
            out += data[start : found.start()]
            pos = found.start()
            continue
        elif not (0xE0 <= marker <= 0xEF or marker == COMMENT):
            return None  # SOI again, DNL, DAC (arithmetic), hierarchical frames …: not ours to pass on
        pos = end
    return None


def small_jpeg_derivatives(
    image: Image.Image, data: bytes, *, orientation: int, spec: DerivativeSpec
) -> Derivatives | None:
    """The derivatives of an already-small, upright, sRGB JPEG without a re-encode of the display image,
    or None when `make_derivatives` must do the full work. `image` is the lazily opened `data`."""
    width, height = image.size
    if max(width, height) > spec.display_max_px or orientation not in (0, 1):
        return None
    if image.mode != "RGB" or "adobe" in image.info or not _srgb_or_none(image.info.get("icc_profile")):
        return None
    stripped = strip_metadata(data)
    if stripped is None:
        return None
    scale = next((s for s in (8, 4, 2) if max(width, height) // s >= spec.thumb_max_px), 1)
    if scale > 1:
        image.draft("RGB", (max(1, width // scale), max(1, height // scale)))
    load_pixels(image, ImageFormat.JPEG)
    thumbnail = _thumbnail_of(image, spec.thumb_max_px)
    return Derivatives(
        display=EncodedJpeg(data=stripped, sha256=sha256_hex(stripped), width=width, height=height),
        thumbnail=_encode(thumbnail, quality=spec.thumb_quality, progressive=False),
        phash=phash(thumbnail),
    )


def _srgb_or_none(icc: object) -> bool:
    if not icc:
        return True
    if not isinstance(icc, bytes):
        return False
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return "srgb" in ImageCms.getProfileDescription(profile).lower().replace(" ", "")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return False
