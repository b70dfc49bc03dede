"""Where photos live: one small interface, a filesystem store (default) and an S3 store (`storage_s3`).

Contract of every `MediaStore` (the same tests run against each backend):
- keys are only our own content-hash keys (`media.hashing`); anything else is `InvalidKey`, so a key
  can never name a path outside the store;
- `put` is durable when it returns and idempotent (same key, same bytes: a repeat rewrites nothing but
  refreshes the object's modification time, which the orphan sweep's grace period counts from);
- `put` is atomic: a reader sees the whole object or none, never a part (also after a crash);
- a full disk is `StorageFull` and leaves nothing behind;
- `get` of a missing key is `ObjectNotFound`; `delete` of a missing key is a no-op (sweeps race);
- `iter_keys(prefix)` yields `(key, modified_at)` for the orphan sweep, in no particular order;
- `public_url(key)` is where the public may fetch a derivative, None for originals (never public).

Originals are written with mode 0600 (only the service reads evidence); derivatives with 0644 so a
web server may serve the public root directly.
"""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from media.errors import ObjectNotFound, StorageError, StorageFull
from media.hashing import ORIGINALS_PREFIX, PUBLIC_PREFIX, check_key, is_valid_key

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
TEMP_PREFIX = ".tmp-"


@runtime_checkable
class MediaStore(Protocol):
    """A content-addressed object store for originals (private) and derivatives (public)."""

    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def iter_keys(self, prefix: str = "") -> Iterator[tuple[str, datetime]]: ...

    def public_url(self, key: str) -> str | None: ...


class FileSystemStore:
    """Objects as files: originals under `private_root`, derivatives under `public_root`.

    With one `root`, keys map to `root/<key>`: `root/originals/...` (private: serve only through the
    application) and `root/public/...` (may be served directly by a web server). `public_root`
    places the derivatives elsewhere, e.g. a directory a reverse proxy serves.

    Writes go to a temporary file in the target directory (same filesystem), which is written, flushed,
    fsynced, renamed over the final name and followed by an fsync of the directory: after `put`
    returns, the object survives a power cut, and a crash mid-write leaves at most a temporary file
    (named `.tmp-…`, never a valid key, ignored by `iter_keys`).
    """

    def __init__(
        self, root: str | os.PathLike[str], *, public_root: str | os.PathLike[str] | None = None,
        public_base_url: str | None = None,
    ) -> None:  # fmt: skip
        self.root = Path(root).resolve()
        self.private_root = self.root / ORIGINALS_PREFIX.rstrip("/")
        self.public_root = (
            Path(public_root).resolve() if public_root is not None else self.root / PUBLIC_PREFIX.rstrip("/")
        )
        self.public_base_url = public_base_url.rstrip("/") + "/" if public_base_url else None

    def _path(self, key: str) -> Path:
        check_key(key)
        if key.startswith(ORIGINALS_PREFIX):
            return self.private_root / key.removeprefix(ORIGINALS_PREFIX)
        return self.public_root / key.removeprefix(PUBLIC_PREFIX)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        try:
            if path.stat().st_size == len(data):
                # Already stored. Refresh its time so the orphan sweep's grace period starts again: the
                # row naming it is about to be committed, and must never find the object swept away.
                os.utime(path)
                return
        except FileNotFoundError:
            pass
        try:
            _make_dirs_durable(path.parent)
            _write_atomically(path, data, mode=0o600 if key.startswith(ORIGINALS_PREFIX) else 0o644)
        except OSError as exc:
            if exc.errno in _FULL_ERRNOS:
                raise StorageFull("The photo store is full; nothing was stored.") from exc
            raise StorageError(f"The photo store failed: {exc.strerror or exc}") from exc

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise ObjectNotFound(f"no stored object {key}") from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink()
        except FileNotFoundError:
            return
        _fsync_dir(path.parent)

    def iter_keys(self, prefix: str = "") -> Iterator[tuple[str, datetime]]:
        for key_prefix, base in ((ORIGINALS_PREFIX, self.private_root), (PUBLIC_PREFIX, self.public_root)):
            if not (key_prefix.startswith(prefix) or prefix.startswith(key_prefix)):
                continue
            if not base.is_dir():
                continue
            for directory, _dirs, files in os.walk(base):
                for name in files:
                    path = Path(directory) / name
                    key = key_prefix + path.relative_to(base).as_posix()
                    if not key.startswith(prefix) or not is_valid_key(key):
                        continue
                    try:
                        modified = path.stat().st_mtime
                    except FileNotFoundError:
                        continue
                    yield key, datetime.fromtimestamp(modified, UTC)

    def public_url(self, key: str) -> str | None:
        check_key(key)
        if self.public_base_url is None or not key.startswith(PUBLIC_PREFIX):
            return None
        return self.public_base_url + key.removeprefix(PUBLIC_PREFIX)

    def remove_stale_temporaries(self, *, older_than: datetime) -> int:
        """Delete `.tmp-…` files left by a crash mid-write before `older_than`; returns how many."""
        removed = 0
        for base in (self.private_root, self.public_root):
            for directory, _dirs, files in os.walk(base):
                for name in files:
                    path = Path(directory) / name
                    if not name.startswith(TEMP_PREFIX):
                        continue
                    try:
                        if path.stat().st_mtime < older_than.timestamp():
                            path.unlink()
                            removed += 1
                    except FileNotFoundError:
                        continue
        return removed


def _write_atomically(path: Path, data: bytes, *, mode: int) -> None:
    """Temporary file in the same directory → write → fsync → rename → fsync the directory."""
    temp = path.with_name(f"{TEMP_PREFIX}{secrets.token_hex(8)}-{path.name}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), mode)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _make_dirs_durable(directory: Path) -> None:
    """Create missing directories, fsyncing each new one's parent so the entry itself is durable."""
    missing: list[Path] = []
    current = directory
    while not current.is_dir():
        missing.append(current)
        current = current.parent
    for new_dir in reversed(missing):
        try:
            new_dir.mkdir()
        except FileExistsError:
            continue
        _fsync_dir(new_dir.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
