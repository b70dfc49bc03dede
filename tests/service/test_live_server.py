"""The service over real HTTP, as `make run` serves it."""

from __future__ import annotations

import httpx


def test_readyz_over_real_http_answers_the_postgis_version(live_server: str) -> None:
    response = httpx.get(f"{live_server}/readyz")
    assert response.status_code == 200
    assert response.json()["postgis_version"].startswith("3.")


def test_login_over_real_http_with_a_wrong_password_is_401_json(live_server: str) -> None:
    response = httpx.post(f"{live_server}/api/v1/auth/login", json={"username": "nobody", "password": "x"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == "unauthorized"
