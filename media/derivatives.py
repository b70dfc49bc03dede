"""Public derivatives: upright, bounded, re-encoded JPEGs that carry no metadata at all.

Re-encoding from pixels (not stripping markers) is what removes every hiding place at once: EXIF and
its GPS IFD and embedded thumbnail (IFD1), XMP, IPTC, ICC profiles, JPEG comments, HEIF auxiliary
items, and anything smuggled in the entropy-coded data (reference §2.2). The encoder is called with a
fresh `info` so Pillow cannot copy anything from the source (it falls back to `im.info["comment"]`).

Cost (DESIGN.md §9: ≤ 1.6× a bare decode at the derivative's scale): a JPEG is decoded straight at
1/2, 1/4 or 1/8 scale with libjpeg's DCT scaling (`Image.draft`), picking the smallest scale whose
result is within `draft_slack` of the bound, so a 4000×3000 photo decodes directly to 2000×1500 and is
never resized. The thumbnail is made from the display image, never by a second decode, and the
perceptual hash (`media.perceptual`) from the thumbnail's pixels.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageCms

from media.decode import load_pixels
from media.hashing import sha256_hex
from media.perceptual import phash
from media.sniff import ImageFormat

# The same table `PIL.ImageOps.exif_transpose` uses, applied from the orientation our own robust parser
# read (a corrupt EXIF block can make `exif_transpose` raise; ours never does).
ORIENTATION_TRANSPOSE: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
WHITE = (255, 255, 255)
_SRGB = ImageCms.createProfile("sRGB")


@dataclass(frozen=True, slots=True)
class DerivativeSpec:
    """Sizes and encoder settings of the public derivatives."""

    display_max_px: int = 2048
    thumb_max_px: int = 320
    quality: int = 82
    thumb_quality: int = 75
    progressive: bool = False
    # A JPEG is draft-decoded at the smallest DCT scale whose long side is ≤ display_max_px × slack;
    # the little that remains above the bound is resized away.
    draft_slack: float = 1.25


@dataclass(frozen=True, slots=True)
class EncodedJpeg:
    """One re-encoded derivative."""

    data: bytes
    sha256: str
    width: int
    height: int

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True, slots=True)
class Derivatives:
    display: EncodedJpeg
    thumbnail: EncodedJpeg
    # The perceptual hash of the upright picture (`media.perceptual.phash`, from the thumbnail's
    # pixels before encoding); None for a featureless picture.
    phash: int | None = None


def draft_scale(width: int, height: int, spec: DerivativeSpec) -> int:
    """The DCT scale denominator (1, 2, 4 or 8) a JPEG of this size is decoded at."""
    long_side = max(width, height)
    for scale in (1, 2, 4):
        if -(-long_side // scale) <= spec.display_max_px * spec.draft_slack:
            return scale
    return 8


def make_derivatives(
    image: Image.Image, fmt: ImageFormat, *, orientation: int, spec: DerivativeSpec
) -> Derivatives:
    """Decode `image` (opened lazily by `media.decode.open_image`) into the display and thumbnail JPEGs.

    `orientation` is the EXIF orientation from `media.exif`; for HEIF it is ignored because the decoder
    already produced upright pixels.
    """
    if fmt is ImageFormat.JPEG:
        scale = draft_scale(*image.size, spec)
        if scale > 1:
            width, height = image.size
            image.draft("RGB", (max(1, width // scale), max(1, height // scale)))
    load_pixels(image, fmt)
    icc = image.info.get("icc_profile")
    upright = _to_resizable_mode(image)
    if fmt is not ImageFormat.HEIF and orientation in ORIENTATION_TRANSPOSE:
        upright = upright.transpose(ORIENTATION_TRANSPOSE[orientation])
    # Colour management and flattening run on the bounded image: same result, a fraction of the pixels.
    display = _to_srgb_rgb(_bounded(upright, spec.display_max_px), icc)
    thumbnail = _thumbnail_of(display, spec.thumb_max_px)
    return Derivatives(
        display=_encode(display, quality=spec.quality, progressive=spec.progressive),
        thumbnail=_encode(thumbnail, quality=spec.thumb_quality, progressive=False),
        phash=phash(thumbnail),
    )


RESIZABLE_MODES = frozenset({"RGB", "RGBA", "L", "LA", "CMYK"})


def _to_resizable_mode(image: Image.Image) -> Image.Image:
    """One of RGB, RGBA, L, LA, CMYK (modes Pillow resamples properly), keeping transparency."""
    if image.mode in RESIZABLE_MODES:
        return image
    if image.mode.startswith("I") or image.mode == "F":  # 16-bit or 32-bit grey: scale to 8 bits
        return image.convert("I").point(lambda value: value / 256).convert("L")
    if image.mode in ("PA", "RGBa") or (image.mode == "P" and "transparency" in image.info):
        return image.convert("RGBA")
    if image.mode == "La":
        return image.convert("LA")
    if image.mode == "1":
        return image.convert("L")
    return image.convert("RGB")


def _to_srgb_rgb(image: Image.Image, icc: object) -> Image.Image:
    """sRGB pixels in mode RGB: colour-managed when an ICC profile says otherwise, alpha on white."""
    if isinstance(icc, bytes) and icc:
        converted = _icc_to_srgb(image, icc)
        if converted is not None:
            image = converted
    if image.mode == "RGB":
        return image
    if image.mode in ("LA", "RGBA"):
        rgba = image.convert("RGBA") if image.mode == "LA" else image
        background = Image.new("RGB", image.size, WHITE)
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _icc_to_srgb(image: Image.Image, icc: bytes) -> Image.Image | None:
    """Convert from the embedded profile to sRGB; None when it already is sRGB or cannot be used."""
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if "srgb" in ImageCms.getProfileDescription(profile).lower().replace(" ", ""):
            return None
        output_mode = "RGBA" if image.mode in ("RGBA", "LA") else "RGB"
        if image.mode == "LA":
            image = image.convert("RGBA")
        converted = ImageCms.profileToProfile(image, profile, _SRGB, outputMode=output_mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None
    return converted


def _bounded(image: Image.Image, max_px: int) -> Image.Image:
    width, height = image.size
    long_side = max(width, height)
    if long_side <= max_px:
        return image
    ratio = max_px / long_side
    size = (max(1, round(width * ratio)), max(1, round(height * ratio)))
    return image.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)


def _thumbnail_of(display: Image.Image, max_px: int) -> Image.Image:
    """Box-reduce by an integer factor (cheap), then a small exact resize to the bound.

    The factor is capped at 5: Pillow has fast paths for 2×2 … 5×5 boxes, and the general N×N path
    costs ~40 % more, while the final resize from at most 5× … ~1.25× the bound is cheap either way.
    """
    width, height = display.size
    factor = min(5, max(width, height) // max_px)
    reduced = display.reduce(factor) if factor >= 2 else display
    return _bounded(reduced, max_px)


def _encode(image: Image.Image, *, quality: int, progressive: bool) -> EncodedJpeg:
    # A fresh info dict: Pillow's JPEG writer falls back to im.info for the comment marker.
    image.info = {}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=False, progressive=progressive)
    data = buffer.getvalue()
    return EncodedJpeg(data=data, sha256=sha256_hex(data), width=image.width, height=image.height)
