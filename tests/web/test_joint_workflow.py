"""The joint workflow on real pages: the whistle dialog's own time limits, shown on the case and the
board; 撤回 and 改派 from the case panel; and the phone's one verification of a joint case, with each
unit's outcome."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from service.accounts.models import Role
from service.settings import PROJECT_ROOT
from tests.support.field import on_site
from tests.web.conftest import DESKTOP, AccountFactory, BrowserPage, PageFactory
from tests.web.steps import ok, open_signed_in, post_report, token_of

pytestmark = pytest.mark.browser

PHOTOS = PROJECT_ROOT / "tests" / "fixtures" / "photos"
SITE_PHOTO = PHOTOS / "landscape_6.jpg"


def _filed_vending_case(base: str, live_account: AccountFactory, text_: str) -> dict[str, Any]:
    """A 无照经营游商 report filed as a case (on the street's list, with the market regulator)."""
    reporter, password = live_account(Role.grid_worker, display_name="钱网格")
    report_id = str(uuid.uuid4())
    report = post_report(base, token_of(base, reporter, password), report_id, text=text_)
    dispatcher, dpass = live_account(Role.dispatcher)
    desk = token_of(base, dispatcher, dpass)
    case = ok(httpx.post(f"{base}/api/v1/console/triage/{report_id}/file", headers=desk, json={}))
    units = ok(httpx.get(f"{base}/api/v1/console/cases/{case['id']}/suggestion", headers=desk))["units"]
    return {
        "case": case, "desk": desk, "dispatcher": dispatcher, "password": dpass, "units": units,
        "reporter": reporter, "reporter_password": password, "grid": report["routing"]["grid"]["code"],
    }  # fmt: skip


def test_the_desk_sets_its_own_limits_then_withdraws_and_reassigns(
    browser_pages: PageFactory, live_account: AccountFactory
) -> None:
    desk = browser_pages(viewport=DESKTOP)
    base, page = desk.base_url, desk.page
    filed = _filed_vending_case(base, live_account, "早市摊贩占道，需联合执法")
    case_id = filed["case"]["id"]
    assert [u["role"] for u in filed["units"]] == ["street_team", "joint", "joint"]

    open_signed_in(desk, "/console/", filed["dispatcher"], filed["password"])
    page.click("#tab-cases")
    page.locator(f"#cases-list .row[data-id='{case_id}']").click()
    page.click("#case-act-dispatch")
    page.wait_for_selector("dialog.dialog .dialog-checks input[type=checkbox]:checked")
    # The category's limits are named; the desk sets half an urgent hour to report in.
    page.locator("dialog.dialog label[for=dlg-check_in_amount] >> text=留空按类别").wait_for()
    page.fill("dialog.dialog #dlg-check_in_amount", "0.5")
    page.select_option("dialog.dialog #dlg-check_in_unit", "urgent_hours")
    desk.screenshot("console-whistle-own-limits-1280x800")
    page.click("dialog.dialog button[type=submit]")
    page.wait_for_selector("#case-detail #case-state >> text=已派遣")
    rows = page.locator("#case-detail .row.dispatch")
    assert rows.count() == 3
    own = page.locator("#case-detail .row.dispatch .clock[data-custom=true]")
    assert own.count() == 3
    assert all("报到时限 0.5紧急工作时（自定）" in c for c in own.all_inner_texts())
    handling = page.locator("#case-detail .row.dispatch .clock[data-custom=false]").first.inner_text()
    assert handling.startswith("处置时限 1工作日")  # the category's handling limit, not set by hand

    detail = ok(httpx.get(f"{base}/api/v1/console/cases/{case_id}", headers=filed["desk"]))
    by_role = {d["unit_id"]: d for d in detail["dispatches"]}
    market = next(u for u in filed["units"] if u["name"] == "吉林市市场监督管理局")
    squad = next(u for u in filed["units"] if u["kind_code"] == "urban_management")
    assert all(
        d["check_in_limit"] == {"amount": "0.5", "unit": "urgent_hours", "custom": True}
        for d in by_role.values()
    )

    # 撤回: the market regulator is not needed after all.
    market_row = page.locator(f"#case-detail .row.dispatch[data-id='{by_role[market['id']]['id']}']")
    market_row.locator("button.dispatch-act-withdraw").click()
    page.fill("dialog.dialog #dlg-reason", "无需市场监管到场")
    page.click("dialog.dialog button[type=submit]")
    page.wait_for_selector(
        f"#case-detail .row.dispatch[data-id='{by_role[market['id']]['id']}'][data-state='withdrawn']"
    )
    market_row.locator("text=已撤回：无需市场监管到场").wait_for()

    # 改派: the district squadron's part goes to the city's ecology bureau instead, with the reason.
    squad_row = page.locator(f"#case-detail .row.dispatch[data-id='{by_role[squad['id']]['id']}']")
    squad_row.locator("button.dispatch-act-reassign").click()
    page.select_option("dialog.dialog #dlg-unit_id", label="吉林市生态环境局")
    page.fill("dialog.dialog #dlg-reason", "涉及油烟，改由生态环境局")
    desk.screenshot("console-reassign-dialog-1280x800")
    page.click("dialog.dialog button[type=submit]")
    page.wait_for_selector(
        f"#case-detail .row.dispatch[data-id='{by_role[squad['id']]['id']}'][data-state='withdrawn']"
    )
    page.locator("#case-detail .row.dispatch >> text=改派自 船营区城管执法大队").wait_for()
    assert page.locator("#case-detail .row.dispatch").count() == 4
    desk.screenshot("console-withdrawn-and-reassigned-1280x800")
    after = ok(httpx.get(f"{base}/api/v1/console/cases/{case_id}", headers=filed["desk"]))
    new = [d for d in after["dispatches"] if d["reassigned_from_id"] == by_role[squad["id"]]["id"]]
    assert len(new) == 1 and new[0]["state"] == "dispatched"

    # The board shows each running dispatch's limits.
    page.click("#tab-board")
    page.locator("#board-list .row >> text=0.5紧急工作时（自定）").first.wait_for()


def test_the_grid_worker_verifies_a_joint_case_once_with_each_units_outcome(
    browser_page: BrowserPage, live_account: AccountFactory, web_database: Engine
) -> None:
    base = browser_page.base_url
    filed = _filed_vending_case(base, live_account, "早市摊贩占道")
    with web_database.begin() as conn:  # the reporter answers for the grid (责任网格)
        conn.execute(text("DELETE FROM grid_assignments WHERE grid_code = :g"), {"g": filed["grid"]})
        conn.execute(
            text(
                "INSERT INTO grid_assignments (user_id, grid_code) SELECT id, :g FROM users WHERE username = :u"
            ),
            {"g": filed["grid"], "u": filed["reporter"]},
        )
    team, market = filed["units"][0], next(u for u in filed["units"] if u["name"] == "吉林市市场监督管理局")
    made = ok(
        httpx.post(
            f"{base}/api/v1/console/cases/{filed['case']['id']}/dispatch", headers=filed["desk"],
            json={"unit_ids": [team["id"], market["id"]]},
        )
    )  # fmt: skip
    dispatch_of = {d["unit_id"]: d["id"] for d in made}
    for unit, role, note in (
        (team, Role.street_team, "已劝离摊贩"),
        (market, Role.officer, "已告知办理执照"),
    ):
        officer, password = live_account(role, unit_id=uuid.UUID(unit["id"]))
        headers = token_of(base, officer, password)
        path = f"{base}/api/v1/department/dispatches/{dispatch_of[unit['id']]}"
        ok(httpx.post(f"{path}/check-in", headers=headers, **on_site()))
        ok(httpx.post(f"{path}/result", headers=headers, data={"note": note},
                      files=[("photos", ("r.jpg", SITE_PHOTO.read_bytes(), "image/jpeg"))], timeout=60))  # fmt: skip

    page = browser_page.page
    open_signed_in(browser_page, "/app/", filed["reporter"], filed["reporter_password"])
    page.click("#tab-tasks")
    task = page.locator(f"#task-list .task-item:has(.task-unit[data-dispatch='{dispatch_of[team['id']]}'])")
    task.wait_for()
    assert task.get_attribute("data-units") == "2"
    for note in ("已劝离摊贩", "已告知办理执照"):
        task.locator(f".task-unit >> text={note}").wait_for()
    assert task.locator(".task-unit .photo-strip img").count() == 2
    # The market regulator's part is not done: it fails with the reason; the street team's passes.
    unit = task.locator(f".task-unit[data-dispatch='{dispatch_of[market['id']]}']")
    unit.locator("input.task-unit-fail").check()
    unit.locator("input.task-unit-reason").fill("摊主仍无照经营")
    page.set_input_files(f"#task-photo-{task.get_attribute('data-id')}", str(SITE_PHOTO))
    task.locator(".photo-tile img").wait_for()
    browser_page.screenshot("app-joint-verification-360x640")
    task.locator("button.task-submit").click()
    page.wait_for_selector("text=没有待核查的任务")

    tasks = ok(httpx.get(f"{base}/api/v1/verification/tasks?include_done=true",
                         headers=token_of(base, filed["reporter"], filed["reporter_password"])))  # fmt: skip
    [done] = [t for t in tasks if t["case"]["id"] == filed["case"]["id"]]
    outcomes = {i["unit_name"]: (i["outcome"], i["reason"]) for i in done["items"]}
    assert outcomes == {team["name"]: ("passed", None), "吉林市市场监督管理局": ("failed", "摊主仍无照经营")}
    detail = ok(httpx.get(f"{base}/api/v1/console/cases/{filed['case']['id']}", headers=filed["desk"]))
    assert {d["unit_id"]: d["state"] for d in detail["dispatches"]} == {
        team["id"]: "closed", market["id"]: "checked_in",
    }  # fmt: skip
    assert json.dumps(detail["case"]["state"]) == '"checked_in"'
    browser_page.assert_same_origin()
