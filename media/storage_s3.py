"""`MediaStore` on S3-compatible object storage (AWS S3, MinIO, Ceph RGW, OSS/COS S3 gateways).

Originals go to a private bucket, derivatives to a public one (or both to one bucket if the operator
prefers, separated by the `originals/` and `public/` key prefixes and a bucket policy). A completed
`PutObject` is durable and atomic by the S3 contract: readers see the whole object or none. `ContentMD5`
is sent with every put so a body corrupted in transit is refused by the server rather than stored.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from media.errors import ObjectNotFound, StorageError, StorageFull
from media.hashing import ORIGINALS_PREFIX, PUBLIC_PREFIX, check_key, is_valid_key
from media.sniff import ImageFormat

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
_CONTENT_TYPES = {fmt.extension: fmt.mime_type for fmt in ImageFormat}
_FULL_CODES = frozenset({"QuotaExceeded", "XMinioStorageFull", "InsufficientStorage"})


class S3Store:
    """Objects in S3 buckets; `client` is a boto3 S3 client (endpoint and credentials set by the caller)."""

    def __init__(
        self,
        client: S3Client,
        *,
        private_bucket: str,
        public_bucket: str,
        public_base_url: str | None = None,
    ) -> None:
        self.client = client
        self.private_bucket = private_bucket
        self.public_bucket = public_bucket
        self.public_base_url = public_base_url.rstrip("/") + "/" if public_base_url else None

    def _bucket(self, key: str) -> str:
        check_key(key)
        return self.private_bucket if key.startswith(ORIGINALS_PREFIX) else self.public_bucket

    def put(self, key: str, data: bytes) -> None:
        bucket = self._bucket(key)
        digest = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode("ascii")
        content_type = _CONTENT_TYPES.get(key.rsplit(".", 1)[-1], "application/octet-stream")
        try:
            self.client.put_object(
                Bucket=bucket, Key=key, Body=data, ContentMD5=digest, ContentType=content_type
            )
        except ClientError as exc:
            raise _storage_error(exc) from exc
        except BotoCoreError as exc:
            raise StorageError(f"The photo store is unreachable: {exc}") from exc

    def get(self, key: str) -> bytes:
        bucket = self._bucket(key)
        try:
            response = self.client.get_object(Bucket=bucket, Key=key)
            return response["Body"].read()
        except ClientError as exc:
            if _code(exc) in _NOT_FOUND_CODES:
                raise ObjectNotFound(f"no stored object {key}") from None
            raise _storage_error(exc) from exc
        except BotoCoreError as exc:
            raise StorageError(f"The photo store is unreachable: {exc}") from exc

    def exists(self, key: str) -> bool:
        bucket = self._bucket(key)
        try:
            self.client.head_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if _code(exc) in _NOT_FOUND_CODES:
                return False
            raise _storage_error(exc) from exc
        except BotoCoreError as exc:
            raise StorageError(f"The photo store is unreachable: {exc}") from exc
        return True

    def delete(self, key: str) -> None:
        bucket = self._bucket(key)
        try:
            self.client.delete_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if _code(exc) not in _NOT_FOUND_CODES:
                raise _storage_error(exc) from exc
        except BotoCoreError as exc:
            raise StorageError(f"The photo store is unreachable: {exc}") from exc

    def iter_keys(self, prefix: str = "") -> Iterator[tuple[str, datetime]]:
        for key_prefix, bucket in (
            (ORIGINALS_PREFIX, self.private_bucket),
            (PUBLIC_PREFIX, self.public_bucket),
        ):
            if not (key_prefix.startswith(prefix) or prefix.startswith(key_prefix)):
                continue
            # The two prefixes are disjoint, so one shared bucket is never listed twice for a key.
            list_prefix = prefix if len(prefix) > len(key_prefix) else key_prefix
            yield from self._list(bucket, list_prefix)

    def _list(self, bucket: str, prefix: str) -> Iterator[tuple[str, datetime]]:
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    key = item.get("Key", "")
                    if is_valid_key(key):
                        modified = item.get("LastModified") or datetime.now(UTC)
                        yield key, modified.astimezone(UTC)
        except ClientError as exc:
            raise _storage_error(exc) from exc
        except BotoCoreError as exc:
            raise StorageError(f"The photo store is unreachable: {exc}") from exc

    def public_url(self, key: str) -> str | None:
        check_key(key)
        if self.public_base_url is None or not key.startswith(PUBLIC_PREFIX):
            return None
        return self.public_base_url + key


def _code(exc: ClientError) -> str:
    error: Any = exc.response.get("Error", {})
    return str(error.get("Code", ""))


def _storage_error(exc: ClientError) -> StorageError:
    code = _code(exc)
    if code in _FULL_CODES:
        return StorageFull("The photo store is full; nothing was stored.")
    return StorageError(f"The photo store refused the request ({code or 'unknown error'}).")
