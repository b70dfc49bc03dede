"""Probes and the one JSON error shape."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from service.app import create_app
from service.db import admin
from tests.conftest import make_settings
from tests.support import databases


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_postgis_and_migration_head(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready" and body["database"] is True
    assert body["postgis_version"].startswith("3.")
    assert body["migration"] == body["migration_head"] is not None


def test_readyz_is_503_on_an_unmigrated_database(tmp_path: Path) -> None:
    url = databases.database_url(databases.unique_name("whistle_unmigrated"))
    admin.create_database(url)
    admin.enable_postgis(url)
    try:
        with TestClient(create_app(make_settings(url, tmp_path))) as client:
            response = client.get("/readyz")
        assert response.status_code == 503
        assert "run `whistle db upgrade`" in response.json()["problems"][0]
    finally:
        databases.drop(url)


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    settings = make_settings(
        "postgresql+psycopg://postgres@127.0.0.1:1/none", tmp_path, database={"connect_timeout_s": 1}
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] is False


def test_errors_share_one_json_shape(client: TestClient) -> None:
    missing = client.get("/no/such/route")
    assert missing.status_code == 404
    assert set(missing.json()["error"]) == {"code", "message", "details"}
    invalid = client.post("/api/v1/auth/login", json={"username": ""})
    assert invalid.status_code == 422
    error = invalid.json()["error"]
    assert error["code"] == "invalid" and error["details"]
    assert missing.headers["x-content-type-options"] == "nosniff"


def test_openapi_documents_the_error_shape(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "ErrorResponse" in spec["components"]["schemas"]
