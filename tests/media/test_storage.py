"""One contract, two stores: the filesystem and S3 (against moto's real HTTP server on loopback)."""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from media.errors import InvalidKey, ObjectNotFound, StorageFull
from media.hashing import display_key, original_key, sha256_hex, thumbnail_key
from media.sniff import ImageFormat
from media.storage import FileSystemStore, MediaStore

ORIGINAL = b"\xff\xd8\xff original bytes " * 100
DISPLAY = b"\xff\xd8\xff display bytes"
THUMB = b"\xff\xd8\xff thumb"
ORIGINAL_KEY = original_key(sha256_hex(ORIGINAL), ImageFormat.JPEG)
DISPLAY_KEY = display_key(sha256_hex(DISPLAY))
THUMB_KEY = thumbnail_key(sha256_hex(THUMB))
BAD_KEYS = ["../../etc/passwd", "/etc/passwd", "originals/aa/bb/../../../../x.jpg", "public/x.jpg"]


def test_both_satisfy_the_protocol(store: MediaStore) -> None:
    assert isinstance(store, MediaStore)


def test_put_get_exists_delete(store: MediaStore) -> None:
    assert not store.exists(ORIGINAL_KEY)
    store.put(ORIGINAL_KEY, ORIGINAL)
    assert store.exists(ORIGINAL_KEY)
    assert store.get(ORIGINAL_KEY) == ORIGINAL
    store.delete(ORIGINAL_KEY)
    assert not store.exists(ORIGINAL_KEY)
    with pytest.raises(ObjectNotFound):
        store.get(ORIGINAL_KEY)


def test_put_is_idempotent(store: MediaStore) -> None:
    store.put(DISPLAY_KEY, DISPLAY)
    store.put(DISPLAY_KEY, DISPLAY)
    assert store.get(DISPLAY_KEY) == DISPLAY
    assert [key for key, _ in store.iter_keys("public/")] == [DISPLAY_KEY]


def test_delete_of_a_missing_key_is_a_no_op(store: MediaStore) -> None:
    store.delete(THUMB_KEY)
    assert not store.exists(THUMB_KEY)


@pytest.mark.parametrize("bad", BAD_KEYS)
def test_every_operation_refuses_foreign_keys(store: MediaStore, bad: str) -> None:
    with pytest.raises(InvalidKey):
        store.put(bad, b"x")
    with pytest.raises(InvalidKey):
        store.get(bad)
    with pytest.raises(InvalidKey):
        store.exists(bad)
    with pytest.raises(InvalidKey):
        store.delete(bad)
    with pytest.raises(InvalidKey):
        store.public_url(bad)


def test_iter_keys_by_prefix_with_modification_times(store: MediaStore) -> None:
    start = datetime.now(UTC) - timedelta(seconds=5)
    for key, data in ((ORIGINAL_KEY, ORIGINAL), (DISPLAY_KEY, DISPLAY), (THUMB_KEY, THUMB)):
        store.put(key, data)
    everything = dict(store.iter_keys())
    assert set(everything) == {ORIGINAL_KEY, DISPLAY_KEY, THUMB_KEY}
    assert {key for key, _ in store.iter_keys("originals/")} == {ORIGINAL_KEY}
    assert {key for key, _ in store.iter_keys("public/")} == {DISPLAY_KEY, THUMB_KEY}
    assert {key for key, _ in store.iter_keys(DISPLAY_KEY[:10])} == {
        k for k in (DISPLAY_KEY, THUMB_KEY) if k.startswith(DISPLAY_KEY[:10])
    }
    for modified in everything.values():
        assert modified.tzinfo is not None
        assert start <= modified <= datetime.now(UTC) + timedelta(seconds=5)


def test_public_urls_only_for_derivatives(store: MediaStore) -> None:
    url = store.public_url(DISPLAY_KEY)
    assert url is not None and url.startswith("https://media.example/") and url.endswith(".jpg")
    assert store.public_url(ORIGINAL_KEY) is None


# --- filesystem specifics -------------------------------------------------------------------


def test_filesystem_layout_private_and_public_roots(tmp_path: Path) -> None:
    store = FileSystemStore(tmp_path / "private", public_root=tmp_path / "www")
    store.put(ORIGINAL_KEY, ORIGINAL)
    store.put(DISPLAY_KEY, DISPLAY)
    assert (tmp_path / "private" / ORIGINAL_KEY).read_bytes() == ORIGINAL
    assert (tmp_path / "private" / ORIGINAL_KEY).stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "www" / DISPLAY_KEY.removeprefix("public/")).read_bytes() == DISPLAY
    assert not list((tmp_path / "www").rglob("*.tmp*")) and not list((tmp_path / "private").rglob(".tmp-*"))
    assert store.public_url(DISPLAY_KEY) is None  # no base URL configured


def test_filesystem_crash_before_rename_leaves_no_object(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileSystemStore(tmp_path)

    def crash(src: object, dst: object) -> None:
        raise OSError(errno.EIO, "simulated crash")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(Exception, match="photo store failed"):
        store.put(ORIGINAL_KEY, ORIGINAL)
    monkeypatch.undo()
    assert not store.exists(ORIGINAL_KEY)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("failing", ["write", "fsync"])
def test_enospc_in_write_or_fsync_is_storage_full_without_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    store = FileSystemStore(tmp_path)
    real = getattr(os, failing)
    written: list[int] = []

    def full(fd: int, *args: object) -> int:
        if failing == "write" and not written:  # the first chunk lands, the next one hits a full disk
            written.append(1)
            return int(real(fd, memoryview(args[0])[:100]))  # type: ignore[arg-type]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, failing, full)
    with pytest.raises(StorageFull) as caught:
        store.put(ORIGINAL_KEY, ORIGINAL)
    monkeypatch.undo()
    assert caught.value.http_status == 507
    assert not store.exists(ORIGINAL_KEY)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MiB tmpfs (the sandbox runs as root); unmounted afterwards."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)], check=True)
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


def test_a_really_full_disk_is_storage_full_without_partial_file(tiny_disk: Path) -> None:
    store = FileSystemStore(tiny_disk)
    small = b"\xff\xd8\xff" + b"s" * 1000
    store.put(display_key(sha256_hex(small)), small)
    big = os.urandom(2 * 1024 * 1024)
    big_key = original_key(sha256_hex(big), ImageFormat.JPEG)
    with pytest.raises(StorageFull):
        store.put(big_key, big)
    assert not store.exists(big_key)
    files = [p for p in tiny_disk.rglob("*") if p.is_file()]
    assert files == [tiny_disk / display_key(sha256_hex(small))]
    assert store.get(display_key(sha256_hex(small))) == small


def test_stale_temporaries_are_swept_and_never_listed(tmp_path: Path) -> None:
    store = FileSystemStore(tmp_path)
    store.put(DISPLAY_KEY, DISPLAY)
    leftover = (tmp_path / DISPLAY_KEY).with_name(".tmp-deadbeef-x.jpg")
    leftover.write_bytes(b"partial")
    assert [key for key, _ in store.iter_keys()] == [DISPLAY_KEY]
    assert store.remove_stale_temporaries(older_than=datetime.now(UTC) + timedelta(seconds=1)) == 1
    assert not leftover.exists()
    assert store.exists(DISPLAY_KEY)


def test_s3_objects_carry_their_content_type(s3_endpoint: str) -> None:
    from tests.media.conftest import make_s3_store

    store = make_s3_store(s3_endpoint)
    heic_key = original_key(sha256_hex(b"heic"), ImageFormat.HEIF)
    store.put(heic_key, b"heic")
    store.put(DISPLAY_KEY, DISPLAY)
    head = store.client.head_object(Bucket=store.private_bucket, Key=heic_key)
    assert head["ContentType"] == "image/heic"
    head = store.client.head_object(Bucket=store.public_bucket, Key=DISPLAY_KEY)
    assert head["ContentType"] == "image/jpeg"
    # Originals and derivatives live in different buckets.
    listed = store.client.list_objects_v2(Bucket=store.public_bucket).get("Contents", [])
    assert [item.get("Key") for item in listed] == [DISPLAY_KEY]
