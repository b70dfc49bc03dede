"""Content hashes and the storage keys built from them.

Every stored object is named by the SHA-256 of its own bytes, fanned out over two directory levels
(`ab/cd/`) so no directory grows past a few thousand entries:

- `originals/ab/cd/<sha256>.<ext>`: the byte-exact upload, private evidence (ext from the sniffed format);
- `public/ab/cd/<sha256>.jpg`: the display derivative;
- `public/ab/cd/<sha256>.thumb.jpg`: the thumbnail.

Derivatives are named by *their own* hash, not the original's: a key then always means exactly one
byte string (so `put` is idempotent even across Pillow upgrades that re-encode differently), and the
public name reveals nothing that would confirm who holds the original. Keys never contain user input;
`is_valid_key` is the strict check every store applies before touching a path.
"""

from __future__ import annotations

import hashlib
import re

from media.errors import InvalidKey
from media.sniff import ImageFormat

ORIGINALS_PREFIX = "originals/"
PUBLIC_PREFIX = "public/"

_ORIGINAL_EXTENSIONS = "|".join(sorted(fmt.extension for fmt in ImageFormat))
KEY_PATTERN = re.compile(
    r"(?:originals/(?P<o1>[0-9a-f]{2})/(?P<o2>[0-9a-f]{2})/(?P<osha>[0-9a-f]{64})\.(?:"
    + _ORIGINAL_EXTENSIONS
    + r")"
    r"|public/(?P<p1>[0-9a-f]{2})/(?P<p2>[0-9a-f]{2})/(?P<psha>[0-9a-f]{64})(?:\.thumb)?\.jpg)"
)


def sha256_hex(data: bytes) -> str:
    """Lower-case hex SHA-256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def _fan_out(sha256: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise InvalidKey("a content hash must be 64 lower-case hex digits")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def original_key(sha256: str, fmt: ImageFormat) -> str:
    """Key of a private original: `originals/ab/cd/<sha256>.<ext>`."""
    return f"{ORIGINALS_PREFIX}{_fan_out(sha256)}.{fmt.extension}"


def display_key(sha256: str) -> str:
    """Key of a public display derivative: `public/ab/cd/<sha256>.jpg`."""
    return f"{PUBLIC_PREFIX}{_fan_out(sha256)}.jpg"


def thumbnail_key(sha256: str) -> str:
    """Key of a public thumbnail: `public/ab/cd/<sha256>.thumb.jpg`."""
    return f"{PUBLIC_PREFIX}{_fan_out(sha256)}.thumb.jpg"


def is_valid_key(key: str) -> bool:
    """True only for keys this module builds (fan-out directories matching the hash)."""
    match = KEY_PATTERN.fullmatch(key)
    if match is None:
        return False
    if match["osha"] is not None:
        return match["osha"].startswith(match["o1"] + match["o2"])
    return bool(match["psha"].startswith(match["p1"] + match["p2"]))


def check_key(key: str) -> str:
    """Return `key` if valid, else raise `InvalidKey` (path traversal is impossible past this point)."""
    if not isinstance(key, str) or not is_valid_key(key):
        raise InvalidKey(f"not a media storage key: {key[:80]!r}" if isinstance(key, str) else "not a key")
    return key


def is_public_key(key: str) -> bool:
    return check_key(key).startswith(PUBLIC_PREFIX)


def key_sha256(key: str) -> str:
    """The content hash a valid key names."""
    match = KEY_PATTERN.fullmatch(check_key(key))
    assert match is not None
    return str(match["osha"] or match["psha"])
