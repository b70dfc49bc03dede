"""The departments' field app on real pages (/app/ for officers and street teams): whistles arriving live
with their countdowns, the case page, 报到 on site with the phone's position and a photo (near, far,
and offline — delivered exactly once), the result with a photo, extension and send-back with reasons,
and the unit's finished dispatches with their scores."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine, text

from service.settings import PROJECT_ROOT
from tests.support.field import on_site
from tests.web.conftest import CONSOLE_SPOT, JILIN, AccountFactory, BrowserPage
from tests.web.steps import (
    DELIVERY_TIMEOUT_MS,
    PHOTO,
    Filed,
    blow_whistle,
    check_in_on_site,
    field_dispatch,
    file_a_report,
    ok,
    open_field_case,
    open_signed_in,
    token_of,
    unit_account,
)

pytestmark = pytest.mark.browser

MARKET = "吉林市市场监督管理局"  # an officer's unit on every 无照经营游商 case, beside the street team
RESULT_PHOTO = PROJECT_ROOT / "tests" / "fixtures" / "photos" / "landscape_8.jpg"
# A whistle's report-in clock run out within the test: 0.01 urgent hours is 36 s on a continuous clock.
SHORT_CHECK_IN = {"check_in_limit": {"amount": "0.01", "unit": "urgent_hours"}}


def _place_names(filed: Filed) -> list[str]:
    return [filed.routing[level]["name"] for level in ("district", "street", "community", "grid")]


def _api_check_in(base: str, headers: dict[str, str], dispatch_id: str) -> None:
    """报到 over the API as a phone sends it (multipart, the reporter's position and one photo)."""
    ok(
        httpx.post(
            f"{base}/api/v1/department/dispatches/{dispatch_id}/check-in",
            headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
            timeout=60,
            **on_site((JILIN["longitude"], JILIN["latitude"])),
        )
    )


def _tabs(page: Any) -> list[str]:
    return [label.strip() for label in page.locator("nav.tabs .tab").all_inner_texts()]


def test_an_officer_sees_a_whistle_arrive_live_with_a_countdown_that_turns_red(
    browser_page: BrowserPage, live_account: AccountFactory
) -> None:
    base, page = browser_page.base_url, browser_page.page
    filed = file_a_report(base, live_account, text="路口有流动摊贩，实时派遣")
    market = filed.unit(MARKET)
    officer, password = unit_account(live_account, market)

    open_signed_in(browser_page, "/app/", officer, password)
    page.wait_for_selector("#tab-whistles.active")
    assert _tabs(page) == ["哨单", "已办"]  # an officer neither reports nor has 我的上报
    page.wait_for_selector("#field-live >> text=实时")  # the unit's live feed is connected
    page.evaluate("window.__stillTheSamePage = true")

    # The command center whistles while the officer looks at the list: the card arrives by itself.
    dispatch_id = blow_whistle(base, filed, market, **SHORT_CHECK_IN)[market["id"]]
    card = page.locator(f"#whistle-list li.whistle[data-dispatch-id='{dispatch_id}']")
    card.wait_for()
    assert page.evaluate("window.__stillTheSamePage === true"), "the page was reloaded"
    assert "无照经营游商" in card.inner_text()
    for name in _place_names(filed):
        assert name in card.locator(".place").inner_text()

    # The countdown runs on the phone's clock to the report-in deadline, and turns red when it passes.
    team = token_of(base, officer, password)
    deadline = field_dispatch(base, team, dispatch_id)["dispatch"]["check_in_deadline"]
    countdown = card.locator(".countdown")
    assert countdown.get_attribute("data-deadline") == deadline
    expect(countdown).to_contain_text("报到剩余")
    first = countdown.inner_text()
    expect(countdown).not_to_have_text(first, timeout=5_000)
    browser_page.screenshot("field-whistle-arrived-360x640")
    expect(countdown).to_have_class(re.compile(r"\boverdue\b"), timeout=60_000)
    expect(countdown).to_contain_text("报到已超时")
    assert page.evaluate("window.__stillTheSamePage === true")
    browser_page.screenshot("field-whistle-overdue-360x640")


def test_the_case_page_shows_place_reporter_text_and_photo_and_the_partner_unit(
    browser_page: BrowserPage, live_account: AccountFactory
) -> None:
    base, page = browser_page.base_url, browser_page.page
    filed = file_a_report(base, live_account, text="早市摊贩占用人行道，需联合执法")
    team, market = filed.unit("street_team"), filed.unit(MARKET)
    dispatches = blow_whistle(base, filed, team, market)
    officer, password = unit_account(live_account, market)

    open_signed_in(browser_page, "/app/", officer, password)
    card = page.locator(f"#whistle-list li.whistle[data-dispatch-id='{dispatches[market['id']]}']")
    assert team["name"] in card.locator(".partners").inner_text()
    case_page = open_field_case(browser_page, dispatches[market["id"]])

    place = case_page.locator("#field-place")
    for name in _place_names(filed):  # 区 · 街道 · 社区 · 网格, by name
        expect(place).to_contain_text(name)
    expect(case_page.locator("#field-report")).to_contain_text("早市摊贩占用人行道，需联合执法")
    photo = case_page.locator("#field-photos img")
    photo.wait_for()
    expect(photo).to_have_js_property("complete", True)
    assert photo.evaluate("img => img.naturalWidth > 0")
    partner = case_page.locator(f"#field-partners li.partner[data-unit-id='{team['id']}']")
    expect(partner).to_contain_text(team["name"])
    expect(partner).to_contain_text("已派遣")
    # What the unit may do now, and nothing else.
    expect(page.locator("#act-check_in")).to_be_visible()
    expect(page.locator("#act-send_back")).to_be_visible()
    assert page.locator("#act-submit_result").count() == 0
    case_page.locator("#field-map canvas").first.wait_for()
    browser_page.screenshot("field-case-page-360x640", full_page=True)

    # The street team reports in: the partner's state changes on the open page, without a reload.
    street_officer, street_password = unit_account(live_account, team)
    _api_check_in(base, token_of(base, street_officer, street_password), dispatches[team["id"]])
    expect(partner).to_contain_text("已报到", timeout=15_000)


def test_check_in_on_site_stores_the_distance_and_a_far_one_is_flagged(
    browser_page: BrowserPage, live_account: AccountFactory
) -> None:
    base, page = browser_page.base_url, browser_page.page
    near = file_a_report(base, live_account, text="报到测试：现场")
    far = file_a_report(base, live_account, text="报到测试：远处")
    market = near.unit(MARKET)
    near_id = blow_whistle(base, near, market)[market["id"]]
    far_id = blow_whistle(base, far, market)[market["id"]]
    officer, password = unit_account(live_account, market)
    team = token_of(base, officer, password)
    open_signed_in(browser_page, "/app/", officer, password)

    # On site: the phone is where the reporter was.
    check_in_on_site(browser_page, near_id, note="已到现场", position=JILIN)
    status = page.locator("#checkin-status")
    expect(status).to_contain_text("已报到")
    expect(status).to_contain_text("距案件位置")
    assert page.locator("#checkin-far").count() == 0
    stored = field_dispatch(base, team, near_id)["dispatch"]
    assert stored["state"] == "checked_in"
    assert stored["check_in_distance_m"] is not None and stored["check_in_distance_m"] < 50
    assert stored["check_in_far"] is False
    assert stored["check_in_position"]["lon"] == pytest.approx(JILIN["longitude"], abs=1e-6)
    assert stored["check_in_position"]["lat"] == pytest.approx(JILIN["latitude"], abs=1e-6)
    expect(page.locator("#act-check_in")).to_have_count(0)
    expect(page.locator("#act-submit_result")).to_be_visible()

    # About a kilometre away: stored, flagged, and the officer is told.
    page.click("#field-back")
    check_in_on_site(browser_page, far_id, position=CONSOLE_SPOT)
    stored = field_dispatch(base, team, far_id)["dispatch"]
    assert stored["check_in_far"] is True and stored["check_in_distance_m"] > 300
    warning = page.locator("#checkin-far")
    expect(warning).to_have_text(f"距案件位置 {round(stored['check_in_distance_m'])} 米，超出报到距离阈值")
    browser_page.screenshot("field-check-in-far-360x640")


def test_an_offline_check_in_is_queued_and_delivered_exactly_once(
    browser_page: BrowserPage, live_account: AccountFactory
) -> None:
    base, page = browser_page.base_url, browser_page.page
    filed = file_a_report(base, live_account, text="报到测试：地下通道没有信号")
    market = filed.unit(MARKET)
    dispatch_id = blow_whistle(base, filed, market)[market["id"]]
    officer, password = unit_account(live_account, market)
    team = token_of(base, officer, password)
    open_signed_in(browser_page, "/app/", officer, password)
    open_field_case(browser_page, dispatch_id)

    # The answer to the first attempt after the network comes back is lost on the way to the phone.
    keys: list[str | None] = []
    statuses: list[int] = []

    def lose_first_answer(route: Any) -> None:
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) == 1:
            statuses.append(route.fetch().status)
            route.abort("connectionreset")
        else:
            route.continue_()

    browser_page.context.set_offline(True)
    check_in_on_site(browser_page, dispatch_id, note="信号不好，先存着", delivered=False)
    status = page.locator("#checkin-status[data-state=pending]")
    expect(status).to_contain_text("待发送")
    expect(status).to_contain_text("网络不可用")
    expect(page.locator("#act-check_in")).to_have_count(0)  # no second 报到 while one waits
    browser_page.screenshot("field-check-in-queued-360x640")
    assert field_dispatch(base, team, dispatch_id)["dispatch"]["state"] == "dispatched"

    page.route(f"**/api/v1/department/dispatches/{dispatch_id}/check-in", lose_first_answer)
    browser_page.context.set_offline(False)
    page.wait_for_selector("#checkin-status[data-state=sent]", timeout=DELIVERY_TIMEOUT_MS)
    expect(page.locator("#checkin-status")).to_contain_text("已报到")

    assert statuses == [200]
    assert len(keys) >= 2 and len(set(keys)) == 1 and keys[0]
    detail = field_dispatch(base, team, dispatch_id)
    assert detail["dispatch"]["state"] == "checked_in"
    assert [e["action"] for e in detail["events"]].count("check_in") == 1
    assert [p["kind"] for p in detail["my_photos"]].count("check_in") == 1


def test_result_with_photo_extension_and_send_back_with_reasons(
    browser_page: BrowserPage, live_account: AccountFactory
) -> None:
    base, page = browser_page.base_url, browser_page.page
    cases = [file_a_report(base, live_account, text=f"处置测试 {n}") for n in range(3)]
    market = cases[0].unit(MARKET)
    handled, extended, not_ours = (blow_whistle(base, c, market)[market["id"]] for c in cases)
    officer, password = unit_account(live_account, market)
    team = token_of(base, officer, password)
    for dispatch_id in (handled, extended):
        _api_check_in(base, team, dispatch_id)
    open_signed_in(browser_page, "/app/", officer, password)

    # 处置反馈 with a photo.
    open_field_case(browser_page, handled)
    page.click("#act-submit_result")
    page.fill("#result-note", "已劝离摊贩，恢复通行")
    page.set_input_files("#result-photos", str(RESULT_PHOTO))
    page.wait_for_selector("#result-form .photo-tile img")
    browser_page.screenshot("field-result-form-360x640")
    page.click("#result-send")
    page.wait_for_selector("#result-status[data-state=sent]", timeout=DELIVERY_TIMEOUT_MS)
    expect(page.locator("#field-my-photos a[data-kind=result] img")).to_have_count(1)
    stored = field_dispatch(base, team, handled)
    assert stored["dispatch"]["result_note"] == "已劝离摊贩，恢复通行"
    assert stored["dispatch"]["state"] in {"handled", "verifying"}
    assert [p["kind"] for p in stored["my_photos"]].count("result") == 1

    # 申请延期: amount, unit and reason.
    page.click("#field-back")
    open_field_case(browser_page, extended)
    page.click("#act-request_extension")
    page.fill("dialog.dialog #dlg-amount", "2")
    page.select_option("dialog.dialog #dlg-unit", "work_days")
    page.fill("dialog.dialog #dlg-reason", "需协调商户统一搬离")
    page.click("dialog.dialog button[type=submit]")
    expect(page.locator("#field-message")).to_have_text("延期申请已提交，等待指挥中心审批")
    asked = field_dispatch(base, team, extended)["dispatch"]
    assert asked["state"] == "extension_requested"
    assert asked["extension_request"]["reason"] == "需协调商户统一搬离"
    assert asked["extension_request"]["unit"] == "work_days"

    # 退回: not this unit's business, with the reason.
    page.click("#field-back")
    open_field_case(browser_page, not_ours)
    page.click("#act-send_back")
    page.fill("dialog.dialog #dlg-reason", "不属于本单位职责，应由街道处理")
    page.click("dialog.dialog button[type=submit]")
    expect(page.locator("#field-state")).to_have_text("已退回")
    assert page.locator(".field-actions button").count() == 0
    back = field_dispatch(base, team, not_ours)["dispatch"]
    assert (back["state"], back["send_back_reason"]) == ("sent_back", "不属于本单位职责，应由街道处理")


def _close_by_verification(
    base: str, filed: Filed, web_database: Engine, team: dict[str, str], dispatch_id: str
) -> None:
    """The unit reports in and sends its result; the reporter, answering for the grid, passes it on site."""
    grid = filed.routing["grid"]["code"]
    with web_database.begin() as conn:
        conn.execute(text("DELETE FROM grid_assignments WHERE grid_code = :g"), {"g": grid})
        conn.execute(
            text(
                "INSERT INTO grid_assignments (user_id, grid_code) SELECT id, :g FROM users WHERE username = :u"
            ),
            {"g": grid, "u": filed.reporter},
        )
    _api_check_in(base, team, dispatch_id)
    ok(
        httpx.post(
            f"{base}/api/v1/department/dispatches/{dispatch_id}/result",
            headers={**team, "Idempotency-Key": str(uuid.uuid4())},
            data={"note": "已清理"},
            files=[("photos", ("r.jpg", RESULT_PHOTO.read_bytes(), "image/jpeg"))],
            timeout=60,
        )
    )
    worker = token_of(base, filed.reporter, filed.reporter_password)
    [task] = [
        t for t in ok(httpx.get(f"{base}/api/v1/verification/tasks", headers=worker))
        if dispatch_id in {i["dispatch"]["id"] for i in t["items"]}
    ]  # fmt: skip
    ok(
        httpx.post(
            f"{base}/api/v1/verification/tasks/{task['id']}/decision",
            headers=worker,
            data={"outcomes": json.dumps([{"dispatch_id": dispatch_id, "passed": True}]), "note": "复核通过"},
            files=[("photos", ("v.jpg", PHOTO.read_bytes(), "image/jpeg"))],
            timeout=60,
        )
    )


def test_a_street_team_sees_its_closed_dispatch_with_the_score_and_its_items_in_history(
    browser_page: BrowserPage, live_account: AccountFactory, web_database: Engine
) -> None:
    base, page = browser_page.base_url, browser_page.page
    filed = file_a_report(base, live_account, text="已办测试：占道经营")
    team_unit = filed.unit("street_team")
    dispatch_id = blow_whistle(base, filed, team_unit, **SHORT_CHECK_IN)[team_unit["id"]]
    member, password = unit_account(live_account, team_unit)
    team = token_of(base, member, password)

    open_signed_in(browser_page, "/app/", member, password)
    page.wait_for_selector("#tab-whistles.active")
    assert _tabs(page) == ["哨单", "已办", "上报", "我的上报"]  # a street team also reports itself
    card = page.locator(f"#whistle-list li.whistle[data-dispatch-id='{dispatch_id}']")
    expect(card.locator(".limit-custom")).to_have_text("（自定）")  # the desk's own report-in limit
    # The team lets the report-in deadline pass (its phone shows it), then does the work: it loses points.
    expect(card.locator(".countdown")).to_have_class(re.compile(r"\boverdue\b"), timeout=60_000)
    _close_by_verification(base, filed, web_database, team, dispatch_id)
    evaluation = field_dispatch(base, team, dispatch_id)["evaluation"]
    assert evaluation is not None and float(evaluation["score"]) < 100
    [late] = [item for item in evaluation["breakdown"] if item["rule"] == "late_check_in"]

    page.click("#tab-history")
    row = page.locator(f"#history-list li.history[data-dispatch-id='{dispatch_id}']")
    expect(row.locator(".score")).to_have_text(f"{evaluation['score']} 分")
    expect(row).to_contain_text("已结案")
    items = row.locator(".score-items")
    expect(items).to_be_hidden()
    row.click()
    expect(items).to_be_visible()
    expect(items).to_contain_text("扣分明细")
    expect(items.locator(".score-item").filter(has_text=late["reason"])).to_contain_text(
        f"{float(late['points']):g}"
    )
    browser_page.screenshot("field-history-360x640")
    # It has left the running whistles.
    page.click("#tab-whistles")
    expect(page.locator(f"#whistle-list li.whistle[data-dispatch-id='{dispatch_id}']")).to_have_count(0)
