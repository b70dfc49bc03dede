"""Times are written one way (issue 14, item 11): every datetime in every JSON answer of a whole case
story is UTC with `Z` — deadlines computed on the city's clock (`+08:00`), times echoed from a query
written with an offset, times inside a case event's detail and a dispatch's extensions included."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.service.cases.conftest import DESHENG, Auth, City, ReportFactory, site_photo
from tests.support.field import on_site

# Anything that starts like a date and a time of day is a timestamp the check looks at.
LOOKS_LIKE_A_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
UTC_Z = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")


def times_in(value: Any) -> Iterator[str]:
    if isinstance(value, str) and LOOKS_LIKE_A_TIME.match(value):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from times_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from times_in(item)


class Answers:
    """Every JSON answer of the story, with where it came from."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.seen: list[tuple[str, Any]] = []

    def __call__(self, method: str, path: str, headers: dict[str, str], **kw: Any) -> Any:
        response = self.client.request(method, path, headers=headers, **kw)
        assert response.is_success, f"{method} {path} → {response.status_code}: {response.text}"
        body = response.json()
        self.seen.append((f"{method} {path}", body))
        return body

    def offenders(self) -> list[str]:
        return [
            f"{where}: {t}" for where, body in self.seen for t in times_in(body) if not UTC_Z.fullmatch(t)
        ]

    def count(self) -> int:
        return sum(1 for _where, body in self.seen for _t in times_in(body))


def test_every_time_of_a_case_story_is_utc_with_z(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth
) -> None:
    answer = Answers(client)
    console, admin = auth(city.users["dispatcher"]), auth(city.users["admin"])
    unit, worker = auth(city.users["market"]), auth(city.users["desheng_worker"])
    report_id = make_report(text_="店铺牌匾违规悬挂")
    offset = (datetime.now(UTC) - timedelta(days=1)).astimezone().isoformat()  # a query time with an offset

    answer("GET", "/api/v1/console/triage", console)
    case = answer("POST", f"/api/v1/console/triage/{report_id}/file", console, json={"note": "属实"})
    answer("GET", f"/api/v1/console/cases/{case['id']}/suggestion", console)
    body = {"unit_ids": [str(city.unit("market"))], "note": "吹哨"}
    (dispatch,) = answer("POST", f"/api/v1/console/cases/{case['id']}/dispatch", console, json=body)
    mine = f"/api/v1/department/dispatches/{dispatch['id']}"
    answer("GET", "/api/v1/department/dispatches", unit)
    answer("POST", f"{mine}/check-in", unit, **on_site())
    answer("POST", f"{mine}/extension", unit, json={"amount": "1", "unit": "work_days", "reason": "需配合"})
    answer("POST", f"/api/v1/console/dispatches/{dispatch['id']}/extension/grant", console, json={})
    answer("POST", f"{mine}/result", unit, data={"note": "已拆除"}, files=site_photo())
    answer("GET", mine, unit)
    answer("GET", "/api/v1/verification/tasks", worker)
    decided = answer(
        "POST",
        f"/api/v1/verification/dispatches/{dispatch['id']}/pass",
        worker,
        files=site_photo("landscape_8.jpg"),
    )
    assert decided["state"] == "closed"
    detail = answer("GET", f"/api/v1/console/cases/{case['id']}", console)
    assert any(e["detail"] for e in detail["events"]), "the story should log details with times"
    answer("GET", "/api/v1/console/cases", console)
    answer("GET", "/api/v1/console/board", console)
    answer("GET", "/api/v1/console/overdue", console)
    answer("GET", "/api/v1/console/turned-red", console, params={"since": offset})
    answer("GET", "/api/v1/console/evaluations", console, params={"since": offset})
    answer("GET", "/api/v1/console/unit-lists", console, params={"since": offset})
    answer("GET", "/api/v1/console/indicators", console, params={"since": offset})
    answer("GET", "/api/v1/auth/tokens", worker)
    answer("GET", "/api/v1/admin/audit", admin)
    answer("GET", "/api/v1/public/reports", {})
    answer(
        "GET", "/api/v1/divisions/street", console, params={"parent": DESHENG["district"], "geometry": False}
    )

    assert answer.count() >= 60, "the story should be full of times"
    assert answer.offenders() == []
