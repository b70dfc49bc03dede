"""The account's stories end to end on real pages (乡街吹哨、部门报到): a street's console blows the
whistle, the departments' phones report in on site and hand in results, the grid worker verifies once,
the case closes and every dispatch is scored.

The whistle happens when the test runs: a live server's clock cannot be set, so "at 13:00" of the
account is the moment of the run (deadlines before, at and after are tested with an injected clock in
tests/service/cases).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from service.accounts.models import Role
from service.settings import PROJECT_ROOT
from tests.web.conftest import DESKTOP, PHONE, AccountFactory, BrowserPage, PageFactory
from tests.web.steps import (
    check_in_on_site,
    field_dispatch,
    ok,
    open_field_case,
    open_signed_in,
    post_report,
    token_of,
)

pytestmark = pytest.mark.browser

SIGNBOARD, CLUTTER, WIRING = "0202", "0507", "2101"
PHOTOS = PROJECT_ROOT / "tests" / "fixtures" / "photos"
SITE, LATER = str(PHOTOS / "landscape_6.jpg"), str(PHOTOS / "landscape_8.jpg")


def _spot_in(db: Engine, *, street: str | None = None, community: str | None = None) -> dict[str, Any]:
    """A point inside the first grid of a named street (or community), with that division's code."""
    table, name = ("streets", street) if street else ("communities", community)
    with db.connect() as conn:
        code = conn.execute(
            text(f"SELECT code FROM {table} WHERE name = :n AND valid_to IS NULL"), {"n": name}
        ).scalar_one()
        prefix = code[:9] if table == "streets" else code
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM grids "
                "WHERE valid_to IS NULL AND code LIKE :prefix ORDER BY code LIMIT 1) q"
            ),
            {"prefix": prefix + "%"},
        ).one()
    return {"code": code, "longitude": lon, "latitude": lat, "accuracy": 10}


def _unit(db: Engine, name: str) -> str:
    with db.connect() as conn:
        return str(
            conn.execute(text("SELECT id FROM department_units WHERE name = :n"), {"n": name}).scalar_one()
        )


def _answer_for_grid(db: Engine, username: str, grid: str) -> None:
    """The reporter answers for the grid (责任网格): the case's verification comes to them."""
    with db.begin() as conn:
        conn.execute(text("DELETE FROM grid_assignments WHERE grid_code = :g"), {"g": grid})
        conn.execute(
            text(
                "INSERT INTO grid_assignments (user_id, grid_code) SELECT id, :g FROM users WHERE username = :u"
            ),
            {"g": grid, "u": username},
        )


def _phone(
    browser_pages: PageFactory,
    live_account: AccountFactory,
    unit_id: str,
    role: Role,
    name: str,
    spot: dict[str, Any],
) -> tuple[BrowserPage, dict[str, str]]:
    """An officer's phone on 哨单, standing at `spot`."""
    username, password = live_account(role, unit_id=uuid.UUID(unit_id), display_name=name)
    phone = browser_pages(
        viewport=PHONE, geolocation={k: spot[k] for k in ("longitude", "latitude", "accuracy")}
    )
    open_signed_in(phone, "/app/", username, password)
    phone.page.wait_for_selector("#tab-whistles.active")
    return phone, token_of(phone.base_url, username, password)


def _hand_in(phone: BrowserPage, dispatch_id: str, note: str, photo: str) -> None:
    """处置反馈 on the case page: a note and a photo, through the outbox."""
    page = phone.page
    open_field_case(phone, dispatch_id)
    page.click("#act-submit_result")
    page.fill("#result-note", note)
    page.set_input_files("#result-photos", photo)
    page.click("#result-send")
    page.wait_for_selector("#result-status[data-state=sent]", timeout=60_000)


def _verify_all(verifier: BrowserPage, dispatch_ids: list[str], photo: str) -> None:
    """The grid worker's one visit: every unit passes, one photo for the visit."""
    page = verifier.page
    page.click("#tab-tasks")
    task = page.locator(f"#task-list .task-item:has(.task-unit[data-dispatch='{dispatch_ids[0]}'])")
    task.wait_for()
    assert task.get_attribute("data-units") == str(len(dispatch_ids))
    page.set_input_files(f"#task-photo-{task.get_attribute('data-id')}", photo)
    task.locator(".photo-tile img").wait_for()
    task.locator("button.task-submit").click()
    page.wait_for_selector("text=没有待核查的任务")


def _scored(phone: BrowserPage, dispatch_id: str) -> str:
    """已办: the finished dispatch and its score, as the officer reads it."""
    phone.page.click("#tab-history")
    row = phone.page.locator(f"#history-list li.history[data-dispatch-id='{dispatch_id}']")
    row.wait_for()
    return str(row.locator(".score").inner_text())


@dataclass
class StreetDesk:
    """A street's enforcement team commanding its street on the console (乡街吹哨), and the grid worker
    who reports there: the console steps every story shares."""

    desk: BrowserPage
    api: dict[str, str]  # the commander's bearer headers
    team_unit: str
    db: Engine
    reporter: str = ""
    reporter_password: str = ""

    @classmethod
    def open(
        cls, browser_pages: PageFactory, live_account: AccountFactory, db: Engine, team: str, who: str
    ) -> StreetDesk:
        desk = browser_pages(viewport=DESKTOP)
        team_unit = _unit(db, team)
        commander, password = live_account(Role.street_team, unit_id=uuid.UUID(team_unit), display_name=who)
        open_signed_in(desk, "/console/", commander, password)
        desk.page.wait_for_selector("#console-brand[data-level=street]")
        return cls(desk, token_of(desk.base_url, commander, password), team_unit, db)

    def report(self, live_account: AccountFactory, spot: dict[str, Any], text_: str, category: str) -> Any:
        """A grid worker's report at `spot`, the worker answering for its grid (the verification is theirs)."""
        base = self.desk.base_url
        self.reporter, self.reporter_password = live_account(Role.grid_worker, display_name="网格员")
        report_id = str(uuid.uuid4())
        token = token_of(base, self.reporter, self.reporter_password)
        report = post_report(base, token, report_id, text=text_, category=category, spot=spot)
        _answer_for_grid(self.db, self.reporter, report["routing"]["grid"]["code"])
        return report

    def file(self, report_id: str) -> str:
        """The report arrives in the street's triage queue; the street files it. Answers the case id."""
        console = self.desk.page
        console.locator(f"#triage-list .row[data-id='{report_id}']").click()
        console.click("#act-file")
        console.click("dialog.dialog button[type=submit]")
        console.wait_for_selector("#case-detail #case-command-level >> text=街道")
        cases = ok(httpx.get(f"{self.desk.base_url}/api/v1/console/cases", headers=self.api))
        return str(next(c["id"] for c in cases if c["primary_report_id"] == report_id))

    def suggested(self) -> list[str]:
        """Opens the whistle dialog: the router's suggested units, all checked."""
        console = self.desk.page
        console.click("#case-act-dispatch")
        console.locator("dialog.dialog .dialog-checks input[type=checkbox]:checked").first.wait_for()
        return list(console.locator("dialog.dialog .dialog-checks label").all_inner_texts())

    def whistle(self, case_id: str) -> dict[str, str]:
        """吹哨 with the dialog as suggested; answers {unit id: dispatch id}."""
        self.desk.page.click("dialog.dialog button[type=submit]")
        self.desk.page.wait_for_selector("#case-detail #case-state >> text=已派遣")
        return {d["unit_id"]: d["id"] for d in self.case(case_id)["dispatches"]}

    def case(self, case_id: str) -> Any:
        return ok(httpx.get(f"{self.desk.base_url}/api/v1/console/cases/{case_id}", headers=self.api))

    def verify(self, browser_pages: PageFactory, dispatch_ids: list[str], photo: str) -> None:
        verifier = browser_pages(viewport=PHONE)
        open_signed_in(verifier, "/app/", self.reporter, self.reporter_password)
        _verify_all(verifier, dispatch_ids, photo)


def test_the_desheng_story_street_whistles_two_departments_who_report_in_on_site(
    browser_pages: PageFactory, live_account: AccountFactory, web_database: Engine
) -> None:
    """德胜街道: a shop sign's text must be corrected (牌匾标识, 督办 by 船营区委统战部); the street whistles
    市市场监督管理局 and 北京路派出所, both report in on site, handle it jointly and hand in results; the grid
    worker verifies once; the case closes and both dispatches are scored."""
    spot = _spot_in(web_database, street="德胜街道")
    street = StreetDesk.open(
        browser_pages, live_account, web_database, "德胜街道综合行政执法队", "德胜执法队员"
    )
    desk, base, console = street.desk, street.desk.base_url, street.desk.page

    market_id, police_id = _unit(web_database, "吉林市市场监督管理局"), _unit(web_database, "北京路派出所")
    market, market_api = _phone(browser_pages, live_account, market_id, Role.officer, "市场监管执法员", spot)
    police, police_api = _phone(
        browser_pages, live_account, police_id, Role.officer, "北京路派出所民警", spot
    )
    for phone in (market, police):  # open and following the unit's feed before the whistle; never reloaded
        phone.page.wait_for_selector("#field-live >> text=实时")

    # A grid worker's report in 德胜街道 arrives on the street's console; the street files it.
    report = street.report(live_account, spot, "某餐厅牌匾标识文字不规范，需整改", SIGNBOARD)
    assert report["routing"]["street"]["code"] == spot["code"]
    case_id = street.file(report["id"])
    # 督办 by 船营区委统战部, as the account tells it.
    offices = ok(httpx.get(f"{base}/api/v1/console/supervising-offices", headers=street.api))
    tongzhan = next(o for o in offices if o["name"] == "船营区委统战部")
    deadline = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    ok(httpx.post(f"{base}/api/v1/console/cases/{case_id}/supervision", headers=street.api,
                  json={"office_id": tongzhan["id"], "deadline": deadline, "note": "统战部督办"}))  # fmt: skip

    # 吹哨: the router suggests both departments (the category's and the police station of the place).
    labels = street.suggested()
    assert any("吉林市市场监督管理局" in x for x in labels) and any("北京路派出所" in x for x in labels)
    desk.screenshot("console-desheng-whistle-1280x800")
    dispatches = street.whistle(case_id)
    assert set(dispatches) == {market_id, police_id}

    # Both phones hear the whistle without a reload, with the countdown and the 督办 mark.
    for phone, unit in ((market, market_id), (police, police_id)):
        card = phone.page.locator(f"#whistle-list li.whistle[data-dispatch-id='{dispatches[unit]}']")
        card.wait_for()
        assert card.locator(".countdown").get_attribute("data-deadline")
        card.locator(".supervised").wait_for()
    market.screenshot("app-field-whistle-arrived-360x640")

    # Each reports in on site, the other unit is named on the case page, then each hands in its result.
    photo = SITE
    for phone, unit, other in (
        (market, market_id, "北京路派出所"),
        (police, police_id, "吉林市市场监督管理局"),
    ):
        case_page = open_field_case(phone, dispatches[unit])
        case_page.locator(f"#field-partners >> text={other}").wait_for()
        case_page.locator("#field-place >> text=德胜街道").wait_for()
        check_in_on_site(phone, dispatches[unit])
    police.screenshot("app-field-checked-in-360x640")
    for unit, api_headers in ((market_id, market_api), (police_id, police_api)):
        stored = field_dispatch(base, api_headers, dispatches[unit])["dispatch"]
        assert stored["state"] == "checked_in" and stored["check_in_far"] is False
        assert stored["check_in_distance_m"] is not None and stored["check_in_distance_m"] < 300
    # The street's console shows where each unit reported in.
    console.reload()
    console.click("#tab-cases")
    console.locator(f"#cases-list .row[data-id='{case_id}']").click()
    places = console.locator("#case-detail .row.dispatch .check-in-place[data-far=false]")
    places.nth(1).wait_for()
    assert all(x.startswith("报到位置距案件 ") for x in places.all_inner_texts())
    desk.screenshot("console-desheng-checked-in-1280x800")
    _hand_in(market, dispatches[market_id], "已责令餐厅更换牌匾标识", photo)
    _hand_in(police, dispatches[police_id], "现场秩序维护完毕", photo)

    # The grid worker verifies both units in one visit; the case closes.
    street.verify(browser_pages, [dispatches[market_id], dispatches[police_id]], photo)
    case = street.case(case_id)
    assert case["case"]["state"] == "closed"
    assert {d["state"] for d in case["dispatches"]} == {"closed"}

    # Both dispatches are scored, and each officer reads the score on 已办.
    assert _scored(market, dispatches[market_id]).startswith("100")
    assert _scored(police, dispatches[police_id]).startswith("100")
    market.screenshot("app-field-history-360x640")


def test_clutter_on_the_streets_list_is_handled_by_the_street_team_alone(
    browser_pages: PageFactory, live_account: AccountFactory, web_database: Engine
) -> None:
    """乱堆乱放 is on the street's enforcement list (事项清单内): the street's own 综合执法队 handles it and no
    department is ever whistled."""
    spot = _spot_in(web_database, street="德胜街道")
    street = StreetDesk.open(browser_pages, live_account, web_database, "德胜街道综合行政执法队", "德胜指挥")
    team_unit = street.team_unit
    member, _ = _phone(browser_pages, live_account, team_unit, Role.street_team, "德胜执法队员", spot)

    case_id = street.file(street.report(live_account, spot, "楼道口乱堆杂物", CLUTTER)["id"])
    labels = street.suggested()
    assert len(labels) == 1 and "德胜街道综合行政执法队" in labels[0]
    street.whistle(case_id)
    (dispatch,) = street.case(case_id)["dispatches"]
    assert dispatch["unit_id"] == team_unit and dispatch["role"] == "street_team"

    member.page.locator(f"#whistle-list li.whistle[data-dispatch-id='{dispatch['id']}']").wait_for()
    photo = LATER
    check_in_on_site(member, dispatch["id"])
    _hand_in(member, dispatch["id"], "已清理楼道杂物", photo)
    street.verify(browser_pages, [dispatch["id"]], photo)

    case = street.case(case_id)
    assert case["case"]["state"] == "closed"
    assert [d["unit_id"] for d in case["dispatches"]] == [team_unit]  # never reached a department
    assert _scored(member, dispatch["id"]).startswith("100")


def test_the_zhengyang_wiring_case_is_handled_jointly_with_the_beicheng_team(
    browser_pages: PageFactory, live_account: AccountFactory, web_database: Engine
) -> None:
    """正阳社区 (舒兰市 北城街道): private wiring — 北城街道's team leads, the power company, emergency
    management and the fire brigade join; all four report in and hand in results, one visit closes it."""
    spot = _spot_in(web_database, community="正阳社区")
    street = StreetDesk.open(browser_pages, live_account, web_database, "北城街道综合行政执法队", "北城指挥")
    team_unit = street.team_unit
    case_id = street.file(street.report(live_account, spot, "居民楼私拉电线给电动车充电", WIRING)["id"])
    labels = street.suggested()
    for name in ("北城街道综合行政执法队", "国网舒兰市供电公司", "舒兰市应急管理局", "舒兰市消防救援大队"):
        assert any(name in label for label in labels), (name, labels)
    dispatches = street.whistle(case_id)
    assert len(dispatches) == 4

    photo = SITE
    names = {
        team_unit: (Role.street_team, "北城执法队员"),
        _unit(web_database, "国网舒兰市供电公司"): (Role.officer, "供电公司电工"),
        _unit(web_database, "舒兰市应急管理局"): (Role.officer, "应急管理局干部"),
        _unit(web_database, "舒兰市消防救援大队"): (Role.officer, "消防救援队员"),
    }
    phones = {}
    for unit, (role, who) in names.items():
        phone, _ = _phone(browser_pages, live_account, unit, role, who, spot)
        phones[unit] = phone
        card = phone.page.locator(f"#whistle-list li.whistle[data-dispatch-id='{dispatches[unit]}']")
        card.wait_for()
        # The case page names the three other units of the joint case.
        partners = open_field_case(phone, dispatches[unit]).locator("#field-partners li.partner")
        partners.first.wait_for()
        assert sorted(partners.evaluate_all("els => els.map(e => e.dataset.unitId)")) == sorted(
            u for u in dispatches if u != unit
        )
        check_in_on_site(phone, dispatches[unit])
        _hand_in(phone, dispatches[unit], f"{who}：已拆除私接电线", photo)

    street.verify(browser_pages, list(dispatches.values()), photo)
    case = street.case(case_id)
    assert case["case"]["state"] == "closed" and {d["state"] for d in case["dispatches"]} == {"closed"}
    for unit, phone in phones.items():
        assert _scored(phone, dispatches[unit]).startswith("100")
