"""A grid worker re-checks a handled case on site from the reporter app (核查): sees each unit's result
and its photo, takes a photo there, and records each unit's outcome — passed (the dispatch closes) or
not (返工, back to the unit) — sending the visit at once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from service.settings import PROJECT_ROOT
from tests.support.field import on_site
from tests.web.conftest import DESKTOP, AccountFactory, BrowserPage, PageFactory
from tests.web.steps import ok, open_signed_in, token_of, whistle_a_report

pytestmark = pytest.mark.browser

PHOTOS = PROJECT_ROOT / "tests" / "fixtures" / "photos"
RESULT_PHOTO = PHOTOS / "landscape_8.jpg"
SITE_PHOTO = PHOTOS / "DSCN0010.jpg"  # a real camera file with GPS in its EXIF


@dataclass
class Handled:
    """A case whose unit has sent its result with a photo; the worker's verification task is open."""

    worker: str
    password: str
    dispatcher: str
    dispatcher_password: str
    desk: dict[str, str]
    case_id: str
    dispatch_id: str


def _handled_case(base: str, live_account: AccountFactory, web_database: Engine, note: str) -> Handled:
    case = whistle_a_report(base, live_account, text="早市占道")
    # The reporter is the grid's responsible worker (责任网格), so the verification task comes to them.
    with web_database.begin() as conn:
        conn.execute(text("DELETE FROM grid_assignments WHERE grid_code = :g"), {"g": case.grid_code})
        conn.execute(
            text(
                "INSERT INTO grid_assignments (user_id, grid_code) "
                "SELECT id, :g FROM users WHERE username = :u"
            ),
            {"g": case.grid_code, "u": case.reporter},
        )
    # The unit reports in and sends its result with a photo.
    dispatch = f"{base}/api/v1/department/dispatches/{case.dispatch_id}"
    ok(httpx.post(f"{dispatch}/check-in", headers=case.team, **on_site()))
    ok(
        httpx.post(
            f"{dispatch}/result",
            headers=case.team,
            data={"note": note},
            files=[("photos", ("result.jpg", RESULT_PHOTO.read_bytes(), "image/jpeg"))],
            timeout=60,
        )
    )
    return Handled(
        case.reporter, case.reporter_password, case.dispatcher, case.dispatcher_password, case.desk,
        case.case_id, case.dispatch_id,
    )  # fmt: skip


def _open_task(browser_page: BrowserPage, handled: Handled) -> tuple[Any, str]:
    """Log in on the phone, open 核查任务, and return the task's element and id."""
    page = browser_page.page
    open_signed_in(browser_page, "/app/", handled.worker, handled.password)
    page.click("#tab-tasks")
    task = page.locator(f"#task-list .task-item:has(.task-unit[data-dispatch='{handled.dispatch_id}'])")
    task.wait_for()
    # The unit's result photo is there to compare with what the worker sees on site.
    task.locator(".photo-strip img").wait_for()
    assert task.locator(".photo-strip img").evaluate("img => img.complete && img.naturalWidth > 0")
    return task, str(task.get_attribute("data-id"))


def _task_after(base: str, handled: Handled) -> dict[str, Any]:
    auth = token_of(base, handled.worker, handled.password)
    tasks = ok(httpx.get(f"{base}/api/v1/verification/tasks?include_done=true", headers=auth))
    [task] = [t for t in tasks if handled.dispatch_id in {i["dispatch"]["id"] for i in t["items"]}]
    return dict(task)


def test_a_grid_worker_passes_verification_with_a_site_photo_and_the_dispatch_closes(
    browser_page: BrowserPage, browser_pages: PageFactory, live_account: AccountFactory, web_database: Engine
) -> None:
    base = browser_page.base_url
    handled = _handled_case(base, live_account, web_database, note="已劝离摊贩，恢复通行")
    task, task_id = _open_task(browser_page, handled)
    assert "已劝离摊贩" in task.inner_text()

    # Without a photo taken on site, the phone says so and nothing changes.
    task.locator("button.task-submit").click()
    task.locator("text=请先拍摄现场核查照片").wait_for()
    assert _task_after(base, handled)["state"] == "open"

    page = browser_page.page
    page.set_input_files(f"#task-photo-{task_id}", str(SITE_PHOTO))
    task.locator(".photo-tile img").wait_for()
    task.locator("input.task-note").fill("现场复核：已恢复通行")
    browser_page.screenshot("app-verification-task-360x640")
    task.locator("button.task-submit").click()
    page.wait_for_selector("text=没有待核查的任务")

    done = _task_after(base, handled)
    assert done["state"] == "passed" and done["note"] == "现场复核：已恢复通行"
    photos = done["photos"]
    assert isinstance(photos, list) and len(photos) == 1
    assert photos[0]["sha256"] == hashlib.sha256(SITE_PHOTO.read_bytes()).hexdigest()
    detail = ok(httpx.get(f"{base}/api/v1/console/cases/{handled.case_id}", headers=handled.desk))
    assert [d["state"] for d in detail["dispatches"]] == ["closed"]
    assert detail["case"]["state"] == "closed"
    browser_page.assert_same_origin()

    # The command center sees the unit's result photo beside the worker's verification photo.
    desk = browser_pages(viewport=DESKTOP)
    console = desk.page
    open_signed_in(desk, "/console/", handled.dispatcher, handled.dispatcher_password)
    console.click("#tab-cases")
    console.locator(f"#cases-list .row[data-id='{handled.case_id}']").click()
    console.wait_for_selector("#case-detail #case-state >> text=已结案")
    for strip in (".photos-result", ".photos-verification"):
        image = console.locator(f"#case-detail .row.dispatch {strip} img")
        image.wait_for()
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    # DSCN0010.jpg was taken in Italy in 2008: the desk sees that the evidence is not from the site.
    flags = console.locator("#case-detail .verification-flags .flag")
    assert sorted(flags.all_inner_texts()) == sorted(["核查照片早于处置", "核查照片不在现场"])
    desk.screenshot("console-case-verified-1280x800")


def test_a_grid_worker_fails_verification_with_a_reason_and_photo_and_the_unit_must_rework(
    browser_page: BrowserPage, live_account: AccountFactory, web_database: Engine
) -> None:
    base = browser_page.base_url
    handled = _handled_case(base, live_account, web_database, note="已清理")
    task, task_id = _open_task(browser_page, handled)
    browser_page.page.set_input_files(f"#task-photo-{task_id}", str(SITE_PHOTO))
    task.locator(".photo-tile img").wait_for()
    unit = task.locator(f".task-unit[data-dispatch='{handled.dispatch_id}']")
    unit.locator("input.task-unit-fail").check()
    # Not passed without a reason: the phone asks for it first.
    task.locator("button.task-submit").click()
    task.locator("text=不通过的原因").first.wait_for()
    assert _task_after(base, handled)["state"] == "open"
    unit.locator("input.task-unit-reason").fill("摊位仍在原处")
    task.locator("button.task-submit").click()
    browser_page.page.wait_for_selector("text=没有待核查的任务")

    done = _task_after(base, handled)
    assert done["state"] == "failed"
    assert [(i["outcome"], i["reason"]) for i in done["items"]] == [("failed", "摊位仍在原处")]
    detail = ok(httpx.get(f"{base}/api/v1/console/cases/{handled.case_id}", headers=handled.desk))
    [dispatch] = detail["dispatches"]
    assert dispatch["state"] == "checked_in" and dispatch["rework_count"] == 1
    browser_page.assert_same_origin()
