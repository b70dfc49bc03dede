"""Strict bodies in the case workflow: a field an endpoint does not take is refused (422, named) and
changes nothing — the whistle's JSON body (a `check_in_deadline` was silently ignored), the unit's
result form (multipart or URL-encoded), the grid worker's pass and fail forms."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.service.cases.conftest import Auth, City, ReportFactory, site_photo
from tests.support.field import on_site


def assert_refused(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"] == f"{field}: Extra inputs are not permitted"


def test_unknown_fields_are_refused_along_the_workflow(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth
) -> None:
    console, unit = auth(city.users["dispatcher"]), auth(city.users["market"])
    worker = auth(city.users["desheng_worker"])
    case = client.post(f"/api/v1/console/triage/{make_report()}/file", json={}, headers=console).json()
    whistle = f"/api/v1/console/cases/{case['id']}/dispatch"
    market = str(city.unit("market"))

    late = {"unit_ids": [market], "check_in_deadline": "2030-01-01T00:00:00Z"}
    assert_refused(client.post(whistle, json=late, headers=console), "check_in_deadline")
    assert client.get(f"/api/v1/console/cases/{case['id']}", headers=console).json()["dispatches"] == []
    (dispatch,) = client.post(whistle, json={"unit_ids": [market]}, headers=console).json()
    base = f"/api/v1/department/dispatches/{dispatch['id']}"
    assert client.post(f"{base}/check-in", **on_site(), headers=unit).status_code == 200

    extra = {"note": "已整改", "closed_at": "2030-01-01T00:00:00Z"}
    assert_refused(client.post(f"{base}/result", data=extra, headers=unit), "closed_at")
    assert_refused(client.post(f"{base}/result", data=extra, files=site_photo(), headers=unit), "closed_at")
    assert client.get(base, headers=unit).json()["dispatches"][0]["result_at"] is None
    handled = client.post(f"{base}/result", data={"note": "已整改"}, headers=unit)
    assert handled.status_code == 200, handled.text

    decide = f"/api/v1/verification/dispatches/{dispatch['id']}"
    for path, form in (("fail", {"reason": "仍在", "score": "0"}), ("pass", {"note": "好", "score": "100"})):
        assert_refused(
            client.post(f"{decide}/{path}", data=form, files=site_photo(), headers=worker), "score"
        )
    passed = client.post(f"{decide}/pass", data={"note": "好"}, files=site_photo(), headers=worker)
    assert passed.status_code == 200 and passed.json()["state"] == "closed", passed.text
