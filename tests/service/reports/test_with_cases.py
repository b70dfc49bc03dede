"""Reports once the command center acts on them (0004_cases): status follows the case, the duplicate
hint drops voided and closed reports, and a dispatched unit may download the originals."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from service.accounts.models import Role
from service.cases.dispatching import dispatch_case
from service.cases.triage import file_report, void_report
from tests.media.photo_factory import encode, scene
from tests.service.reports.conftest import JILIN_LAT, JILIN_LON, Headers, post_report
from tests.support.rolled_back import Login, UserFactory


def filed(client: TestClient, headers: Headers, size: int) -> str:
    response = post_report(client, headers, [encode(scene(size, 30))])
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "reported"
    return str(response.json()["id"])


def nearby_ids(client: TestClient, headers: Headers) -> list[str]:
    response = client.get(
        "/api/v1/reports/nearby",
        params={"lon": JILIN_LON, "lat": JILIN_LAT, "category": "0501"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()]


def two_units(db: Session) -> tuple[uuid.UUID, uuid.UUID]:
    rows = (
        db.execute(text("SELECT id FROM department_units WHERE active ORDER BY code LIMIT 2")).scalars().all()
    )
    return rows[0], rows[1]


def test_status_and_the_duplicate_hint_follow_the_case(
    client: TestClient, reporter_headers: Headers, make_user: UserFactory, db: Session
) -> None:
    dispatcher = make_user(Role.dispatcher)
    waiting, kept, dropped = (filed(client, reporter_headers, size) for size in (40, 41, 42))
    case = file_report(session=db, report_id=uuid.UUID(kept), by=dispatcher)
    void_report(session=db, report_id=uuid.UUID(dropped), by=dispatcher, reason="重复上报")
    db.commit()

    assert client.get(f"/api/v1/reports/{kept}", headers=reporter_headers).json()["status"] == case.state
    assert client.get(f"/api/v1/reports/{dropped}", headers=reporter_headers).json()["status"] == "voided"
    mine = {r["id"]: r["status"] for r in client.get("/api/v1/reports/mine", headers=reporter_headers).json()}
    assert mine == {waiting: "reported", kept: case.state, dropped: "voided"}
    assert sorted(nearby_ids(client, reporter_headers)) == sorted([waiting, kept])


def test_originals_for_the_units_of_the_case_only(
    client: TestClient, reporter_headers: Headers, make_user: UserFactory, login: Login, db: Session
) -> None:
    report_id = filed(client, reporter_headers, 43)
    photo_id = client.get(f"/api/v1/reports/{report_id}", headers=reporter_headers).json()["photos"][0]["id"]
    dispatcher = make_user(Role.dispatcher)
    assigned_unit, other_unit = two_units(db)
    assigned = login(make_user(Role.officer, unit_id=assigned_unit))
    other = login(make_user(Role.officer, unit_id=other_unit))
    url = f"/api/v1/photos/{photo_id}/original"

    assert client.get(url, headers=assigned).status_code == 404  # not dispatched yet
    case = file_report(session=db, report_id=uuid.UUID(report_id), by=dispatcher)
    dispatch_case(session=db, case_id=case.id, unit_ids=[assigned_unit], by=dispatcher)
    db.commit()
    response = client.get(url, headers=assigned)
    assert response.status_code == 200 and response.content[:3] == b"\xff\xd8\xff"
    assert client.get(url, headers=other).status_code == 404
    assert client.get(url, headers=reporter_headers).status_code == 403
