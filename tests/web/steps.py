"""Steps the browser tests share: logging in to the reporter app, filling a report, reading it back;
whistling a case to units and reporting in (报到) from the departments' field app."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from service.accounts.models import Role
from service.settings import PROJECT_ROOT
from tests.web.conftest import JILIN, AccountFactory, BrowserPage

PHOTO = PROJECT_ROOT / "tests" / "fixtures" / "photos" / "landscape_6.jpg"
# The service builds its routing index on the first report it routes: allow for that.
DELIVERY_TIMEOUT_MS = 90_000


def sign_in(page: Any, username: str, password: str) -> None:
    """Fill the login form every app shows (shared/login-view.js) and submit it."""
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-submit")


def open_signed_in(session: BrowserPage, path: str, username: str, password: str) -> None:
    """Go to one of the apps (`/app/`, `/console/`) and log in there."""
    session.page.goto(session.url(path))
    sign_in(session.page, username, password)


def log_in(session: BrowserPage, username: str, password: str) -> None:
    page = session.page
    open_signed_in(session, "/app/", username, password)
    page.wait_for_selector("#submit-report")
    page.wait_for_selector("#location-text >> text=精度")


def fill_report(session: BrowserPage, text: str) -> None:
    page = session.page
    page.set_input_files("#photo-input", str(PHOTO))
    page.wait_for_selector(".photo-tile img")
    page.click("#category-button")
    page.fill(".picker-search", "游商")
    page.locator(".picker-item").first.click()
    page.fill("#report-text", text)


def my_reports(base_url: str, username: str, password: str) -> list[dict[str, Any]]:
    token = httpx.post(
        f"{base_url}/api/v1/auth/login", json={"username": username, "password": password}
    ).json()["access_token"]
    response = httpx.get(f"{base_url}/api/v1/reports/mine", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    reports: list[dict[str, Any]] = response.json()
    return reports


def outbox_item(session: BrowserPage) -> Any:
    return session.page.locator(".outbox-item").first


def token_of(base: str, username: str, password: str) -> dict[str, str]:
    answer = httpx.post(f"{base}/api/v1/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


def post_report(
    base: str,
    auth: dict[str, str],
    report_id: str,
    *,
    text: str,
    category: str = "0501",
    spot: dict[str, float] = JILIN,
) -> Any:
    """A report as a phone sends it, at a simulated position in Jilin, with one real photo."""
    return ok(
        httpx.post(
            f"{base}/api/v1/reports",
            headers={**auth, "Idempotency-Key": report_id},
            data={
                "id": report_id,
                "category": category,
                "text": text,
                "lon": str(spot["longitude"]),
                "lat": str(spot["latitude"]),
                "datum": "wgs84",
                "accuracy_m": "8",
            },
            files=[("photos", ("p.jpg", PHOTO.read_bytes(), "image/jpeg"))],
            timeout=120,
        )
    )


@dataclass
class Whistled:
    """A report filed as a case and whistled (吹哨) to the router's first suggested unit, over the API."""

    reporter: str
    reporter_password: str
    grid_code: str
    dispatcher: str
    dispatcher_password: str
    desk: dict[str, str]  # the dispatcher's bearer headers
    team: dict[str, str]  # the unit's bearer headers
    case_id: str
    dispatch_id: str


def whistle_a_report(
    base: str, live_account: AccountFactory, *, text: str, reporter_role: Role = Role.grid_worker
) -> Whistled:
    reporter, password = live_account(reporter_role, display_name="赵网格")
    report_id = str(uuid.uuid4())
    report = post_report(base, token_of(base, reporter, password), report_id, text=text)
    dispatcher, dpass = live_account(Role.dispatcher)
    desk = token_of(base, dispatcher, dpass)
    case = ok(httpx.post(f"{base}/api/v1/console/triage/{report_id}/file", headers=desk, json={}))
    unit = ok(httpx.get(f"{base}/api/v1/console/cases/{case['id']}/suggestion", headers=desk))["units"][0]
    dispatches = ok(
        httpx.post(
            f"{base}/api/v1/console/cases/{case['id']}/dispatch",
            headers=desk,
            json={"unit_ids": [unit["id"]]},
        )
    )
    role = Role.street_team if unit["role"] == "street_team" else Role.officer
    officer, opass = live_account(role, unit_id=uuid.UUID(unit["id"]))
    return Whistled(
        reporter=reporter,
        reporter_password=password,
        grid_code=report["routing"]["grid"]["code"],
        dispatcher=dispatcher,
        dispatcher_password=dpass,
        desk=desk,
        team=token_of(base, officer, opass),
        case_id=case["id"],
        dispatch_id=dispatches[0]["id"],
    )


# The departments' field app (/app/ for officers and street teams).


@dataclass
class Filed:
    """A grid worker's report at `spot`, filed as a case; the router's suggested units, not yet whistled."""

    reporter: str
    reporter_password: str
    routing: dict[str, Any]
    desk: dict[str, str]
    case_id: str
    units: list[dict[str, Any]]

    def unit(self, name: str) -> dict[str, Any]:
        return next(u for u in self.units if u["name"] == name or u["role"] == name)


def file_a_report(
    base: str, live_account: AccountFactory, *, text: str, spot: dict[str, float] = JILIN
) -> Filed:
    reporter, password = live_account(Role.grid_worker, display_name="孙网格")
    report_id = str(uuid.uuid4())
    report = post_report(base, token_of(base, reporter, password), report_id, text=text, spot=spot)
    dispatcher, dpass = live_account(Role.dispatcher)
    desk = token_of(base, dispatcher, dpass)
    case = ok(httpx.post(f"{base}/api/v1/console/triage/{report_id}/file", headers=desk, json={}))
    units = ok(httpx.get(f"{base}/api/v1/console/cases/{case['id']}/suggestion", headers=desk))["units"]
    return Filed(reporter, password, report["routing"], desk, case["id"], units)


def blow_whistle(base: str, filed: Filed, *units: dict[str, Any], **limits: Any) -> dict[str, str]:
    """吹哨 to the units (optional `check_in_limit`/`handling_limit` set by hand); answers
    {unit id: dispatch id}."""
    made = ok(
        httpx.post(
            f"{base}/api/v1/console/cases/{filed.case_id}/dispatch",
            headers=filed.desk,
            json={"unit_ids": [u["id"] for u in units], **limits},
        )
    )
    return {d["unit_id"]: d["id"] for d in made}


def unit_account(live_account: AccountFactory, unit: dict[str, Any]) -> tuple[str, str]:
    """An officer of the unit (a street team member for a street's enforcement team)."""
    role = Role.street_team if unit["role"] == "street_team" else Role.officer
    return live_account(role, unit_id=uuid.UUID(unit["id"]), display_name="李执法")


def open_field_case(session: BrowserPage, dispatch_id: str) -> Any:
    """From 哨单, open one whistle's case page; answers the page's element."""
    page = session.page
    case_page = page.locator(f"#field-case[data-dispatch-id='{dispatch_id}']")
    if case_page.count() == 0:
        page.click("#tab-whistles")
        page.locator(f"#whistle-list li.whistle[data-dispatch-id='{dispatch_id}']").click()
    case_page.wait_for()
    return case_page


def check_in_on_site(
    session: BrowserPage,
    dispatch_id: str,
    *,
    photo: Path = PHOTO,
    note: str = "",
    position: dict[str, float] | None = None,
    delivered: bool = True,
) -> None:
    """报到 on the case page: the phone's position (`position` moves the simulated phone first), one photo,
    a note; waits until the outbox has delivered it unless `delivered` is False."""
    page = session.page
    if position is not None:
        session.context.set_geolocation(position)
    open_field_case(session, dispatch_id)
    page.click("#act-check_in")
    page.wait_for_selector("#checkin-form #checkin-position.good")
    page.set_input_files("#checkin-photos", str(photo))
    page.wait_for_selector("#checkin-form .photo-tile img")
    if note:
        page.fill("#checkin-note", note)
    page.click("#checkin-send")
    page.wait_for_selector("#checkin-status")
    if delivered:
        page.wait_for_selector("#checkin-status[data-state=sent]", timeout=DELIVERY_TIMEOUT_MS)


def field_dispatch(base: str, headers: dict[str, str], dispatch_id: str) -> dict[str, Any]:
    """The unit's case page over the API (GET /api/v1/field/dispatches/{id})."""
    answer: dict[str, Any] = ok(httpx.get(f"{base}/api/v1/field/dispatches/{dispatch_id}", headers=headers))
    return answer
