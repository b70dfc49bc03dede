"""Cases made by hand and supervised, in a real Chromium: the desk makes a referred case from the place
search with 船营区委统战部 as its supervising office and a hotline case by a click on the map; the office
logs in to the same console and finds a read-only screen with its case, and nothing else."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import Engine, text

from service.accounts.models import Role
from tests.web.conftest import DESKTOP, AccountFactory, PageFactory
from tests.web.steps import ok, open_signed_in, token_of

pytestmark = pytest.mark.browser


def test_the_desk_makes_supervised_cases_by_hand_and_the_office_follows_them_read_only(
    browser_pages: PageFactory, live_account: AccountFactory, web_database: Engine
) -> None:
    desk = browser_pages(viewport=DESKTOP)
    page = desk.page
    dispatcher, password = live_account(Role.dispatcher, display_name="周值班")
    open_signed_in(desk, "/console/", dispatcher, password)
    page.wait_for_selector("#tab-triage.active")
    page.wait_for_selector("#console-map canvas")

    # 新建案卷 from a referral: the place found by name, the supervising office and its deadline.
    page.click("#new-case-button")
    page.wait_for_selector("#new-case #nc-office option >> text=船营区委统战部", state="attached")
    page.select_option("#nc-source", "referral")
    page.fill("#nc-source-ref", "船统督〔2026〕12号")
    page.select_option("#nc-category", "0202")
    page.fill("#nc-description", "某餐厅牌匾标识文字需整改")
    page.fill("#nc-place-search", "德胜街道")
    page.click("#nc-search")
    page.locator("#nc-places .place[data-kind='street']").first.click()
    page.wait_for_selector("#nc-where >> text=德胜街道")
    page.wait_for_selector("#console-map[data-picked]")
    page.select_option("#nc-office", label="船营区委统战部")
    in_three_days = datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=3)  # the browser's own zone
    page.fill("#nc-deadline", in_three_days.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#nc-supervision-note", "当日吹哨，三日内整改")
    desk.screenshot("console-new-case-1280x800")
    page.click("#nc-submit")
    page.wait_for_selector("#case-detail #case-supervision >> text=船营区委统战部")
    assert "督办交办" in page.locator("#case-detail #case-source").inner_text()
    referred = page.locator("#case-detail").get_attribute("data-id")
    assert referred
    desk.screenshot("console-supervised-case-1280x800")

    # A hotline call placed by a click on the map; the caller is shown to the desk only.
    page.click("#new-case-button")
    page.wait_for_selector("#new-case #nc-description")
    page.select_option("#nc-source", "hotline")
    page.select_option("#nc-category", "0202")
    page.fill("#nc-description", "市民来电反映门店招牌破损")
    page.fill("#nc-caller-name", "刘女士")
    page.fill("#nc-caller-phone", "13800431234")
    page.click("#nc-pick")
    page.wait_for_selector("#console-map[data-picking]")
    box = page.locator("#console-map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#nc-where >> text=已选位置")
    page.click("#nc-submit")
    page.wait_for_selector("#case-detail #case-caller >> text=刘女士")
    assert "12345热线" in page.locator("#case-detail #case-source").inner_text()

    # The cases list marks the supervised case and filters on it.
    page.click("#tab-cases")
    page.locator(f"#cases-list .row[data-id='{referred}'] .supervision-badge").wait_for()
    page.check("#cases-supervised")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#cases-list .row')].every((r) => r.querySelector('.supervision-badge'))"
    )

    # The supervising office: its own screen, its case, read only.
    with web_database.connect() as conn:
        office = conn.scalar(text("SELECT id FROM supervising_offices WHERE code = 'cy-tongzhan'"))
    supervisor, spass = live_account(Role.supervisor, display_name="统战部督办员", office_id=office)
    watcher = browser_pages(viewport=DESKTOP)
    wpage = watcher.page
    open_signed_in(watcher, "/console/", supervisor, spass)
    wpage.wait_for_selector("#tab-supervision.active")
    row = wpage.locator(f"#supervision-list .row[data-id='{referred}']")
    row.wait_for()
    assert "船营区委统战部" in row.inner_text()
    row.click()
    wpage.wait_for_selector("#supervised-case >> text=只读")
    wpage.wait_for_selector("#supervised-case >> text=某餐厅牌匾标识文字需整改")
    watcher.screenshot("console-supervising-office-1280x800")
    for absent in (
        "#tab-triage",
        "#new-case-button",
        "#case-act-supervise",
        "#case-act-dispatch",
        "#live-status",
    ):
        assert wpage.locator(absent).count() == 0, absent

    # The desk whistles; the office sees the units and their clocks without doing anything itself.
    desk_auth = token_of(desk.base_url, dispatcher, password)
    suggestion = ok(
        httpx.get(f"{desk.base_url}/api/v1/console/cases/{referred}/suggestion", headers=desk_auth)
    )
    units = [u["id"] for u in suggestion["units"]]
    ok(
        httpx.post(
            f"{desk.base_url}/api/v1/console/cases/{referred}/dispatch",
            headers=desk_auth,
            json={"unit_ids": units},
        )
    )
    wpage.click("#supervised-case button.link")
    wpage.locator(f"#supervision-list .row[data-id='{referred}'][data-state='dispatched']").click()
    wpage.wait_for_selector("#supervised-dispatches .row.dispatch .dot")
    assert wpage.locator("#supervised-dispatches .row.dispatch").count() == len(units)
    # Its API refuses any other case.
    office_auth = token_of(watcher.base_url, supervisor, spass)
    other = httpx.get(f"{watcher.base_url}/api/v1/supervision/cases/{uuid.uuid4()}", headers=office_auth)
    assert other.status_code == 404
