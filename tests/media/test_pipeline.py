"""The whole path: bytes (or a stream) → checks → metadata → derivatives → durable stored objects."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from media.errors import DecompressionBomb, MediaError, TooLarge, UnsupportedMediaType
from media.hashing import is_valid_key, sha256_hex
from media.limits import MediaLimits
from media.pipeline import process_photo, store_photo
from media.sniff import ImageFormat
from media.storage import MediaStore
from tests.media.photo_factory import dms, encode, fixture_bytes, make_exif, png_header_only


class EndlessStream:
    """A client that would send `total` bytes; records how much was actually read."""

    def __init__(self, head: bytes, total: int) -> None:
        self.head, self.total, self.read_bytes = head, total, 0

    def read(self, size: int = -1, /) -> bytes:
        size = self.total - self.read_bytes if size < 0 else min(size, self.total - self.read_bytes)
        start = self.read_bytes
        self.read_bytes += size
        prefix = self.head[start : start + size]
        return prefix + b"\x00" * (size - len(prefix))


def test_real_photo_processed_and_stored(store: MediaStore) -> None:
    data = fixture_bytes("DSCN0010.jpg")
    photo = process_photo(data)
    assert photo.sha256 == sha256_hex(data)
    assert photo.format is ImageFormat.JPEG
    assert photo.size == len(data)
    assert photo.metadata.lat == pytest.approx(43.467448, abs=1e-6)
    assert photo.display.sha256 == sha256_hex(photo.display.data)
    assert photo.thumbnail.sha256 == sha256_hex(photo.thumbnail.data)
    assert photo.display.size == len(photo.display.data)

    stored = store_photo(photo, store)
    assert stored.original_key == f"originals/{photo.sha256[:2]}/{photo.sha256[2:4]}/{photo.sha256}.jpg"
    assert stored.display_key.endswith(f"{photo.display.sha256}.jpg")
    assert stored.thumbnail_key.endswith(f"{photo.thumbnail.sha256}.thumb.jpg")
    assert all(is_valid_key(k) for k in (stored.original_key, stored.display_key, stored.thumbnail_key))
    assert store.get(stored.original_key) == data  # the evidence, byte-exact
    assert store.get(stored.display_key) == photo.display.data
    assert store.get(stored.thumbnail_key) == photo.thumbnail.data
    assert store.public_url(stored.original_key) is None
    assert store.public_url(stored.display_key) is not None


def test_storing_the_same_photo_twice_changes_nothing(store: MediaStore) -> None:
    data = fixture_bytes("landscape_6.jpg")
    first = store_photo(process_photo(data), store)
    second = store_photo(process_photo(data), store)
    assert first == second
    assert len(list(store.iter_keys())) == 3


def test_heic_is_stored_as_heic_and_published_as_jpeg(store: MediaStore) -> None:
    photo = process_photo(fixture_bytes("HMD_Nokia_8.3_5G.heif"))
    stored = store_photo(photo, store)
    assert stored.original_key.endswith(".heic")
    assert store.get(stored.display_key)[:3] == b"\xff\xd8\xff"


def test_a_stream_is_accepted_like_bytes() -> None:
    data = fixture_bytes("HMD_Nokia_8.3_5G.jpg")
    from_stream = process_photo(io.BytesIO(data))
    assert from_stream.sha256 == sha256_hex(data)
    assert from_stream.metadata.lon == pytest.approx(24.906772, abs=1e-6)


def test_a_60_mb_upload_is_refused_without_reading_it_all() -> None:
    stream = EndlessStream(fixture_bytes("DSCN0010.jpg"), 60 * 1000 * 1000)
    with pytest.raises(TooLarge) as caught:
        process_photo(stream)
    assert stream.read_bytes <= MediaLimits().max_file_bytes + 256 * 1024
    assert caught.value.http_status == 413


def test_oversized_bytes_are_refused_before_anything_else() -> None:
    with pytest.raises(TooLarge):
        process_photo(b"not even an image" * 100, limits=MediaLimits(max_file_bytes=1000))


@pytest.mark.parametrize(
    ("data", "error", "status"),
    [
        (b"I am a text file renamed photo.jpg\n", UnsupportedMediaType, 415),
        (png_header_only(50000, 50000), DecompressionBomb, 422),
        (fixture_bytes("DSCN0010.jpg")[:5000], MediaError, 422),
    ],
)
def test_refusals_store_nothing(store: MediaStore, data: bytes, error: type[MediaError], status: int) -> None:
    with pytest.raises(error) as caught:
        store_photo(process_photo(data), store)
    assert caught.value.http_status == status
    assert caught.value.message
    assert list(store.iter_keys()) == []


def test_made_photo_with_gps_and_orientation_end_to_end(store: MediaStore) -> None:
    exif = make_exif(orientation=6, gps={1: "N", 2: dms(43, 50, 16), 3: "E", 4: dms(126, 32, 58)})
    data = encode(Image.new("RGB", (300, 200), (30, 60, 90)), "JPEG", exif=exif)
    photo = process_photo(data)
    assert photo.metadata.orientation == 6
    assert (photo.display.width, photo.display.height) == (200, 300)
    stored = store_photo(photo, store)
    published = store.get(stored.display_key)
    assert b"Exif" not in published and b"GPS" not in published
