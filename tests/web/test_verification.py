"""A grid worker re-checks a handled case on site from the reporter app (核查), closing the dispatch."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import Engine, text

from service.accounts.models import Role
from tests.web.conftest import AccountFactory, BrowserPage
from tests.web.steps import ok, post_report, token_of

pytestmark = pytest.mark.browser


def test_a_grid_worker_passes_verification_in_the_app_and_the_dispatch_closes(
    browser_page: BrowserPage, live_account: AccountFactory, web_database: Engine
) -> None:
    base = browser_page.base_url
    worker, password = live_account(Role.grid_worker, display_name="赵网格")
    worker_auth = token_of(base, worker, password)
    report_id = str(uuid.uuid4())
    report = post_report(base, worker_auth, report_id, text="早市占道")
    grid_code = report["routing"]["grid"]["code"]

    # This worker is the grid's responsible worker (责任网格), so the verification task comes to them.
    with web_database.begin() as conn:
        conn.execute(text("DELETE FROM grid_assignments WHERE grid_code = :g"), {"g": grid_code})
        conn.execute(
            text(
                "INSERT INTO grid_assignments (user_id, grid_code) "
                "SELECT id, :g FROM users WHERE username = :u"
            ),
            {"g": grid_code, "u": worker},
        )

    dispatcher, dpass = live_account(Role.dispatcher)
    desk = token_of(base, dispatcher, dpass)
    case = ok(httpx.post(f"{base}/api/v1/console/triage/{report_id}/file", headers=desk, json={}))
    units = ok(httpx.get(f"{base}/api/v1/console/cases/{case['id']}/suggestion", headers=desk))["units"]
    unit = units[0]
    dispatches = ok(
        httpx.post(
            f"{base}/api/v1/console/cases/{case['id']}/dispatch",
            headers=desk,
            json={"unit_ids": [unit["id"]]},
        )
    )
    dispatch_id = dispatches[0]["id"]

    # The unit reports in and sends its result.
    role = Role.street_team if unit["role"] == "street_team" else Role.officer
    officer, opass = live_account(role, unit_id=uuid.UUID(unit["id"]))
    team = token_of(base, officer, opass)
    ok(
        httpx.post(
            f"{base}/api/v1/department/dispatches/{dispatch_id}/check-in", headers=team, json={"note": ""}
        )
    )
    ok(
        httpx.post(
            f"{base}/api/v1/department/dispatches/{dispatch_id}/result",
            headers=team,
            data={"note": "已劝离摊贩，恢复通行"},
            timeout=60,
        )
    )

    # On the phone: the task is there with the unit's result; the worker passes it.
    page = browser_page.page
    page.goto(browser_page.url("/app/"))
    page.fill("#login-username", worker)
    page.fill("#login-password", password)
    page.click("#login-submit")
    page.click("#tab-tasks")
    task = page.locator(f"#task-list .task-item[data-dispatch='{dispatch_id}']")
    task.wait_for()
    assert "已劝离摊贩" in task.inner_text()
    browser_page.screenshot("app-verification-task-360x640")
    task.locator("button.primary").click()
    page.wait_for_selector("text=没有待核查的任务")

    detail = ok(httpx.get(f"{base}/api/v1/console/cases/{case['id']}", headers=desk))
    assert [d["state"] for d in detail["dispatches"]] == ["closed"]
    assert detail["case"]["state"] == "closed"
    browser_page.assert_same_origin()
