"""The store the app builds from settings: the filesystem by default, S3 (an S3-compatible server on
loopback) when `media.backend == "s3"`; uploads, downloads and the sweep work the same on both."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from moto.server import ThreadedMotoServer
from sqlalchemy.orm import Session

from media.hashing import display_key, sha256_hex
from media.storage import FileSystemStore
from media.storage_s3 import S3Store
from service.app import create_app
from service.deps import get_session
from service.photos.store import build_media_store
from service.photos.sweep import sweep_orphans
from service.settings import Settings
from tests.conftest import make_settings
from tests.media.photo_factory import encode, scene
from tests.service.reports.conftest import Headers, post_report


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_settings(
    database_url: str, tmp_path: Path, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    bucket = f"whistle-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=bucket)
    return make_settings(
        database_url, tmp_path, media={"backend": "s3", "s3_endpoint_url": s3_endpoint, "s3_bucket": bucket}
    )


def test_the_default_store_is_the_filesystem_under_the_media_root(settings: Settings) -> None:
    store = build_media_store(settings.media)
    assert isinstance(store, FileSystemStore)
    assert store.root == Path(settings.media.root).resolve()


def test_the_app_builds_its_store_in_the_lifespan(app: FastAPI) -> None:
    assert getattr(app.state, "media_store", None) is None  # nothing at import or creation
    with TestClient(app):
        assert isinstance(app.state.media_store, FileSystemStore)


def test_uploads_and_downloads_through_s3(
    s3_settings: Settings, db: Session, reporter_headers: Headers, s3_endpoint: str
) -> None:
    app = create_app(s3_settings)

    def session() -> Iterator[Session]:
        yield db

    app.dependency_overrides[get_session] = session
    with TestClient(app) as client:
        store = app.state.media_store
        assert isinstance(store, S3Store) and store.private_bucket == s3_settings.media.s3_bucket
        photo = encode(scene(), "JPEG")
        response = post_report(client, reporter_headers, [photo])
        assert response.status_code == 201, response.text
        body = response.json()
        sha = sha256_hex(photo)
        assert store.get(f"originals/{sha[:2]}/{sha[2:4]}/{sha}.jpg") == photo
        derivative = client.get(body["photos"][0]["display_url"])
        assert derivative.status_code == 200 and derivative.headers["content-type"] == "image/jpeg"

        orphan = display_key(sha256_hex(b"orphan"))
        store.put(orphan, encode(scene(8, 8), "JPEG"))
        result = sweep_orphans(session=db, store=store, grace=timedelta(0))
        assert result.removed == [orphan] and result.kept == 3
        assert client.get(body["photos"][0]["thumb_url"]).status_code == 200
