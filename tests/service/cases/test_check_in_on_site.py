"""报到 on site: the officer's phone sends its position (or why it has none) and a photo taken there; the
service stores the distance from the case, flags a far report-in, and answers a retried send once."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.crs import haversine_m
from tests.service.cases.conftest import DESHENG_POINT, Auth, City, ReportFactory
from tests.support.field import on_site

# About 1.1 km north of the case (0.01° of latitude).
FAR = (DESHENG_POINT[0], DESHENG_POINT[1] + 0.01)


@pytest.fixture
def whistled(client: TestClient, city: City, make_report: ReportFactory, auth: Auth) -> dict[str, Any]:
    console = auth(city.users["dispatcher"])
    case = client.post(f"/api/v1/console/triage/{make_report()}/file", json={}, headers=console).json()
    market = str(city.unit("market"))
    (dispatch,) = client.post(
        f"/api/v1/console/cases/{case['id']}/dispatch", json={"unit_ids": [market]}, headers=console
    ).json()
    answer: dict[str, Any] = dispatch
    return answer


def url(dispatch: dict[str, Any]) -> str:
    return f"/api/v1/department/dispatches/{dispatch['id']}/check-in"


def check_ins(db: Session, dispatch: dict[str, Any]) -> tuple[int, int]:
    """(check-in events, check-in photos) stored for the dispatch."""
    events = db.scalar(
        text("SELECT count(*) FROM case_events WHERE dispatch_id = :d AND action = 'check_in'"),
        {"d": dispatch["id"]},
    )
    photos = db.scalar(
        text("SELECT count(*) FROM photos WHERE check_in_dispatch_id = :d"), {"d": dispatch["id"]}
    )
    return int(events or 0), int(photos or 0)


def test_a_report_in_beside_the_case_stores_its_position_distance_and_photo(
    client: TestClient, city: City, auth: Auth, whistled: dict[str, Any], db: Session
) -> None:
    officer = auth(city.users["market"])
    near = (DESHENG_POINT[0] + 0.0005, DESHENG_POINT[1])
    answer = client.post(url(whistled), **on_site(near, accuracy_m=12), headers=officer)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["state"] == "checked_in"
    assert body["check_in_position"] == {"lon": near[0], "lat": near[1], "accuracy_m": 12.0}
    assert body["check_in_distance_m"] == pytest.approx(haversine_m(DESHENG_POINT, near), abs=0.1)
    assert 30 < body["check_in_distance_m"] < 50 and body["check_in_far"] is False
    assert check_ins(db, whistled) == (1, 1)
    # The unit's case page shows the photo as the report-in's own.
    detail = client.get(f"/api/v1/department/dispatches/{whistled['id']}", headers=officer).json()
    assert [p["kind"] for p in detail["dispatch_photos"]] == ["check_in"]


def test_a_far_report_in_is_flagged_with_its_distance(
    client: TestClient, city: City, auth: Auth, whistled: dict[str, Any]
) -> None:
    answer = client.post(url(whistled), **on_site(FAR), headers=auth(city.users["market"]))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["check_in_far"] is True
    assert body["check_in_distance_m"] == pytest.approx(1112, abs=5)
    event = client.get(
        f"/api/v1/console/cases/{whistled['case_id']}", headers=auth(city.users["dispatcher"])
    ).json()
    (dispatch,) = event["dispatches"]
    assert dispatch["check_in_far"] is True and dispatch["check_in_distance_m"] == body["check_in_distance_m"]


def test_the_far_threshold_is_a_setting(
    client: TestClient, city: City, auth: Auth, whistled: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client.app.state.settings.cases, "check_in_far_m", 2000.0)  # type: ignore[attr-defined]
    body = client.post(url(whistled), **on_site(FAR), headers=auth(city.users["market"])).json()
    assert body["check_in_far"] is False and body["check_in_distance_m"] > 1000


def test_a_phone_without_a_position_says_why(
    client: TestClient, city: City, auth: Auth, whistled: dict[str, Any]
) -> None:
    answer = client.post(
        url(whistled), **on_site(None, position_error="timeout"), headers=auth(city.users["market"])
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["check_in_position"] is None and body["check_in_distance_m"] is None
    assert body["check_in_position_error"] == "timeout" and body["check_in_far"] is False


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda f: f["data"].pop("lat"), None),  # half a position
        (lambda f: (f["data"].pop("lon"), f["data"].pop("lat")), None),  # no position, no reason
        (lambda f: f["data"].update(lat="91"), "lat"),
        (lambda f: f["data"].update(lon="nan"), "lon"),
        (lambda f: f["data"].update(position_error="gone"), "position_error"),
        (lambda f: f["data"].update(position_error="denied"), None),  # a position and a failure
        (lambda f: f["data"].update(checked_in_at="2020-01-01T00:00:00Z"), "checked_in_at"),
        (lambda f: f.update(files=[]), None),  # no on-site photo
    ],
    ids=["half", "none", "lat-range", "nan", "error-unknown", "both", "extra-field", "no-photo"],
)
def test_a_report_in_that_is_not_on_site_is_refused_and_changes_nothing(
    client: TestClient,
    city: City,
    auth: Auth,
    whistled: dict[str, Any],
    db: Session,
    change: Any,
    field: str | None,
) -> None:
    form = on_site()
    change(form)
    answer = client.post(url(whistled), **form, headers=auth(city.users["market"]))
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    if field is not None:
        assert error["message"].startswith(f"{field}:"), error
    assert check_ins(db, whistled) == (0, 0)
    page = client.get(f"/api/v1/department/dispatches/{whistled['id']}", headers=auth(city.users["market"]))
    assert page.json()["dispatches"][0]["state"] == "dispatched"


def test_a_retried_report_in_is_stored_once(
    client: TestClient, city: City, auth: Auth, whistled: dict[str, Any], db: Session
) -> None:
    """The phone lost the answer and sends again under the same key: the first answer, nothing twice."""
    headers = auth(city.users["market"]) | {"Idempotency-Key": "f1e2d3c4-0000-4000-8000-000000000001"}
    first = client.post(url(whistled), **on_site(FAR), headers=headers)
    again = client.post(url(whistled), **on_site(FAR), headers=headers)
    assert first.status_code == again.status_code == 200, again.text
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert check_ins(db, whistled) == (1, 1)
    # The same key for a different report-in is refused; without a key a second report-in is a conflict.
    other = client.post(url(whistled), **on_site(), headers=headers)
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    unkeyed = client.post(url(whistled), **on_site(FAR), headers=auth(city.users["market"]))
    assert unkeyed.status_code == 409, unkeyed.text
    assert check_ins(db, whistled) == (1, 1)


def test_a_retried_result_is_stored_once(
    client: TestClient, city: City, auth: Auth, whistled: dict[str, Any], db: Session
) -> None:
    officer = auth(city.users["market"])
    assert client.post(url(whistled), **on_site(), headers=officer).status_code == 200
    headers = officer | {"Idempotency-Key": "result-1"}
    result = f"/api/v1/department/dispatches/{whistled['id']}/result"
    form = on_site(note="已整改")
    first = client.post(result, data={"note": "已整改"}, files=form["files"], headers=headers)
    again = client.post(result, data={"note": "已整改"}, files=form["files"], headers=headers)
    assert first.status_code == again.status_code == 200, again.text
    assert again.json() == first.json()
    photos = db.scalar(text("SELECT count(*) FROM photos WHERE dispatch_id = :d"), {"d": whistled["id"]})
    assert photos == 1


def test_another_units_officer_cannot_report_in(
    client: TestClient, city: City, auth: Auth, whistled: dict[str, Any], db: Session
) -> None:
    answer = client.post(url(whistled), **on_site(), headers=auth(city.users["police"]))
    assert answer.status_code == 404, answer.text
    assert check_ins(db, whistled) == (0, 0)
