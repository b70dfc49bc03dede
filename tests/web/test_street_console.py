"""A street's and a district's command (乡街吹哨) on the console in a real Chromium: the street's staff see
their street only, file and escalate (上报); the district's staff take over (接管)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import Engine, text

from service.accounts.models import Role
from tests.web.conftest import DESKTOP, AccountFactory, PageFactory
from tests.web.steps import ok, open_signed_in, post_report, token_of

pytestmark = pytest.mark.browser


def test_a_street_commands_its_own_reports_and_escalates_to_its_district(
    browser_pages: PageFactory, live_account: AccountFactory, web_database: Engine
) -> None:
    desk = browser_pages(viewport=DESKTOP)
    page, base = desk.page, desk.base_url
    reporter, password = live_account(Role.grid_worker)
    phone = token_of(base, reporter, password)
    ours_id = str(uuid.uuid4())
    ours = post_report(base, phone, ours_id, text="本街道：门前乱堆物料")
    street, district = ours["routing"]["street"]["code"], ours["routing"]["district"]["code"]
    # A report in another street of the city, at a point inside that street's outline.
    with web_database.connect() as db:
        lon, lat = db.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM streets "
                "WHERE valid_to IS NULL AND code <> :s AND district_code <> :d ORDER BY code LIMIT 1) q"
            ),
            {"s": street, "d": district},
        ).one()
    theirs_id = str(uuid.uuid4())
    post_report(base, phone, theirs_id, text="别的街道", spot={"longitude": lon, "latitude": lat})

    commander, cpass = live_account(Role.dispatcher, display_name="街道值班员", division_code=street)
    open_signed_in(desk, "/console/", commander, cpass)
    page.wait_for_selector("#console-brand[data-level=street]")
    with web_database.connect() as db:
        name = db.execute(
            text("SELECT name FROM streets WHERE code = :s AND valid_to IS NULL"), {"s": street}
        )
        assert page.locator("#console-brand").inner_text() == f"吹哨 · {name.scalar_one()}指挥"
    page.locator(f"#triage-list .row[data-id='{ours_id}']").wait_for()
    assert page.locator(f"#triage-list .row[data-id='{theirs_id}']").count() == 0

    # The street files its report: the case is the street's.
    page.locator(f"#triage-list .row[data-id='{ours_id}']").click()
    page.click("#act-file")
    page.click("dialog.dialog button[type=submit]")
    page.wait_for_selector("#case-detail #case-command-level >> text=街道")
    page.wait_for_selector("#case-act-dispatch")

    # 上报: it cannot handle it alone; the district commands it from now on.
    page.click("#case-act-escalate")
    page.select_option("dialog.dialog #dlg-to_level", "district")
    page.fill("dialog.dialog #dlg-reason", "涉及多个部门，街道协调不了")
    page.click("dialog.dialog button[type=submit]")
    page.wait_for_selector("#case-detail #case-command-level >> text=区指挥中心")
    page.wait_for_selector("#case-commanded-by >> text=本案卷由区指挥中心指挥")
    assert page.locator("#case-act-dispatch").count() == 0
    desk.screenshot("console-street-escalated-1280x800")

    # The city's command center sees it, commanded by the district, and takes it over.
    city = browser_pages(viewport=DESKTOP)
    town, tpass = live_account(Role.dispatcher, display_name="市值班员")
    open_signed_in(city, "/console/", town, tpass)
    city.page.wait_for_selector("#console-brand[data-level=city]")
    city.page.click("#tab-cases")
    cases = ok(httpx.get(f"{base}/api/v1/console/cases", headers=token_of(base, town, tpass)))
    mine = next(c for c in cases if c["primary_report_id"] == ours_id)
    city.page.locator(f"#cases-list .row[data-id='{mine['id']}']").click()
    city.page.click("#case-act-take_over")
    city.page.click("dialog.dialog button[type=submit]")
    city.page.wait_for_selector("#case-detail #case-command-level >> text=市指挥中心")
    city.page.wait_for_selector("#case-act-dispatch")
