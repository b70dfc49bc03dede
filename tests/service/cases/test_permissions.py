"""The permission matrix: every role against every workflow endpoint, generated from one table.

A role outside an endpoint's set is answered 403 (and audited); a role inside it gets past the role
check (any answer but 401/403: 404 for the random ids used here, 422, 200 ...). Without a token: 401.
A test also checks that the table lists exactly the routes the workflow's routers have.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.accounts.models import Role
from service.audit.models import AuditEvent
from service.cases.views import ROUTERS as CASES_ROUTERS
from service.field.views import router as field_router
from tests.service.cases.conftest import Auth, City
from tests.support.field import on_site

R = Role
# The command staff at every level (dispatchers; a street's enforcement team for its street) and admins,
# who read the city's console and act on nothing. Where each may read and act is
# tests/service/cases/test_command_levels.py's matter.
CONSOLE_READ = {R.dispatcher, R.street_team, R.admin}
DISPATCH = {R.dispatcher, R.street_team}
UNIT = {R.officer, R.street_team}

MATRIX: dict[tuple[str, str], set[Role]] = {
    ("GET", "/api/v1/console/triage"): CONSOLE_READ,
    ("POST", "/api/v1/console/triage/{report_id}/file"): DISPATCH,
    ("POST", "/api/v1/console/triage/{report_id}/void"): DISPATCH,
    ("POST", "/api/v1/console/triage/{report_id}/merge"): DISPATCH,
    ("GET", "/api/v1/console/cases"): CONSOLE_READ,
    ("GET", "/api/v1/console/cases/{case_id}"): CONSOLE_READ,
    ("POST", "/api/v1/console/cases/{case_id}/void"): DISPATCH,
    ("POST", "/api/v1/console/cases/{case_id}/hold"): DISPATCH,
    ("POST", "/api/v1/console/cases/{case_id}/resume"): DISPATCH,
    ("POST", "/api/v1/console/cases/{case_id}/close"): DISPATCH,
    ("POST", "/api/v1/console/cases/{case_id}/merge"): DISPATCH,
    ("GET", "/api/v1/console/cases/{case_id}/suggestion"): DISPATCH,
    ("POST", "/api/v1/console/cases/{case_id}/dispatch"): DISPATCH,
    ("GET", "/api/v1/console/command"): CONSOLE_READ,
    ("POST", "/api/v1/console/cases/{case_id}/escalate"): DISPATCH,
    ("POST", "/api/v1/console/cases/{case_id}/take-over"): DISPATCH,
    ("POST", "/api/v1/console/dispatches/{dispatch_id}/extension/grant"): DISPATCH,
    ("POST", "/api/v1/console/dispatches/{dispatch_id}/extension/deny"): DISPATCH,
    ("POST", "/api/v1/console/dispatches/{dispatch_id}/verification"): DISPATCH,
    ("POST", "/api/v1/console/dispatches/{dispatch_id}/send-back/reject"): DISPATCH,
    ("POST", "/api/v1/console/dispatches/{dispatch_id}/withdraw"): {R.dispatcher, R.street_team},
    ("POST", "/api/v1/console/dispatches/{dispatch_id}/reassign"): {R.dispatcher, R.street_team},
    ("GET", "/api/v1/console/cases/{case_id}/verifiers"): DISPATCH,
    ("GET", "/api/v1/console/board"): CONSOLE_READ,
    ("GET", "/api/v1/console/overdue"): CONSOLE_READ,
    ("GET", "/api/v1/console/turned-red"): CONSOLE_READ,
    ("GET", "/api/v1/console/evaluations"): CONSOLE_READ,
    ("POST", "/api/v1/console/evaluations/no-shows"): DISPATCH,
    ("GET", "/api/v1/console/unit-lists"): CONSOLE_READ,
    ("GET", "/api/v1/console/indicators"): CONSOLE_READ,
    ("GET", "/api/v1/console/indicators.csv"): CONSOLE_READ,
    ("GET", "/api/v1/console/feed"): CONSOLE_READ,
    ("GET", "/api/v1/department/dispatches"): UNIT,
    ("GET", "/api/v1/department/dispatches/{dispatch_id}"): UNIT,
    ("POST", "/api/v1/department/dispatches/{dispatch_id}/check-in"): UNIT,
    ("POST", "/api/v1/department/dispatches/{dispatch_id}/result"): UNIT,
    ("POST", "/api/v1/department/dispatches/{dispatch_id}/extension"): UNIT,
    ("POST", "/api/v1/department/dispatches/{dispatch_id}/send-back"): UNIT,
    ("GET", "/api/v1/field/whistles"): UNIT,
    ("GET", "/api/v1/field/history"): UNIT,
    ("GET", "/api/v1/field/dispatches/{dispatch_id}"): UNIT,
    ("GET", "/api/v1/field/feed"): UNIT,
    ("POST", "/api/v1/console/cases/{case_id}/supervision"): DISPATCH,
    ("GET", "/api/v1/supervision/cases"): {R.supervisor},
    ("GET", "/api/v1/supervision/cases/{case_id}"): {R.supervisor},
    ("GET", "/api/v1/verification/tasks"): {R.grid_worker},
    ("POST", "/api/v1/verification/dispatches/{dispatch_id}/pass"): {R.grid_worker},
    ("POST", "/api/v1/verification/dispatches/{dispatch_id}/fail"): {R.grid_worker},
    ("POST", "/api/v1/verification/tasks/{task_id}/decision"): {R.grid_worker},
}

# Bodies valid enough to pass validation, so that what answers is the role check or the lookup.
BODIES: dict[str, dict[str, Any]] = {
    "file": {"json": {}},
    "void": {"json": {"reason": "x"}},
    "merge": {"json": {"into_case_id": str(uuid.uuid4())}},
    "dispatch": {"json": {"unit_ids": [str(uuid.uuid4())]}},
    "grant": {"json": {}},
    "verification": {"json": {"assignee_id": str(uuid.uuid4())}},
    "result": {"data": {"note": "x"}},
    "extension": {"json": {"amount": "1", "unit": "work_days", "reason": "x"}},
    "send-back": {"json": {"reason": "x"}},
    "fail": {"data": {"reason": "x"}},
    "reject": {"json": {"reason": "x"}},
    "withdraw": {"json": {"reason": "x"}},
    "reassign": {"json": {"unit_id": str(uuid.uuid4()), "reason": "x"}},
    "decision": {"data": {"outcomes": f'[{{"dispatch_id": "{uuid.uuid4()}", "passed": true}}]'}},
    "supervision": {"json": {"office_id": str(uuid.uuid4()), "deadline": "2099-01-01T09:00:00+08:00"}},
    "escalate": {"json": {"to_level": "city", "reason": "x"}},
}
USER_FOR_ROLE = {
    R.grid_worker: "desheng_worker",
    R.courier: "courier",
    R.dispatcher: "dispatcher",
    R.officer: "market",
    R.street_team: "desheng_team",
    R.admin: "admin",
    R.supervisor: "supervisor",
}
CELLS = [(method, path, role) for (method, path) in MATRIX for role in Role]


def _request(client: TestClient, method: str, path: str, headers: dict[str, str]) -> int:
    url = path.format(
        report_id=uuid.uuid4(), case_id=uuid.uuid4(), dispatch_id=uuid.uuid4(), task_id=uuid.uuid4()
    )
    if path.endswith("/feed"):
        # A stream: the status line is enough; the body is never read.
        with client.stream("GET", url, headers=headers, params={"heartbeat_s": 0.2}) as response:
            return int(response.status_code)
    kwargs = BODIES.get(path.rsplit("/", 1)[-1], {"json": {}}) if method == "POST" else {}
    return int(client.request(method, url, headers=headers, **kwargs).status_code)


def test_the_matrix_lists_every_workflow_route() -> None:
    routes = {
        (method, route.path)
        for router in (*CASES_ROUTERS, field_router)
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or set()
    }
    assert routes == set(MATRIX)


@pytest.mark.parametrize(("method", "path", "role"), CELLS, ids=[f"{m} {p} {r}" for m, p, r in CELLS])
def test_role_against_endpoint(
    method: str, path: str, role: Role, client: TestClient, city: City, auth: Auth, db: Session
) -> None:
    user = city.users[USER_FOR_ROLE[role]]
    status = _request(client, method, path, auth(user))
    if role in MATRIX[(method, path)]:
        assert status not in (401, 403), (status, role)
    else:
        assert status == 403
        denied = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "denied", AuditEvent.actor_id == user.id)
        ).all()
        assert denied, "a denial is audited"


@pytest.mark.parametrize(("method", "path"), list(MATRIX), ids=[f"{m} {p}" for m, p in MATRIX])
def test_without_a_token_every_endpoint_is_401(method: str, path: str, client: TestClient) -> None:
    assert _request(client, method, path, {}) == 401


def test_a_unit_sees_only_its_own_dispatches(
    client: TestClient, city: City, auth: Auth, db: Session, make_report: Any
) -> None:
    from service.cases import service as cases

    case = cases.file_report(session=db, report_id=make_report(), by=city.users["dispatcher"])
    (dispatch,) = cases.dispatch_case(
        session=db, case_id=case.id, unit_ids=[city.unit("police")], by=city.users["dispatcher"]
    )
    db.commit()
    stranger = auth(city.users["police_other"])
    assert client.get("/api/v1/department/dispatches", headers=stranger).json() == []
    url = f"/api/v1/department/dispatches/{dispatch.id}"
    assert client.get(url, headers=stranger).status_code == 404
    assert client.post(f"{url}/check-in", **on_site(), headers=stranger).status_code == 404
    assert client.post(f"{url}/result", data={"note": "x"}, headers=stranger).status_code == 404
    assert client.get("/api/v1/field/whistles", headers=stranger).json() == []
    assert client.get(f"/api/v1/field/dispatches/{dispatch.id}", headers=stranger).status_code == 404
    owner = auth(city.users["police"])
    assert [d["id"] for d in client.get("/api/v1/department/dispatches", headers=owner).json()] == [
        str(dispatch.id)
    ]
    assert client.post(f"{url}/check-in", **on_site(), headers=owner).status_code == 200


def test_a_street_team_whistles_only_in_its_own_street(
    client: TestClient, city: City, auth: Auth, db: Session, make_report: Any
) -> None:
    """乡街吹哨: the street's team files its street's report and whistles; another street's case does not
    exist for it (404), and a case the city's command center filed is the city's (409)."""
    from service.cases import service as cases
    from tests.service.cases.conftest import ZHENGYANG, ZHENGYANG_POINT

    theirs = cases.file_report(
        session=db,
        report_id=make_report(place=ZHENGYANG, point=ZHENGYANG_POINT),
        by=city.users["dispatcher"],
    )
    citys = cases.file_report(session=db, report_id=make_report(), by=city.users["dispatcher"])
    db.commit()
    team = auth(city.users["desheng_team"])
    mine = client.post(f"/api/v1/console/triage/{make_report()}/file", json={}, headers=team)
    assert mine.status_code == 201 and mine.json()["command_level"] == "street"
    body = {"unit_ids": [str(city.unit("police"))]}
    assert (
        client.post(f"/api/v1/console/cases/{theirs.id}/dispatch", json=body, headers=team).status_code == 404
    )
    refused = client.post(f"/api/v1/console/cases/{citys.id}/dispatch", json=body, headers=team)
    assert refused.status_code == 409 and refused.json()["error"]["details"]["command_level"] == "city"
    sent = client.post(f"/api/v1/console/cases/{mine.json()['id']}/dispatch", json=body, headers=team)
    assert sent.status_code == 201


def test_a_street_team_withdraws_and_reassigns_only_in_its_own_street(
    client: TestClient, city: City, auth: Auth, db: Session, make_report: Any
) -> None:
    from service.cases import service as cases
    from tests.service.cases.conftest import ZHENGYANG, ZHENGYANG_POINT

    desk, street = city.users["dispatcher"], city.users["desheng_team"]
    mine = cases.file_report(session=db, report_id=make_report(), by=street)  # the street commands it
    theirs = cases.file_report(
        session=db, report_id=make_report(place=ZHENGYANG, point=ZHENGYANG_POINT), by=desk
    )
    (here,) = cases.dispatch_case(session=db, case_id=mine.id, unit_ids=[city.unit("market")], by=street)
    (there,) = cases.dispatch_case(session=db, case_id=theirs.id, unit_ids=[city.unit("power")], by=desk)
    db.commit()
    team = auth(city.users["desheng_team"])
    console = "/api/v1/console/dispatches"
    reassign = {"unit_id": str(city.unit("police")), "reason": "改由派出所办理"}
    assert (
        client.post(f"{console}/{there.id}/withdraw", json={"reason": "x"}, headers=team).status_code == 404
    )
    assert client.post(f"{console}/{there.id}/reassign", json=reassign, headers=team).status_code == 404
    moved = client.post(f"{console}/{here.id}/reassign", json=reassign, headers=team)
    assert moved.status_code == 201, moved.text
    assert moved.json()["withdrawn"]["state"] == "withdrawn"
    assert moved.json()["dispatch"]["unit_id"] == str(city.unit("police"))
    db.expire_all()
    assert db.get(type(there), there.id).state == "dispatched"  # type: ignore[union-attr]
