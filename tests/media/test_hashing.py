"""Content-hash keys: built only from hashes, validated strictly."""

from __future__ import annotations

import pytest

from media.errors import InvalidKey
from media.hashing import (
    check_key,
    display_key,
    is_public_key,
    is_valid_key,
    key_sha256,
    original_key,
    sha256_hex,
    thumbnail_key,
)
from media.sniff import ImageFormat

SHA = sha256_hex(b"a photo")


def test_sha256_hex() -> None:
    assert sha256_hex(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_key_shapes() -> None:
    assert original_key(SHA, ImageFormat.HEIF) == f"originals/{SHA[:2]}/{SHA[2:4]}/{SHA}.heic"
    assert display_key(SHA) == f"public/{SHA[:2]}/{SHA[2:4]}/{SHA}.jpg"
    assert thumbnail_key(SHA) == f"public/{SHA[:2]}/{SHA[2:4]}/{SHA}.thumb.jpg"
    for key in (original_key(SHA, ImageFormat.JPEG), display_key(SHA), thumbnail_key(SHA)):
        assert is_valid_key(key)
        assert key_sha256(key) == SHA
    assert is_public_key(display_key(SHA)) and not is_public_key(original_key(SHA, ImageFormat.PNG))


@pytest.mark.parametrize(
    "key",
    [
        "../etc/passwd",
        "/etc/passwd",
        f"originals/{SHA[:2]}/{SHA[2:4]}/../../{SHA}.jpg",
        f"originals/{SHA[:2]}/{SHA[2:4]}/{SHA}.jpg\n",
        f"originals/{SHA[:2]}/{SHA[2:4]}/{SHA}.php",
        f"originals/ff/ff/{SHA}.jpg" if not SHA.startswith("ffff") else "originals/00/00/x.jpg",
        f"public/{SHA[:2]}/{SHA[2:4]}/{SHA.upper()}.jpg",
        f"public/{SHA[:2]}/{SHA[2:4]}/{SHA}.png",
        f"private/{SHA[:2]}/{SHA[2:4]}/{SHA}.jpg",
        f"public//{SHA[2:4]}/{SHA}.jpg",
        f"public\\{SHA[:2]}\\{SHA[2:4]}\\{SHA}.jpg",
        "",
    ],
)
def test_anything_else_is_not_a_key(key: str) -> None:
    assert not is_valid_key(key)
    with pytest.raises(InvalidKey):
        check_key(key)


@pytest.mark.parametrize("bad", ["../x", "ABC", SHA[:-1], SHA + "0", SHA.upper()])
def test_keys_cannot_be_built_from_anything_but_a_hash(bad: str) -> None:
    with pytest.raises(InvalidKey):
        display_key(bad)
