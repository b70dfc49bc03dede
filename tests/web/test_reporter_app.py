"""The reporter app (/app/) in a real Chromium at phone size, against the real service."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.web.conftest import NEARBY_SPOT, AccountFactory, BrowserPage, PageFactory
from tests.web.steps import post_report, sign_in, token_of

pytestmark = pytest.mark.browser


def test_app_shell_at_360x640_has_manifest_and_service_worker_and_stays_on_our_origin(
    browser_page: BrowserPage,
) -> None:
    page = browser_page.page
    page.goto(browser_page.url("/app/"))
    page.wait_for_selector("#login-submit")
    assert page.title() == "吹哨 · 随手拍"
    assert page.locator("html").get_attribute("lang") == "zh-CN"

    # The manifest: installable (name, start_url in scope, standalone, 192 and 512 px icons).
    href = page.locator("link[rel=manifest]").get_attribute("href")
    assert href == "/app/manifest.webmanifest"
    manifest = httpx.get(browser_page.url(href)).json()
    assert manifest["start_url"] == "/app/"
    assert manifest["scope"] == "/app/"
    assert manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        response = httpx.get(browser_page.url(icon["src"]))
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/png"

    # The service worker controls /app/.
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == browser_page.url("/app/")

    # The first screen fits 360×640: no sideways scrolling, the login button visible without scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    box = page.locator("#login-submit").bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert box["y"] >= 0 and box["y"] + box["height"] <= 640
    browser_page.screenshot("app-login-360x640")
    browser_page.assert_same_origin()


def test_login_with_a_real_account_opens_the_report_form(
    browser_page: BrowserPage, live_account: AccountFactory
) -> None:
    username, password = live_account(display_name="王网格")
    page = browser_page.page
    page.goto(browser_page.url("/app/"))

    sign_in(browser_page.page, username, "wrong password")
    page.wait_for_selector("text=登录失败")

    sign_in(browser_page.page, username, password)
    page.wait_for_selector("#submit-report")
    assert page.locator(".topbar .who").inner_text() == "王网格"
    assert page.locator("#tab-report").inner_text() == "上报"
    # The token the app stored is a working token of this user.
    me = page.evaluate(
        """async () => {
            const { token } = JSON.parse(localStorage.getItem('whistle.session'));
            const r = await fetch('/api/v1/auth/me', { headers: { Authorization: 'Bearer ' + token } });
            return r.json();
        }"""
    )
    assert me["username"] == username
    # The position the phone reports is shown with its accuracy.
    page.wait_for_selector("#location-text >> text=精度 ±12 米")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    browser_page.screenshot("app-report-form-360x640")

    # A reload keeps the login (the phone stays logged in).
    page.reload()
    page.wait_for_selector("#submit-report")

    page.click("#logout")
    page.wait_for_selector("#login-submit")
    browser_page.assert_same_origin()


def test_the_app_opens_offline_from_the_service_worker_cache(
    browser_page: BrowserPage, live_account: AccountFactory
) -> None:
    username, password = live_account()
    page = browser_page.page
    page.goto(browser_page.url("/app/"))
    page.evaluate("navigator.serviceWorker.ready")
    sign_in(browser_page.page, username, password)
    page.wait_for_selector("#submit-report")

    browser_page.context.set_offline(True)
    page.reload()
    page.wait_for_selector("#submit-report")
    assert page.locator("#offline-banner").is_visible()
    browser_page.screenshot("app-offline-360x640")
    browser_page.context.set_offline(False)


def test_the_same_problem_hint_shows_an_open_report_of_the_category_nearby(
    browser_pages: PageFactory, live_account: AccountFactory
) -> None:
    session = browser_pages(geolocation=NEARBY_SPOT)
    first, password = live_account()
    auth = token_of(session.base_url, first, password)
    post_report(session.base_url, auth, str(uuid.uuid4()), text="桥下有游商", spot=NEARBY_SPOT)

    second, password = live_account()
    page = session.page
    page.goto(session.url("/app/"))
    sign_in(session.page, second, password)
    page.wait_for_selector("#location-text >> text=精度")
    page.click("#category-button")
    page.fill(".picker-search", "游商")
    page.locator(".picker-item").first.click()
    hint = page.locator(".nearby")
    hint.wait_for()
    assert "附近 100 米内已有 1 条同类上报" in hint.inner_text()
    assert "桥下有游商" in hint.inner_text()
    session.screenshot("app-same-problem-hint-360x640")
