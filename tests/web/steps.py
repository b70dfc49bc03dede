"""Steps the browser tests share: logging in to the reporter app, filling a report, reading it back."""

from __future__ import annotations

from typing import Any

import httpx

from service.settings import PROJECT_ROOT
from tests.web.conftest import BrowserPage

PHOTO = PROJECT_ROOT / "tests" / "fixtures" / "photos" / "landscape_6.jpg"
# The service builds its routing index on the first report it routes: allow for that.
DELIVERY_TIMEOUT_MS = 90_000


def log_in(session: BrowserPage, username: str, password: str) -> None:
    page = session.page
    page.goto(session.url("/app/"))
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-submit")
    page.wait_for_selector("#submit-report")
    page.wait_for_selector("#location-text >> text=精度")


def fill_report(session: BrowserPage, text: str) -> None:
    page = session.page
    page.set_input_files("#photo-input", str(PHOTO))
    page.wait_for_selector(".photo-tile img")
    page.click("#category-button")
    page.fill(".picker-search", "游商")
    page.locator(".picker-item").first.click()
    page.fill("#report-text", text)


def my_reports(base_url: str, username: str, password: str) -> list[dict[str, Any]]:
    token = httpx.post(
        f"{base_url}/api/v1/auth/login", json={"username": username, "password": password}
    ).json()["access_token"]
    response = httpx.get(f"{base_url}/api/v1/reports/mine", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    reports: list[dict[str, Any]] = response.json()
    return reports


def outbox_item(session: BrowserPage) -> Any:
    return session.page.locator(".outbox-item").first
