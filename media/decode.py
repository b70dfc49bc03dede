"""Open images safely: only the sniffed format's decoder, pixel count checked before any decoding.

Pillow's `Image.open` is lazy: it reads the header (size, mode, EXIF) and decodes pixels only on
`load()`. We use that to refuse decompression bombs before a single pixel buffer is allocated:

1. `Image.open(fp, formats=[sniffed])`: no other decoder (FITS, PSD, EPS …) can ever be reached, even
   if Pillow's own identification disagreed with our sniffing (reference §1.2, GHSA-whj4-6x5x-4v2j).
2. Pillow's process-wide `MAX_IMAGE_PIXELS` is set to our limit and its `DecompressionBombWarning` is
   turned into an error, so Pillow refuses oversized headers inside `open` itself; our own check of
   `width * height` against `MediaLimits.max_pixels` follows as a second gate that does not depend on
   that global (someone may set it to None).
3. Truncated or corrupt data fails in `load()`; every decoder failure becomes `BrokenImage`.

HEIF goes through pillow-heif, registered once, with thumbnails, depth and auxiliary images switched off:
only the primary image is ever decoded (reference §2.4). pillow-heif applies the HEIF transforms
(`irot`/`imir`) while decoding and resets the EXIF orientation to 1, so decoded HEIF pixels are already
upright.
"""

from __future__ import annotations

import io
import re
import struct
import threading
import warnings
import zlib

from PIL import Image

from media.errors import BrokenImage, DecompressionBomb
from media.sniff import ImageFormat

_heif_lock = threading.Lock()
_heif_registered = False

# Everything a Pillow decoder is known to raise on bad input.
DECODER_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    SyntaxError,
    ValueError,
    TypeError,
    IndexError,
    KeyError,
    EOFError,
    struct.error,
    zlib.error,
    RuntimeError,
    ZeroDivisionError,
    OverflowError,
    AttributeError,
)


def register_heif() -> None:
    """Register pillow-heif's opener once per process (idempotent, thread-safe)."""
    global _heif_registered
    if _heif_registered:
        return
    with _heif_lock:
        if not _heif_registered:
            from pillow_heif import register_heif_opener

            register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
            _heif_registered = True


def guard_pillow(max_pixels: int) -> None:
    """Make Pillow itself refuse images above `max_pixels` (cheap; called before every open).

    The warnings filter is re-checked each time because test runners and applications may reset the
    warnings filters; inserting it is idempotent.
    """
    if max_pixels != Image.MAX_IMAGE_PIXELS:
        Image.MAX_IMAGE_PIXELS = max_pixels
    if not any(
        action == "error" and category is Image.DecompressionBombWarning
        for action, _msg, category, _module, _line in warnings.filters
    ):
        warnings.filterwarnings("error", category=Image.DecompressionBombWarning)


def open_image(data: bytes, fmt: ImageFormat, *, max_pixels: int) -> Image.Image:
    """Open `data` lazily with only `fmt`'s decoder; refuse bombs and unreadable headers.

    No pixel is decoded here: the returned image's `load()` (or `draft` then `load`) does that.
    """
    if fmt is ImageFormat.HEIF:
        register_heif()
        if not heif_boxes_complete(data):
            raise BrokenImage(_broken_message(fmt))
    guard_pillow(max_pixels)
    try:
        image = Image.open(io.BytesIO(data), formats=[fmt.value])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DecompressionBomb(_bomb_message(_claimed_pixels(exc), max_pixels)) from exc
    except DECODER_ERRORS as exc:
        raise BrokenImage(_broken_message(fmt)) from exc
    width, height = image.size
    if width <= 0 or height <= 0:
        image.close()
        raise BrokenImage(_broken_message(fmt))
    if width * height > max_pixels:
        image.close()
        raise DecompressionBomb(_bomb_message((width, height), max_pixels))
    return image


def load_pixels(image: Image.Image, fmt: ImageFormat) -> None:
    """Decode the pixels; truncated or corrupt data becomes `BrokenImage`."""
    try:
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DecompressionBomb(str(exc)) from exc
    except DECODER_ERRORS as exc:
        raise BrokenImage(_broken_message(fmt)) from exc


def heif_boxes_complete(data: bytes) -> bool:
    """True if the file's top-level ISO-BMFF boxes all fit inside `data`.

    libheif decodes a truncated HEIF without complaint (missing tiles come out as garbage), so a cut
    upload must be caught from the container: the last box (usually `mdat`) then claims more bytes
    than arrived.
    """
    position = 0
    while position < len(data):
        if position + 8 > len(data):
            return False
        size = int.from_bytes(data[position : position + 4], "big")
        header = 8
        if size == 1:
            if position + 16 > len(data):
                return False
            size = int.from_bytes(data[position + 8 : position + 16], "big")
            header = 16
        elif size == 0:
            return True  # the box extends to the end of the file
        if size < header:
            return False
        position += size
    return position == len(data)


def _claimed_pixels(exc: BaseException) -> int | None:
    match = re.search(r"\((\d+) pixels\)", str(exc))
    return int(match.group(1)) if match else None


def _broken_message(fmt: ImageFormat) -> str:
    return f"The {fmt.value} photo cannot be read: the file is truncated or corrupt."


def _bomb_message(size: tuple[int, int] | int | None, max_pixels: int) -> str:
    limit = f"{max_pixels / 1_000_000:g} megapixels"
    if size is None:
        return f"The photo claims more than {limit}; it was refused as a decompression bomb."
    if isinstance(size, int):
        return (
            f"The photo claims {size / 1_000_000:.1f} megapixels, more than the limit of {limit}; "
            "it was refused as a decompression bomb."
        )
    width, height = size
    return (
        f"The photo claims {width}×{height} pixels ({width * height / 1_000_000:.1f} megapixels), "
        f"more than the limit of {limit}; it was refused as a decompression bomb."
    )
