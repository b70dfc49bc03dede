"""Photos prepared the way the reporter app prepares them on the phone (`web/src/app/prepare.js`).

The pixels: decoded, made upright (the browser's `createImageBitmap(…, {imageOrientation: 'from-image'})`),
resized to the long-edge bound and encoded as JPEG (the canvas), here with Pillow. The metadata: the app's
own `web/src/app/exif.js`, run by node, carries the original's EXIF block into that JPEG with
Orientation 1, so these tests check the very code the phone runs. Node is required, as for building the
web apps (`make test` does both); without it these tests fail rather than skip.
"""

from __future__ import annotations

import io
import json
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageOps

from media.decode import register_heif
from media.sniff import ImageFormat, sniff_format
from service.settings import PROJECT_ROOT

SCRIPT = Path(__file__).with_name("phone_exif.mjs")
# The reporter's shared photo set, beside the repository (absent on machines without it).
SHARED_PHOTOS = PROJECT_ROOT.parent.parent / "shared" / "data" / "photos"
if not SHARED_PHOTOS.is_dir():
    SHARED_PHOTOS = PROJECT_ROOT.parent / "shared" / "data" / "photos"
FIXTURE_PHOTOS = PROJECT_ROOT / "tests" / "fixtures" / "photos"
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".heif", ".heic")


def photo_files() -> list[Path]:
    """Every test photo: the repository's fixtures and the shared set."""
    found: list[Path] = []
    for folder in (FIXTURE_PHOTOS, SHARED_PHOTOS):
        if folder.is_dir():
            found += sorted(p for p in folder.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES)
    return found


def prepare_like_phone(original: bytes, *, max_edge: int = 2048, quality: float = 0.85) -> bytes:
    """The upright JPEG (long edge ≤ `max_edge`) the app would send, carrying the original's EXIF."""
    if sniff_format(original[:64]) is ImageFormat.HEIF:
        register_heif()  # pillow-heif decodes upright, as a browser with a HEIC decoder does
    with Image.open(io.BytesIO(original)) as image:
        upright = ImageOps.exif_transpose(image).convert("RGB")
    scale = min(1.0, max_edge / max(upright.size))
    size = (max(1, round(upright.width * scale)), max(1, round(upright.height * scale)))
    canvas = upright.resize(size, Image.Resampling.LANCZOS) if scale < 1 else upright
    pixels = io.BytesIO()
    canvas.save(pixels, "JPEG", quality=round(quality * 100))
    with tempfile.TemporaryDirectory(prefix="whistle-phone-") as tmp:
        paths = [Path(tmp) / name for name in ("original", "canvas.jpg", "out.jpg")]
        paths[0].write_bytes(original)
        paths[1].write_bytes(pixels.getvalue())
        done = subprocess.run(
            ["node", str(SCRIPT), *map(str, paths)], capture_output=True, text=True, check=True
        )
        json.loads(done.stdout)
        return paths[2].read_bytes()
