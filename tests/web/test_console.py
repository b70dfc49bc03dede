"""The command-center console (/console/) in a real Chromium at desktop size, against the real service."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import Engine, text

from service.accounts.models import Role
from tests.support.field import on_site
from tests.web.conftest import CONSOLE_SPOT, DESKTOP, AccountFactory, PageFactory
from tests.web.steps import (
    DELIVERY_TIMEOUT_MS,
    fill_report,
    log_in,
    ok,
    open_signed_in,
    sign_in,
    whistle_a_report,
)

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


def test_the_desk_rejects_a_send_back_and_grants_an_extension_from_the_case(
    browser_pages: PageFactory, live_account: AccountFactory
) -> None:
    desk = browser_pages(viewport=DESKTOP)
    base, page = desk.base_url, desk.page
    case = whistle_a_report(base, live_account, text="商铺门前乱堆物料")
    dispatch = f"{base}/api/v1/department/dispatches/{case.dispatch_id}"
    ok(httpx.post(f"{dispatch}/send-back", headers=case.team, json={"reason": "不属于我单位"}))

    open_signed_in(desk, "/console/", case.dispatcher, case.dispatcher_password)
    page.click("#tab-cases")
    page.locator(f"#cases-list .row[data-id='{case.case_id}']").click()
    row = page.locator(f"#case-detail .row.dispatch[data-id='{case.dispatch_id}']")
    row.locator("text=退回理由：不属于我单位").wait_for()

    # 退回不成立: the desk says why, and the dispatch is back with the unit.
    row.locator("button.dispatch-act-reject_send_back").click()
    page.fill("dialog.dialog #dlg-reason", "门前堆放属本单位职责")
    page.click("dialog.dialog button[type=submit]")
    page.wait_for_selector(
        f"#case-detail .row.dispatch[data-id='{case.dispatch_id}'][data-state='checked_in']"
    )
    assert ok(httpx.get(dispatch, headers=case.team))["dispatches"][0]["send_back_rejected_at"] is not None

    # The unit asks for one more work day; the desk grants it from the same panel.
    ok(
        httpx.post(
            f"{dispatch}/extension",
            headers=case.team,
            json={"amount": "1", "unit": "work_days", "reason": "需商户配合"},
        )
    )
    page.click("#case-detail button.link")  # back to the list, and the case again: fresh from the server
    page.locator(f"#cases-list .row[data-id='{case.case_id}']").click()
    row.locator("text=申请延期 1 工作日：需商户配合").wait_for()
    desk.screenshot("console-dispatch-decisions-1280x800")
    row.locator("button.dispatch-act-grant_extension").click()
    page.click("dialog.dialog button[type=submit]")
    page.wait_for_selector(
        f"#case-detail .row.dispatch[data-id='{case.dispatch_id}'][data-state='checked_in']"
    )
    granted = ok(httpx.get(dispatch, headers=case.team))["dispatches"][0]
    assert len(granted["extensions"]) == 1 and granted["extensions"][0]["amount"] == "1"


def test_the_desk_names_a_verifier_when_nobody_was_found(
    browser_pages: PageFactory, live_account: AccountFactory, web_database: Engine
) -> None:
    desk = browser_pages(viewport=DESKTOP)
    base, page = desk.base_url, desk.page
    # A courier's report in a grid with no grid worker: the unit's result waits for a verifier.
    case = whistle_a_report(base, live_account, text="井盖缺失", reporter_role=Role.courier)
    with web_database.begin() as conn:
        conn.execute(text("DELETE FROM grid_assignments WHERE grid_code = :g"), {"g": case.grid_code})
    dispatch = f"{base}/api/v1/department/dispatches/{case.dispatch_id}"
    ok(httpx.post(f"{dispatch}/check-in", headers=case.team, **on_site()))
    handled = ok(httpx.post(f"{dispatch}/result", headers=case.team, data={"note": "已补装"}, timeout=60))
    assert handled["state"] == "handled"
    worker, _ = live_account(Role.grid_worker, display_name="钱网格")
    with web_database.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO grid_assignments (user_id, grid_code) SELECT id, :g FROM users WHERE username = :u"
            ),
            {"g": case.grid_code, "u": worker},
        )

    open_signed_in(desk, "/console/", case.dispatcher, case.dispatcher_password)
    page.click("#tab-cases")
    page.locator(f"#cases-list .row[data-id='{case.case_id}']").click()
    page.locator(
        f"#case-detail .row.dispatch[data-id='{case.dispatch_id}'] button.dispatch-act-start_verification"
    ).click()
    assert "钱网格（责任网格）" in page.locator("dialog.dialog #dlg-assignee_id").inner_text()
    page.click("dialog.dialog button[type=submit]")
    page.wait_for_selector(
        f"#case-detail .row.dispatch[data-id='{case.dispatch_id}'][data-state='verifying']"
    )
