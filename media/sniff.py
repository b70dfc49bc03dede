"""Detect an upload's image format from its first bytes, never from the declared type or file name.

Accepted (DESIGN.md §6): JPEG, PNG, WebP and HEIC/HEIF. Everything else is refused with
`UnsupportedMediaType`, whose message names what the bytes look like, so that a person who picked the
wrong file learns which file it was ("looks like a PDF document, not a photo").

AVIF is refused on purpose. It is an HEIF-family container (`ftyp` box, brand `avif`/`avis`), but the
pillow-heif build we ship has no AV1 decoder (`pillow_heif.libheif_info()["decoders"]` lists only
libde265), and DESIGN.md lists only the four formats above. Pillow's own AVIF plugin is not in our
decoder allowlist either, so a file that claims AVIF never reaches a decoder.

Signature checks alone are not validation: the pipeline then opens the file with a Pillow `formats=`
allowlist holding only the sniffed format and requires the decode to succeed.
"""

from __future__ import annotations

import enum

from media.errors import UnsupportedMediaType


class ImageFormat(enum.Enum):
    """An accepted format. The value is Pillow's format name, used for the decoder allowlist."""

    JPEG = "JPEG"
    PNG = "PNG"
    WEBP = "WEBP"
    HEIF = "HEIF"

    @property
    def extension(self) -> str:
        """File extension used in storage keys of originals."""
        return _EXTENSIONS[self]

    @property
    def mime_type(self) -> str:
        return _MIME_TYPES[self]


_EXTENSIONS = {
    ImageFormat.JPEG: "jpg",
    ImageFormat.PNG: "png",
    ImageFormat.WEBP: "webp",
    ImageFormat.HEIF: "heic",
}
_MIME_TYPES = {
    ImageFormat.JPEG: "image/jpeg",
    ImageFormat.PNG: "image/png",
    ImageFormat.WEBP: "image/webp",
    ImageFormat.HEIF: "image/heic",
}

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Brands of still HEIF images encoded with HEVC (heic/heix), their sequence forms (hevc/hevx), the
# multi-layer/scalable variants (heim/heis) and the generic image/sequence brands (mif1/msf1).
HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"})
AVIF_BRANDS = frozenset({b"avif", b"avis"})
# ISO base media brands that mean a video, not a photo.
VIDEO_BRANDS = frozenset({b"isom", b"iso2", b"mp41", b"mp42", b"qt  ", b"3gp4", b"3gp5", b"3g2a", b"M4V "})

# Only this many leading bytes are needed; callers may pass just a prefix.
SNIFF_BYTES = 64


def sniff_format(head: bytes) -> ImageFormat:
    """Return the accepted format `head` (the first bytes of a file, at least 32 when possible) holds.

    Raises `UnsupportedMediaType` naming what was found otherwise.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return ImageFormat.JPEG
    if head.startswith(PNG_SIGNATURE):
        return ImageFormat.PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ImageFormat.WEBP
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return _sniff_ftyp(head)
    raise UnsupportedMediaType(f"Unsupported file: {describe_bytes(head)}. {_ACCEPTED}")


_ACCEPTED = "Accepted photo formats: JPEG, HEIC/HEIF, PNG, WebP."


def _sniff_ftyp(head: bytes) -> ImageFormat:
    """Decide on an ISO base media file from its major brand, then its compatible brands."""
    box_size = int.from_bytes(head[0:4], "big")
    major = head[8:12]
    end = min(len(head), box_size) if box_size >= 16 else min(len(head), 16)
    compatible = {head[i : i + 4] for i in range(16, end - 3, 4)}
    if major in AVIF_BRANDS or (major not in HEIF_BRANDS - {b"mif1", b"msf1"} and compatible & AVIF_BRANDS):
        raise UnsupportedMediaType(f"Unsupported file: looks like an AVIF image. {_ACCEPTED}")
    if major in HEIF_BRANDS or compatible & HEIF_BRANDS:
        return ImageFormat.HEIF
    if major in VIDEO_BRANDS or compatible & VIDEO_BRANDS:
        raise UnsupportedMediaType(f"Unsupported file: looks like a video, not a photo. {_ACCEPTED}")
    brand = major.decode("ascii", "replace")
    raise UnsupportedMediaType(
        f"Unsupported file: an ISO media container with brand {brand!r}, not a photo. {_ACCEPTED}"
    )


_KNOWN_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"BM", "a BMP image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"8BPS", "a Photoshop document"),
    (b"\x00\x00\x01\x00", "a Windows icon"),
    (b"\xff\x0a", "a JPEG XL image"),
    (b"\x00\x00\x00\x0cJXL ", "a JPEG XL image"),
    (b"\x00\x00\x00\x0cjP  ", "a JPEG 2000 image"),
    (b"\x7fELF", "an executable program"),
    (b"MZ", "a Windows executable"),
    (b"SIMPLE  =", "a FITS astronomy image"),
    (b"RIFF", "a RIFF container (audio or video), not a WebP photo"),
)


def describe_bytes(head: bytes) -> str:
    """Say in a few words what `head` looks like, for error messages."""
    if not head:
        return "the file is empty"
    for signature, what in _KNOWN_SIGNATURES:
        if head.startswith(signature):
            return f"looks like {what}"
    text = _as_text(head)
    if text is not None:
        lowered = text.lstrip().lower()
        if lowered.startswith("<svg") or "<svg" in lowered[:200]:
            return "looks like an SVG drawing (text), not a photo"
        if lowered.startswith(("<!doctype html", "<html")):
            return "looks like an HTML page, not an image"
        if lowered.startswith("<?xml"):
            return "looks like an XML document, not an image"
        return "looks like text, not an image"
    return f"unrecognised binary data (first bytes {head[:8].hex(' ')})"


def _as_text(head: bytes) -> str | None:
    """`head` decoded as text if it is (nearly) all printable, else None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding, body = "utf-16", head
    else:
        # A multi-byte UTF-8 character cut at the end of the prefix is still text.
        encoding, body = "utf-8", head
    for cut in range(4):
        try:
            text = body[: len(body) - cut].decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return None
    if not text:
        return None
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return text if printable >= 0.95 * len(text) else None
