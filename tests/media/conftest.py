"""Fixtures of the media tests: both object stores, the S3 one backed by moto's HTTP server on loopback."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from media.storage import FileSystemStore, MediaStore
from media.storage_s3 import S3Store


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def make_s3_store(endpoint: str) -> S3Store:
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    private, public = f"private-{uuid.uuid4().hex[:12]}", f"public-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=private)
    client.create_bucket(Bucket=public)
    return S3Store(
        client, private_bucket=private, public_bucket=public, public_base_url="https://media.example/"
    )


@pytest.fixture(params=["filesystem", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> MediaStore:
    if request.param == "filesystem":
        return FileSystemStore(tmp_path / "media", public_base_url="https://media.example/")
    endpoint: str = request.getfixturevalue("s3_endpoint")
    return make_s3_store(endpoint)
