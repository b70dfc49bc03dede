"""Withdrawal and reassignment (撤回/改派) over HTTP, on the workflow's injected clock.

The 德胜街道 signboard case is whistled at Monday 13:00 to 市市场监督管理局 and 北京路派出所 (report-in
limit 2 work hours: due 15:00). The market regulator handles it; the police never report in. The
dispatcher withdraws the no-show: the case no longer waits for it, the market's result is verified
and the case closes; the no-show keeps its score (given once, at the withdrawal or by the scan,
whichever came first), and a withdrawal before the deadline costs the unit nothing.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from service.cases import service as cases
from service.cases.models import Dispatch, Evaluation
from service.cases.stats import GroupBy
from service.errors import Conflict
from tests.service.cases.conftest import (
    SIGNBOARD,
    Auth,
    City,
    Clock,
    ReportFactory,
    insert_report,
    make_people,
    seed_geography,
    site_photo,
)
from tests.support.field import on_site
from tests.support.locks import sessions_waiting_on_a_lock

WHISTLE = datetime(2026, 11, 16, 5, 0, tzinfo=UTC)  # Monday 13:00 in Jilin
CHECK_IN_DUE = WHISTLE + timedelta(hours=2)  # 15:00: 2 work hours
DAY = (datetime(2026, 11, 15, 16, 0, tzinfo=UTC), datetime(2026, 11, 16, 16, 0, tzinfo=UTC))  # Nov 16 local
CONSOLE = "/api/v1/console"


def _whistle(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth, *units: str
) -> dict[str, Any]:
    """File a signboard report in 德胜街道 and whistle it to the units (keys of `city.units`) at WHISTLE."""
    desk = auth(city.users["dispatcher"])
    case = client.post(f"{CONSOLE}/triage/{make_report(category=SIGNBOARD)}/file", json={}, headers=desk)
    assert case.status_code == 201, case.text
    whistled = client.post(
        f"{CONSOLE}/cases/{case.json()['id']}/dispatch",
        json={"unit_ids": [str(city.unit(u)) for u in units], "note": "联合执法"},
        headers=desk,
    )
    assert whistled.status_code == 201, whistled.text
    by_unit = {d["unit_id"]: d for d in whistled.json()}
    return {"case": case.json(), **{u: by_unit[str(city.unit(u))] for u in units}}


def _handle(client: TestClient, auth: Auth, officer: Any, dispatch_id: str) -> dict[str, Any]:
    headers = auth(officer)
    assert client.post(
        f"/api/v1/department/dispatches/{dispatch_id}/check-in", **on_site(), headers=headers
    ).is_success
    result = client.post(
        f"/api/v1/department/dispatches/{dispatch_id}/result", data={"note": "牌匾已拆除"}, files=site_photo(),
        headers=headers,
    )  # fmt: skip
    assert result.status_code == 200, result.text
    return dict(result.json())


def _case(client: TestClient, auth: Auth, city: City, case_id: str) -> dict[str, Any]:
    return dict(client.get(f"{CONSOLE}/cases/{case_id}", headers=auth(city.users["dispatcher"])).json())


def _evaluations(db: Session, dispatch_id: str) -> list[Evaluation]:
    db.expire_all()
    return list(db.scalars(select(Evaluation).where(Evaluation.dispatch_id == uuid.UUID(dispatch_id))))


def test_a_no_show_withdrawn_lets_the_joint_case_close_and_keeps_its_score_once(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth, db: Session, clock: Clock
) -> None:
    desk, worker = auth(city.users["dispatcher"]), auth(city.users["desheng_worker"])
    w = _whistle(client, city, make_report, auth, "market", "police")
    case_id, police = w["case"]["id"], w["police"]["id"]

    clock.set(WHISTLE + timedelta(minutes=40))
    handled = _handle(client, auth, city.users["market"], w["market"]["id"])
    # The police have not reported in: the market's result waits, no verification yet.
    assert handled["state"] == "handled"
    assert client.get("/api/v1/verification/tasks", headers=worker).json() == []
    assert _case(client, auth, city, case_id)["case"]["state"] == "dispatched"

    # 15:30, past the report-in deadline: the dispatcher withdraws the no-show, with the reason.
    clock.set(CHECK_IN_DUE + timedelta(minutes=30))
    empty = client.post(f"{CONSOLE}/dispatches/{police}/withdraw", json={"reason": " "}, headers=desk)
    assert empty.status_code == 422
    withdrawn = client.post(
        f"{CONSOLE}/dispatches/{police}/withdraw", json={"reason": "北京路派出所逾期未报到"}, headers=desk
    )
    assert withdrawn.status_code == 200, withdrawn.text
    body = withdrawn.json()
    assert body["state"] == "withdrawn" and body["withdraw_reason"] == "北京路派出所逾期未报到"
    assert body["withdrawn_at"] == "2026-11-16T07:30:00Z" and body["allowed_actions"] == []

    # Scored as a no-show at the withdrawal, exactly as the scan would have: −30 for no report-in.
    [score] = _evaluations(db, police)
    assert (score.reason, score.score, score.evaluated_at) == ("no_show", Decimal(70), clock.now)
    assert [d["rule"] for d in score.breakdown] == ["no_check_in"]
    # The scan later finds nothing more to score: never twice.
    clock.set(CHECK_IN_DUE + timedelta(hours=1))
    assert client.post(f"{CONSOLE}/evaluations/no-shows", headers=desk).json() == []
    assert [e.evaluated_at for e in _evaluations(db, police)] == [CHECK_IN_DUE + timedelta(minutes=30)]

    # The case no longer waits for the police: the market's result is verified, and the case closes.
    detail = _case(client, auth, city, case_id)
    assert detail["case"]["state"] == "verifying"
    assert [e["action"] for e in detail["events"]][-2:] == ["withdraw", "start_verification"]
    [task] = client.get("/api/v1/verification/tasks", headers=worker).json()
    assert [i["unit_name"] for i in task["items"]] == ["市市场监督管理局"]
    passed = client.post(
        f"/api/v1/verification/dispatches/{w['market']['id']}/pass", data={"note": "已整改"},
        files=site_photo(), headers=worker,
    )  # fmt: skip
    assert passed.status_code == 200, passed.text
    closed = _case(client, auth, city, case_id)["case"]
    assert closed["state"] == "closed" and closed["closed_at"] == "2026-11-16T08:00:00Z"

    # The no-show stays on the interview list (约谈); the market is praised.
    lists = client.get(
        f"{CONSOLE}/unit-lists",
        params={"since": DAY[0].isoformat(), "until": DAY[1].isoformat()},
        headers=desk,
    ).json()
    assert "北京路派出所" in {e["unit_name"] for e in lists["interview"]}
    assert "市市场监督管理局" in {e["unit_name"] for e in lists["praise"]}
    # Indicators: the withdrawn no-show was whistled, not accurately, and stays due (never closed).
    for since, until in (
        DAY,
        (WHISTLE - timedelta(minutes=1), WHISTLE + timedelta(minutes=1)),
    ):  # rollups, rows
        rows = cases.indicator_rows(session=db, group_by=GroupBy.UNIT, since=since, until=until)
        police_row = next(r for r in rows if r.key == str(city.unit("police"))).counts
        market_row = next(r for r in rows if r.key == str(city.unit("market"))).counts
        assert (police_row.dispatched, police_row.accurately_dispatched, police_row.due_for_closure) == (
            1,
            0,
            1,
        )
        assert (police_row.checked_in_on_time, police_row.closed) == (0, 0)
        assert (market_row.dispatched, market_row.accurately_dispatched, market_row.closed) == (1, 1, 1)
    # The trigger's running totals equal a full recount with the same rules.
    snapshot = "SELECT * FROM indicator_unit_days ORDER BY day, unit_id"
    kept = db.execute(text(snapshot)).all()
    db.execute(text("SELECT whistle_rebuild_indicator_days()"))
    assert db.execute(text(snapshot)).all() == kept


def test_the_scan_first_then_the_withdrawal_keeps_the_scans_score(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth, db: Session, clock: Clock
) -> None:
    desk = auth(city.users["dispatcher"])
    w = _whistle(client, city, make_report, auth, "market", "police")
    scanned_at = clock.set(CHECK_IN_DUE + timedelta(minutes=5))
    scanned = client.post(f"{CONSOLE}/evaluations/no-shows", headers=desk).json()
    assert {e["dispatch_id"] for e in scanned} == {w["market"]["id"], w["police"]["id"]}
    clock.set(CHECK_IN_DUE + timedelta(hours=2))
    for unit in ("police", "market"):
        assert client.post(
            f"{CONSOLE}/dispatches/{w[unit]['id']}/withdraw", json={"reason": "均未报到，改派"}, headers=desk
        ).is_success
        [score] = _evaluations(db, w[unit]["id"])
        assert (score.reason, score.score, score.evaluated_at) == ("no_show", Decimal(70), scanned_at)
    # Both dispatches gone: the case is back at the whistle step.
    case = _case(client, auth, city, w["case"]["id"])["case"]
    assert case["state"] == "filed" and "dispatch" in case["allowed_actions"] and case["closed_at"] is None


@pytest.mark.parametrize(
    ("offset", "charged"),
    [(timedelta(minutes=-1), False), (timedelta(0), False), (timedelta(seconds=1), True)],
    ids=["before-the-deadline", "at-the-deadline", "after-the-deadline"],
)
def test_a_withdrawal_before_the_report_in_deadline_is_not_held_against_the_unit(
    offset: timedelta, charged: bool, client: TestClient, city: City, make_report: ReportFactory, auth: Auth,
    db: Session, clock: Clock,
) -> None:  # fmt: skip
    desk = auth(city.users["dispatcher"])
    w = _whistle(client, city, make_report, auth, "police")
    clock.set(CHECK_IN_DUE + offset)
    response = client.post(
        f"{CONSOLE}/dispatches/{w['police']['id']}/withdraw", json={"reason": "派错单位"}, headers=desk
    )
    assert response.status_code == 200, response.text
    assert [e.reason for e in _evaluations(db, w["police"]["id"])] == (["no_show"] if charged else [])
    lists = client.get(
        f"{CONSOLE}/unit-lists",
        params={"since": DAY[0].isoformat(), "until": DAY[1].isoformat()},
        headers=desk,
    ).json()
    assert ("北京路派出所" in {e["unit_name"] for e in lists["interview"]}) is charged
    row = next(
        r for r in cases.indicator_rows(session=db, group_by=GroupBy.UNIT, since=DAY[0], until=DAY[1])
        if r.key == str(city.unit("police"))
    )  # fmt: skip
    assert (row.counts.dispatched, row.counts.accurately_dispatched) == (1, 0)
    assert row.counts.due_for_closure == int(charged)
    # The only dispatch withdrawn: the case is back at the whistle step, and may be whistled again.
    assert _case(client, auth, city, w["case"]["id"])["case"]["state"] == "filed"
    again = client.post(
        f"{CONSOLE}/cases/{w['case']['id']}/dispatch",
        json={"unit_ids": [str(city.unit("police"))]},
        headers=desk,
    )
    assert again.status_code == 201, again.text


def test_a_checked_in_unit_withdrawn_after_its_handling_deadline_is_scored_as_overdue(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth, db: Session, clock: Clock
) -> None:
    desk = auth(city.users["dispatcher"])
    w = _whistle(client, city, make_report, auth, "police")
    clock.set(WHISTLE + timedelta(minutes=30))
    client.post(
        f"/api/v1/department/dispatches/{w['police']['id']}/check-in",
        **on_site(),
        headers=auth(city.users["police"]),
    )
    due = datetime.fromisoformat(w["police"]["handling_deadline"])
    clock.set(due + timedelta(hours=1))
    assert client.post(
        f"{CONSOLE}/dispatches/{w['police']['id']}/withdraw", json={"reason": "久拖未办"}, headers=desk
    ).is_success
    [score] = _evaluations(db, w["police"]["id"])
    assert score.reason == "withdrawn" and [d["rule"] for d in score.breakdown] == ["late_handling"]


def test_reassign_withdraws_and_whistles_another_unit_in_one_action(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth, db: Session, clock: Clock
) -> None:
    desk = auth(city.users["dispatcher"])
    w = _whistle(client, city, make_report, auth, "market", "police_other")
    wrong = w["police_other"]["id"]
    clock.set(WHISTLE + timedelta(minutes=20))
    same = client.post(
        f"{CONSOLE}/dispatches/{wrong}/reassign", json={"unit_id": str(city.unit("police_other")), "reason": "x"},
        headers=desk,
    )  # fmt: skip
    assert same.status_code == 422
    busy = client.post(
        f"{CONSOLE}/dispatches/{wrong}/reassign", json={"unit_id": str(city.unit("market")), "reason": "x"},
        headers=desk,
    )  # fmt: skip
    assert busy.status_code == 409
    db.expire_all()
    assert db.get(Dispatch, uuid.UUID(wrong)).state == "dispatched"  # type: ignore[union-attr]

    moved = client.post(
        f"{CONSOLE}/dispatches/{wrong}/reassign",
        json={"unit_id": str(city.unit("police")), "reason": "辖区属北京路派出所"},
        headers=desk,
    )
    assert moved.status_code == 201, moved.text
    old, new = moved.json()["withdrawn"], moved.json()["dispatch"]
    assert old["state"] == "withdrawn" and old["withdraw_reason"] == "辖区属北京路派出所"
    assert new["unit_id"] == str(city.unit("police")) and new["state"] == "dispatched"
    assert new["reassigned_from_id"] == wrong and new["role"] == w["police_other"]["role"]
    # The new unit's clocks start at the reassignment: 2 work hours from 13:20.
    assert (
        new["dispatched_at"] == "2026-11-16T05:20:00Z" and new["check_in_deadline"] == "2026-11-16T07:20:00Z"
    )
    # Withdrawn 40 minutes before its deadline: not held against the first police station.
    assert _evaluations(db, wrong) == []
    detail = _case(client, auth, city, w["case"]["id"])
    assert detail["case"]["state"] == "dispatched"
    tail = [(e["action"], e["dispatch_id"], e["note"]) for e in detail["events"]][-3:]
    assert tail == [
        ("withdraw", wrong, "辖区属北京路派出所"),
        ("dispatch", None, "辖区属北京路派出所"),
        ("dispatch", new["id"], "辖区属北京路派出所"),
    ]
    # The new unit sees it; the old one still sees its withdrawn dispatch, and can no longer act on it.
    mine = client.get("/api/v1/department/dispatches", headers=auth(city.users["police"])).json()
    assert [d["id"] for d in mine] == [new["id"]]
    gone = client.post(
        f"/api/v1/department/dispatches/{wrong}/check-in",
        **on_site(),
        headers=auth(city.users["police_other"]),
    )
    assert gone.status_code == 409 and gone.json()["error"]["details"]["state"] == "withdrawn"
    # Indicators: the first dispatch is not accurate (准确派遣率), the reassigned one is.
    rows = {
        r.key: r.counts
        for r in cases.indicator_rows(session=db, group_by=GroupBy.UNIT, since=DAY[0], until=DAY[1])
    }
    assert rows[str(city.unit("police_other"))].accurately_dispatched == 0
    assert rows[str(city.unit("police"))].accurately_dispatched == 1


def test_a_closed_dispatch_cannot_be_withdrawn_and_withdrawal_cancels_a_pending_verification(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth, db: Session, clock: Clock
) -> None:
    desk, worker = auth(city.users["dispatcher"]), auth(city.users["desheng_worker"])
    w = _whistle(client, city, make_report, auth, "market", "police")
    clock.set(WHISTLE + timedelta(minutes=30))
    for unit in ("market", "police"):
        _handle(client, auth, city.users[unit], w[unit]["id"])
    [task] = client.get("/api/v1/verification/tasks", headers=worker).json()
    assert len(task["items"]) == 2
    # The police's result is taken back while it waits for verification: its item is cancelled.
    assert client.post(
        f"{CONSOLE}/dispatches/{w['police']['id']}/withdraw", json={"reason": "处置结果不实"}, headers=desk
    ).is_success
    [task] = client.get("/api/v1/verification/tasks", headers=worker).json()
    assert {i["unit_name"]: i["outcome"] for i in task["items"]} == {
        "市市场监督管理局": "pending",
        "北京路派出所": "cancelled",
    }
    verifications = {
        v["dispatch_id"]: v["state"] for v in _case(client, auth, city, w["case"]["id"])["verifications"]
    }
    assert verifications == {w["market"]["id"]: "open", w["police"]["id"]: "cancelled"}
    assert client.post(
        f"/api/v1/verification/dispatches/{w['market']['id']}/pass", data={"note": ""}, files=site_photo(),
        headers=worker,
    ).is_success  # fmt: skip
    assert _case(client, auth, city, w["case"]["id"])["case"]["state"] == "closed"
    late = client.post(
        f"{CONSOLE}/dispatches/{w['market']['id']}/withdraw", json={"reason": "x"}, headers=desk
    )
    assert late.status_code == 409 and late.json()["error"]["details"]["allowed"] == []
    assert (
        db.scalar(
            select(func.count())
            .select_from(Evaluation)
            .where(Evaluation.dispatch_id == uuid.UUID(w["police"]["id"]))
        )
        == 0
    )


def test_two_dispatchers_withdrawing_the_same_dispatch_one_gets_409(fresh_database_url: str) -> None:
    engine = create_engine(fresh_database_url)
    try:
        with Session(engine, expire_on_commit=False) as setup:
            units = seed_geography(setup)
            people = make_people(setup, units)
            report_id = insert_report(setup, reporter=people["desheng_worker"], category=SIGNBOARD)
            case = cases.file_report(session=setup, report_id=report_id, by=people["dispatcher"])
            (dispatch,) = cases.dispatch_case(
                session=setup, case_id=case.id, unit_ids=[units["police"]], by=people["dispatcher"]
            )
            setup.commit()
        first, second = Session(engine), Session(engine)
        outcome: dict[str, Any] = {}

        def withdraw_second() -> None:
            try:
                cases.withdraw_dispatch(
                    session=second, dispatch_id=dispatch.id, by=people["dispatcher2"], reason="二号值班员撤回"
                )
                second.commit()
                outcome["done"] = True
            except Conflict as exc:
                second.rollback()
                outcome["conflict"] = exc

        cases.withdraw_dispatch(
            session=first, dispatch_id=dispatch.id, by=people["dispatcher"], reason="一号值班员撤回"
        )
        thread = threading.Thread(target=withdraw_second)
        thread.start()
        # Wait until the second dispatcher is blocked on the case's lock, then commit the first.
        assert sessions_waiting_on_a_lock(engine) == 1
        first.commit()
        thread.join(timeout=60)
        assert "done" not in outcome
        conflict = outcome["conflict"]
        assert conflict.status == 409 and conflict.details["state"] == "withdrawn"
        with engine.connect() as check:
            row = check.execute(
                text("SELECT state, withdraw_reason FROM dispatches WHERE id = :d"), {"d": dispatch.id}
            ).one()
            assert tuple(row) == ("withdrawn", "一号值班员撤回")
            events = check.execute(
                text("SELECT count(*) FROM case_events WHERE dispatch_id = :d AND action = 'withdraw'"),
                {"d": dispatch.id},
            ).scalar_one()
            assert events == 1
        first.close()
        second.close()
    finally:
        engine.dispose()
