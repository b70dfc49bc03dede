"""The command-center console (/console/) in a real Chromium at desktop size, against the real service."""

from __future__ import annotations

import pytest

from service.accounts.models import Role
from tests.web.conftest import CONSOLE_SPOT, DESKTOP, AccountFactory, PageFactory
from tests.web.steps import DELIVERY_TIMEOUT_MS, fill_report, log_in, open_signed_in, sign_in

pytestmark = pytest.mark.browser


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
    sign_in(page, worker, password)
    page.wait_for_selector("text=不能使用本页面")

    dispatcher, password = live_account(Role.dispatcher, display_name="李调度")
    sign_in(page, dispatcher, password)
    page.wait_for_selector("#tab-triage.active")
    assert page.locator(".topbar .who").inner_text() == "李调度"
    # OpenLayers draws on a canvas inside the map element.
    page.wait_for_selector("#console-map canvas")
    for tab in ("#tab-cases", "#tab-board", "#tab-indicators", "#tab-triage"):
        page.click(tab)
        page.wait_for_selector(f"{tab}.active")
    session.assert_same_origin()


def test_a_report_from_the_phone_appears_live_on_the_console_map_and_is_whistled(
    browser_pages: PageFactory, live_account: AccountFactory
) -> None:
    # The command center is watching (the live feed connected) before anything is reported.
    desk = browser_pages(viewport=DESKTOP)
    page = desk.page
    dispatcher, password = live_account(Role.dispatcher)
    open_signed_in(desk, "/console/", dispatcher, password)
    page.wait_for_selector("#live-status.on")

    # A grid worker reports from the phone (a real photo, a simulated position in Jilin).
    phone = browser_pages(geolocation=CONSOLE_SPOT)
    worker, password = live_account(Role.grid_worker)
    log_in(phone, worker, password)
    fill_report(phone, "路口有流动摊贩占道经营")
    phone.page.click("#submit-report")
    phone.page.wait_for_selector(".outbox-item[data-state=sent]", timeout=DELIVERY_TIMEOUT_MS)
    report_id = phone.page.locator(".outbox-item").first.get_attribute("data-id")

    # The live feed brings it into the triage queue and onto the map without a reload.
    row = page.locator(f"#triage-list .row[data-id='{report_id}']")
    row.wait_for()
    row.click()
    page.wait_for_selector(f"#report-detail[data-id='{report_id}']")
    page.wait_for_selector(f"#console-map[data-centered-on='{report_id}']")
    page.wait_for_selector("#report-detail .photos img")
    desk.screenshot("console-report-detail-1280x800")

    # Back to the queue, then a click on the report's point on the map opens it again.
    page.click("#report-detail button.link")
    page.wait_for_selector("#triage-list .row")
    box = page.locator("#console-map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector(f"#report-detail[data-id='{report_id}']")

    # File it as a case, then blow the whistle to the suggested units.
    page.click("#act-file")
    page.click("dialog.dialog button[type=submit]")
    page.wait_for_selector("#case-detail #case-state >> text=已立案")
    page.wait_for_selector("#case-detail #case-photos img")
    page.click("#case-act-dispatch")
    page.wait_for_selector("dialog.dialog .dialog-checks input[type=checkbox]:checked")
    desk.screenshot("console-whistle-dialog-1280x800")
    page.click("dialog.dialog button[type=submit]")
    page.wait_for_selector("#case-detail #case-state >> text=已派遣")
    dispatches = page.locator("#case-detail .row.dispatch")
    assert dispatches.count() >= 1
    desk.screenshot("console-case-dispatched-1280x800")

    # The SLA board lists the new dispatches with their clocks.
    page.click("#tab-board")
    page.wait_for_selector("#board-list .row")
    desk.screenshot("console-board-1280x800")

    # Indicators: the table and the on-time closure chart of the last 30 days.
    page.click("#tab-indicators")
    page.wait_for_selector("#indicators-table")
    desk.screenshot("console-indicators-1280x800")
