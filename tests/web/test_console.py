"""The command-center console (/console/) in a real Chromium at desktop size, against the real service."""

from __future__ import annotations

import pytest

from service.accounts.models import Role
from tests.web.conftest import AccountFactory, PageFactory

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}


def test_console_refuses_a_phone_role_and_opens_for_a_dispatcher_with_the_map_drawn(
    browser_pages: PageFactory, live_account: AccountFactory
) -> None:
    session = browser_pages(viewport=DESKTOP)
    page = session.page
    page.goto(session.url("/console/"))
    assert page.title() == "吹哨 · 指挥中心"
    browser_pages_screenshot = session.screenshot("console-login-1280x800")
    assert browser_pages_screenshot.exists()

    worker, password = live_account(Role.grid_worker)
    page.fill("#login-username", worker)
    page.fill("#login-password", password)
    page.click("#login-submit")
    page.wait_for_selector("text=不能使用本页面")

    dispatcher, password = live_account(Role.dispatcher, display_name="李调度")
    page.fill("#login-username", dispatcher)
    page.fill("#login-password", password)
    page.click("#login-submit")
    page.wait_for_selector("#tab-triage.active")
    assert page.locator(".topbar .who").inner_text() == "李调度"
    # OpenLayers draws on a canvas inside the map element.
    page.wait_for_selector("#console-map canvas")
    for tab in ("#tab-cases", "#tab-board", "#tab-indicators", "#tab-triage"):
        page.click(tab)
        page.wait_for_selector(f"{tab}.active")
    session.assert_same_origin()
