"""Every invalid transition of every state, through HTTP, generated from the transition tables.

For each state a subject is brought there (through the service layer, quickly), then every action the
table does not allow in that state is sent to its endpoint by a user who may perform it: the answer
is 409 with `details.allowed` equal to the table's allowed actions, and nothing changes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.accounts.models import User
from service.cases import service as cases
from service.cases import states
from service.cases.deadlines import LimitUnit
from service.cases.models import Case, Dispatch
from service.cases.states import CASE_TRANSITIONS, DISPATCH_TRANSITIONS, Action, CaseState, DispatchState
from service.photos.pipeline import NewPhoto
from tests.service.cases.conftest import Auth, City, ReportFactory, site_photo
from tests.support.field import on_site

CASE_ACTIONS = sorted({a for _, a in CASE_TRANSITIONS}, key=list(Action).index)
DISPATCH_ACTIONS = sorted({a for _, a in DISPATCH_TRANSITIONS}, key=list(Action).index)
CASE_PAIRS = [(s, a) for s in CaseState for a in CASE_ACTIONS if (s, a) not in CASE_TRANSITIONS]
DISPATCH_PAIRS = [
    (s, a) for s in DispatchState for a in DISPATCH_ACTIONS if (s, a) not in DISPATCH_TRANSITIONS
]
PHOTO = NewPhoto(sha256="0" * 64, original_key="originals/x", display_key="public/x", thumb_key="public/t")
NOBODY = {"place": {"district": "220204", "street": "220204001000", "community": "220204001009",
                    "grid": "220204001009999"}}  # fmt: skip


@dataclass
class Subject:
    report_id: uuid.UUID
    case_id: uuid.UUID
    dispatch_id: uuid.UUID | None = None


def make_case_in(state: CaseState, db: Session, city: City, make_report: ReportFactory) -> Subject:
    """A case (or a report in triage) in `state`, built through the service functions."""
    d = city.users["dispatcher"]
    if state is CaseState.HANDLED:
        # Nobody to verify (no grid worker on the grid, a courier reporter): the dispatch stays handled.
        report = make_report(reporter=city.users["courier"], **NOBODY)
    else:
        report = make_report()
    if state is CaseState.REPORTED:
        return Subject(report, report)
    if state is CaseState.VOIDED:
        return Subject(report, cases.void_report(session=db, report_id=report, by=d, reason="重复").id)
    case = cases.file_report(session=db, report_id=report, by=d)
    subject = Subject(report, case.id)
    if state is CaseState.MERGED:
        other = cases.file_report(session=db, report_id=make_report(), by=d)
        cases.merge_case(session=db, case_id=case.id, into_case_id=other.id, by=d)
    elif state is CaseState.ON_HOLD:
        cases.act_on_case(session=db, case_id=case.id, action=Action.HOLD, by=d)
    elif state is CaseState.CLOSED:
        cases.act_on_case(session=db, case_id=case.id, action=Action.CLOSE, by=d)
    elif state is not CaseState.FILED:
        dispatch = cases.dispatch_case(session=db, case_id=case.id, unit_ids=[city.unit("market")], by=d)[0]
        subject.dispatch_id = dispatch.id
        officer = city.users["market"]
        if state is not CaseState.DISPATCHED:
            cases.check_in(session=db, dispatch_id=dispatch.id, user=officer)
        if state in (CaseState.HANDLED, CaseState.VERIFYING):
            cases.submit_result(
                session=db, dispatch_id=dispatch.id, user=officer, note="done", photos=[PHOTO]
            )
    db.commit()
    assert (db.get(Case, subject.case_id) or Case(state="reported")).state == state.value
    return subject


def make_dispatch_in(state: DispatchState, db: Session, city: City, make_report: ReportFactory) -> Subject:
    officer, worker = city.users["market"], city.users["desheng_worker"]
    handled = state is DispatchState.HANDLED
    subject = make_case_in(CaseState.HANDLED if handled else CaseState.DISPATCHED, db, city, make_report)
    dispatch_id = subject.dispatch_id
    assert dispatch_id is not None
    if state is DispatchState.SENT_BACK:
        cases.send_back(session=db, dispatch_id=dispatch_id, user=officer, reason="非本单位职责")
    elif state is DispatchState.WITHDRAWN:
        cases.withdraw_dispatch(
            session=db, dispatch_id=dispatch_id, by=city.users["dispatcher"], reason="改由他人"
        )
    elif state is not DispatchState.DISPATCHED and not handled:
        cases.check_in(session=db, dispatch_id=dispatch_id, user=officer)
        if state is DispatchState.EXTENSION_REQUESTED:
            cases.request_extension(
                session=db,
                dispatch_id=dispatch_id,
                user=officer,
                amount=Decimal(1),
                unit=LimitUnit.WORK_DAYS,
                reason="材料",
            )
        if state in (DispatchState.VERIFYING, DispatchState.CLOSED):
            cases.submit_result(session=db, dispatch_id=dispatch_id, user=officer, note="ok", photos=[PHOTO])
        if state is DispatchState.CLOSED:
            cases.verify(session=db, dispatch_id=dispatch_id, user=worker, passed=True)
    db.commit()
    dispatch = db.get(Dispatch, dispatch_id)
    assert dispatch is not None and dispatch.state == state.value
    return subject


def _case_request(
    action: Action, s: Subject, other_case: uuid.UUID, city: City
) -> tuple[str, dict[str, Any]]:
    base = f"/api/v1/console/cases/{s.case_id}"
    requests: dict[Action, tuple[str, dict[str, Any]]] = {
        Action.FILE: (f"/api/v1/console/triage/{s.report_id}/file", {}),
        Action.VOID: (f"{base}/void", {"reason": "无效"}),
        Action.MERGE: (f"{base}/merge", {"into_case_id": str(other_case)}),
        Action.DISPATCH: (f"{base}/dispatch", {"unit_ids": [str(city.unit("police"))]}),
        Action.HOLD: (f"{base}/hold", {}),
        Action.RESUME: (f"{base}/resume", {}),
        Action.CLOSE: (f"{base}/close", {}),
    }
    return requests[action]


@pytest.mark.parametrize(("state", "action"), CASE_PAIRS, ids=[f"{s}-{a}" for s, a in CASE_PAIRS])
def test_invalid_case_transition_is_409(
    state: CaseState, action: Action, client: TestClient, db: Session, city: City, make_report: ReportFactory,
    auth: Auth,
) -> None:  # fmt: skip
    subject = make_case_in(state, db, city, make_report)
    other = cases.file_report(session=db, report_id=make_report(), by=city.users["dispatcher"])
    db.commit()
    path, body = _case_request(action, subject, other.id, city)
    response = client.post(path, json=body, headers=auth(city.users["dispatcher"]))
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "conflict"
    assert error["details"]["state"] == state.value and error["details"]["action"] == action.value
    assert error["details"]["allowed"] == [a.value for a in states.allowed_actions(state)]
    db.expire_all()
    after = db.get(Case, subject.case_id)
    assert (after.state if after else "reported") == state.value


def _dispatch_request(action: Action, dispatch_id: uuid.UUID, city: City) -> tuple[User, str, dict[str, Any]]:
    dept = f"/api/v1/department/dispatches/{dispatch_id}"
    console = f"/api/v1/console/dispatches/{dispatch_id}"
    check = f"/api/v1/verification/dispatches/{dispatch_id}"
    officer, dispatcher, worker = city.users["market"], city.users["dispatcher"], city.users["desheng_worker"]
    requests: dict[Action, tuple[User, str, dict[str, Any]]] = {
        Action.CHECK_IN: (officer, f"{dept}/check-in", on_site()),
        Action.SUBMIT_RESULT: (officer, f"{dept}/result", {"data": {"note": "done"}}),
        Action.REQUEST_EXTENSION: (
            officer, f"{dept}/extension", {"json": {"amount": "1", "unit": "work_days", "reason": "x"}}
        ),
        Action.SEND_BACK: (officer, f"{dept}/send-back", {"json": {"reason": "not ours"}}),
        Action.REJECT_SEND_BACK: (dispatcher, f"{console}/send-back/reject", {"json": {"reason": "属本单位职责"}}),
        Action.GRANT_EXTENSION: (dispatcher, f"{console}/extension/grant", {"json": {}}),
        Action.DENY_EXTENSION: (dispatcher, f"{console}/extension/deny", {"json": {}}),
        Action.START_VERIFICATION: (dispatcher, f"{console}/verification", {"json": {"assignee_id": str(worker.id)}}),
        Action.VERIFY_PASS: (worker, f"{check}/pass", {"data": {"note": ""}, "files": site_photo()}),
        Action.VERIFY_FAIL: (worker, f"{check}/fail", {"data": {"reason": "未整改"}, "files": site_photo()}),
        Action.WITHDRAW: (dispatcher, f"{console}/withdraw", {"json": {"reason": "单位未报到"}}),
    }  # fmt: skip
    return requests[action]


@pytest.mark.parametrize(("state", "action"), DISPATCH_PAIRS, ids=[f"{s}-{a}" for s, a in DISPATCH_PAIRS])
def test_invalid_dispatch_transition_is_409(
    state: DispatchState, action: Action, client: TestClient, db: Session, city: City,
    make_report: ReportFactory, auth: Auth,
) -> None:  # fmt: skip
    subject = make_dispatch_in(state, db, city, make_report)
    assert subject.dispatch_id is not None
    user, path, kwargs = _dispatch_request(action, subject.dispatch_id, city)
    response = client.post(path, headers=auth(user), **kwargs)
    assert response.status_code == 409, response.text
    details = response.json()["error"]["details"]
    assert details["state"] == state.value and details["action"] == action.value
    assert details["allowed"] == [a.value for a in states.allowed_actions(state)]
    db.expire_all()
    dispatch = db.get(Dispatch, subject.dispatch_id)
    assert dispatch is not None and dispatch.state == state.value


def test_every_state_is_covered() -> None:
    assert {s for s, _ in CASE_PAIRS} == set(CaseState)
    assert {s for s, _ in DISPATCH_PAIRS} == set(DispatchState)
    assert len(CASE_PAIRS) == len(CaseState) * len(CASE_ACTIONS) - len(CASE_TRANSITIONS)
    assert len(DISPATCH_PAIRS) == len(DispatchState) * len(DISPATCH_ACTIONS) - len(DISPATCH_TRANSITIONS)
