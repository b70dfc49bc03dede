"""Reports sent from the reporter app reach the service exactly once: online, offline across a reload,
and when the answer to the first attempt is lost."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import JILIN, AccountFactory, BrowserPage
from tests.web.steps import DELIVERY_TIMEOUT_MS, fill_report, log_in, my_reports, outbox_item

pytestmark = pytest.mark.browser


def test_a_report_with_photo_and_position_reaches_the_service_and_shows_in_my_reports(
    browser_page: BrowserPage, live_account: AccountFactory
) -> None:
    username, password = live_account()
    log_in(browser_page, username, password)
    fill_report(browser_page, "人行道上有流动摊贩")
    browser_page.screenshot("app-report-filled-360x640", full_page=True)
    browser_page.page.click("#submit-report")
    browser_page.page.wait_for_selector(".outbox-item[data-state=sent]", timeout=DELIVERY_TIMEOUT_MS)
    report_id = outbox_item(browser_page).get_attribute("data-id")

    reports = my_reports(browser_page.base_url, username, password)
    assert [r["id"] for r in reports] == [report_id]
    report = reports[0]
    assert report["text"] == "人行道上有流动摊贩"
    assert report["location"]["datum"] == "wgs84"
    assert report["location"]["lon"] == pytest.approx(JILIN["longitude"], abs=1e-6)
    assert report["location"]["lat"] == pytest.approx(JILIN["latitude"], abs=1e-6)
    assert report["location"]["accuracy_m"] == pytest.approx(JILIN["accuracy"])
    assert len(report["photos"]) == 1

    browser_page.page.click("#tab-mine")
    browser_page.page.wait_for_selector(f".report-item[data-id='{report_id}']")
    browser_page.screenshot("app-my-reports-360x640")


def test_offline_queue_survives_a_reload_and_delivers_exactly_one_report(
    browser_page: BrowserPage, live_account: AccountFactory
) -> None:
    username, password = live_account()
    page = browser_page.page
    log_in(browser_page, username, password)
    page.evaluate("navigator.serviceWorker.ready")

    browser_page.context.set_offline(True)
    fill_report(browser_page, "离线时拍的")
    page.click("#submit-report")
    page.wait_for_selector(".outbox-item[data-state=pending] >> text=网络不可用")
    report_id = outbox_item(browser_page).get_attribute("data-id")
    browser_page.screenshot("app-offline-queued-360x640")

    # The page is closed and opened again while still offline: the report is still on the phone.
    page.reload()
    page.wait_for_selector(f".outbox-item[data-id='{report_id}'][data-state=pending]")
    assert page.locator(".outbox-item").count() == 1

    browser_page.context.set_offline(False)
    page.wait_for_selector(
        f".outbox-item[data-id='{report_id}'][data-state=sent]", timeout=DELIVERY_TIMEOUT_MS
    )
    assert [r["id"] for r in my_reports(browser_page.base_url, username, password)] == [report_id]


def test_a_lost_answer_is_retried_with_the_same_key_and_makes_one_report(
    browser_page: BrowserPage, live_account: AccountFactory
) -> None:
    username, password = live_account()
    page = browser_page.page
    log_in(browser_page, username, password)
    keys: list[str | None] = []
    statuses: list[int] = []

    def lose_first_answer(route: Any) -> None:
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) == 1:
            # The server stores the report, but its answer never reaches the phone.
            statuses.append(route.fetch().status)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/reports", lose_first_answer)
    fill_report(browser_page, "第一次的回答丢了")
    page.click("#submit-report")
    page.wait_for_selector(".outbox-item[data-state=sent]", timeout=DELIVERY_TIMEOUT_MS)
    report_id = outbox_item(browser_page).get_attribute("data-id")

    assert statuses == [201]
    assert len(keys) >= 2
    assert set(keys) == {report_id}
    assert [r["id"] for r in my_reports(browser_page.base_url, username, password)] == [report_id]
