"""Under overload the service answers fast with 503 + Retry-After instead of hanging."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from service.app import create_app
from tests.conftest import make_settings


def test_exhausted_pool_answers_503_with_retry_after(fresh_database_url: str, tmp_path: Path) -> None:
    settings = make_settings(
        fresh_database_url, tmp_path, database={"pool_size": 1, "max_overflow": 0, "pool_timeout_s": 0.5}
    )
    with TestClient(create_app(settings)) as client:
        engine = client.app.state.db.engine  # type: ignore[attr-defined]
        with engine.connect():  # hold the only pooled connection
            response = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer wst_whatever"})
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "overloaded"
        assert response.headers["retry-after"] == "2"
        # Once the connection is back, the same request is served normally again.
        assert (
            client.get("/api/v1/auth/me", headers={"Authorization": "Bearer wst_whatever"}).status_code == 401
        )
