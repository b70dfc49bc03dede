"""Triage, whistle, department and SLA behaviour beyond the two stories."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from service.cases import deadlines
from service.cases import service as cases
from service.cases.calendar import default_calendar
from service.cases.deadlines import Limit, LimitUnit
from service.cases.models import Case, Dispatch
from service.cases.states import Action
from tests.service.cases.conftest import VENDING, WIRING, Auth, City, ReportFactory, site_photo
from tests.support.field import on_site


def test_queue_filters_orders_and_keyset_pages(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth
) -> None:
    now = datetime.now(UTC)
    ids = [make_report(created_at=now - timedelta(minutes=10 * i)) for i in range(5)]  # newest first
    flagged = make_report(created_at=now - timedelta(hours=5), flags=["photo_reused"])
    wiring = make_report(created_at=now - timedelta(hours=6), category=WIRING)
    headers = auth(city.users["dispatcher"])

    def page(**params: Any) -> Any:
        response = client.get("/api/v1/console/triage", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    seen: list[str] = []
    cursor = None
    while True:
        body = page(limit=2, **({"cursor": cursor} if cursor else {}))
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [str(i) for i in [*ids, flagged, wiring]]
    oldest = page(order="oldest", limit=3)["items"]
    assert [i["id"] for i in oldest] == [str(wiring), str(flagged), str(ids[-1])]
    assert [i["id"] for i in page(flag="photo_reused")["items"]] == [str(flagged)]
    assert str(flagged) not in [i["id"] for i in page(unflagged=True)["items"]]
    assert [i["id"] for i in page(category=WIRING)["items"]] == [str(wiring)]
    older = page(min_age_minutes=60)["items"]
    assert [i["id"] for i in older] == [str(flagged), str(wiring)]
    assert len(page(max_age_minutes=25)["items"]) == 3
    bad = client.get("/api/v1/console/triage", params={"cursor": "nonsense"}, headers=headers)
    assert bad.status_code == 422


def test_merge_void_hold_resume_and_category_correction(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth, db: Session
) -> None:
    headers = auth(city.users["dispatcher"])
    first, duplicate, junk = make_report(), make_report(), make_report()
    case = client.post(f"/api/v1/console/triage/{first}/file", json={}, headers=headers).json()
    merged = client.post(
        f"/api/v1/console/triage/{duplicate}/merge", json={"into_case_id": case["id"]}, headers=headers
    )
    assert merged.status_code == 200
    detail = client.get(f"/api/v1/console/cases/{case['id']}", headers=headers).json()
    assert set(detail["report_ids"]) == {str(first), str(duplicate)}

    voided = client.post(
        f"/api/v1/console/triage/{junk}/void", json={"reason": "非城市管理问题"}, headers=headers
    )
    assert voided.json()["state"] == "voided" and voided.json()["void_reason"] == "非城市管理问题"
    again = client.post(f"/api/v1/console/triage/{junk}/file", json={}, headers=headers)
    assert again.status_code == 409 and again.json()["error"]["details"]["allowed"] == []

    assert (
        client.post(f"/api/v1/console/cases/{case['id']}/hold", json={}, headers=headers).json()["state"]
        == "on_hold"
    )
    assert (
        client.post(f"/api/v1/console/cases/{case['id']}/resume", json={}, headers=headers).json()["state"]
        == "filed"
    )

    # Filed as street vending instead (on the street list): the suggestion re-routes to the street team.
    other = make_report()
    corrected = client.post(
        f"/api/v1/console/triage/{other}/file", json={"category_code": VENDING}, headers=headers
    ).json()
    assert corrected["category_code"] == VENDING
    suggestion = client.get(f"/api/v1/console/cases/{corrected['id']}/suggestion", headers=headers).json()
    assert [u["name"] for u in suggestion["units"]] == ["德胜街道综合执法队"]
    events = client.get(f"/api/v1/console/cases/{corrected['id']}", headers=headers).json()["events"]
    assert events[0]["detail"]["reported_category_code"] == "0202"
    unknown = client.post(
        f"/api/v1/console/triage/{make_report()}/file", json={"category_code": "9999"}, headers=headers
    )
    assert unknown.status_code == 422

    # Merging one filed case into another.
    a = cases.file_report(session=db, report_id=make_report(), by=city.users["dispatcher"])
    db.commit()
    into = client.post(
        f"/api/v1/console/cases/{a.id}/merge", json={"into_case_id": case["id"]}, headers=headers
    )
    assert into.status_code == 200 and into.json()["state"] == "merged"
    assert into.json()["merged_into_id"] == case["id"]
    assert len(client.get(f"/api/v1/console/cases/{case['id']}", headers=headers).json()["report_ids"]) == 3


def test_street_list_items_go_to_the_street_team(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth
) -> None:
    headers = auth(city.users["dispatcher"])
    case = client.post(
        f"/api/v1/console/triage/{make_report(category=VENDING)}/file", json={}, headers=headers
    ).json()
    suggestion = client.get(f"/api/v1/console/cases/{case['id']}/suggestion", headers=headers).json()
    assert suggestion["on_street_list"] is True
    assert [(u["name"], u["role"]) for u in suggestion["units"]] == [("德胜街道综合执法队", "street_team")]
    assert any("街道综合执法队直接处置" in line for line in suggestion["trace"])
    sent = client.post(
        f"/api/v1/console/cases/{case['id']}/dispatch",
        json={"unit_ids": [suggestion["units"][0]["id"]]},
        headers=headers,
    ).json()
    assert sent[0]["role"] == "street_team"
    team = auth(city.users["desheng_team"])
    assert [d["id"] for d in client.get("/api/v1/department/dispatches", headers=team).json()] == [
        sent[0]["id"]
    ]


def test_extension_send_back_and_rework(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth, db: Session
) -> None:
    console = auth(city.users["dispatcher"])
    case = client.post(f"/api/v1/console/triage/{make_report()}/file", json={}, headers=console).json()
    market, police = str(city.unit("market")), str(city.unit("police"))
    whistle = client.post(
        f"/api/v1/console/cases/{case['id']}/dispatch", json={"unit_ids": [market, police]}, headers=console
    ).json()
    dm, dp = (next(d for d in whistle if d["unit_id"] == u) for u in (market, police))
    again = client.post(
        f"/api/v1/console/cases/{case['id']}/dispatch", json={"unit_ids": [market]}, headers=console
    )
    assert again.status_code == 409

    # The police say "not ours": that dispatch ends, the case goes on with the market regulator.
    officer = auth(city.users["police"])
    back = client.post(
        f"/api/v1/department/dispatches/{dp['id']}/send-back",
        json={"reason": "不属于公安职责"},
        headers=officer,
    )
    assert back.status_code == 200 and back.json()["state"] == "sent_back"
    assert (
        client.get(f"/api/v1/console/cases/{case['id']}", headers=console).json()["case"]["state"]
        == "dispatched"
    )

    # Extension: requested, granted by one work day, the handling deadline moves.
    unit = auth(city.users["market"])
    client.post(f"/api/v1/department/dispatches/{dm['id']}/check-in", **on_site(), headers=unit)
    asked = client.post(
        f"/api/v1/department/dispatches/{dm['id']}/extension",
        json={"amount": "1", "unit": "work_days", "reason": "需商户配合"},
        headers=unit,
    )
    assert asked.json()["state"] == "extension_requested"
    assert asked.json()["extension_request"] == {"amount": "1", "unit": "work_days", "reason": "需商户配合"}
    granted = client.post(
        f"/api/v1/console/dispatches/{dm['id']}/extension/grant", json={}, headers=console
    ).json()
    before = datetime.fromisoformat(dm["handling_deadline"])
    expected = deadlines.extend(before, Limit(Decimal(1), LimitUnit.WORK_DAYS), default_calendar())
    assert datetime.fromisoformat(granted["handling_deadline"]) == expected
    assert granted["state"] == "checked_in" and granted["extension_request"] is None
    assert granted["extensions"][0]["amount"] == "1"
    client.post(
        f"/api/v1/department/dispatches/{dm['id']}/extension",
        json={"amount": "2", "unit": "work_days", "reason": "再延"},
        headers=unit,
    )
    denied = client.post(
        f"/api/v1/console/dispatches/{dm['id']}/extension/deny", json={}, headers=console
    ).json()
    assert datetime.fromisoformat(denied["handling_deadline"]) == expected and denied["state"] == "checked_in"

    # Rework: verification fails with a reason; the unit handles it again; then it passes.
    client.post(f"/api/v1/department/dispatches/{dm['id']}/result", data={"note": "已整改"}, headers=unit)
    worker = auth(city.users["desheng_worker"])
    stranger = auth(city.users["other_worker"])
    assert (
        client.post(
            f"/api/v1/verification/dispatches/{dm['id']}/pass", files=site_photo(), headers=stranger
        ).status_code
        == 403
    )
    failed = client.post(
        f"/api/v1/verification/dispatches/{dm['id']}/fail",
        data={"reason": "牌匾仍在"},
        files=site_photo(),
        headers=worker,
    ).json()
    assert failed["state"] == "checked_in" and failed["rework_count"] == 1 and failed["result_at"] is None
    client.post(f"/api/v1/department/dispatches/{dm['id']}/result", data={"note": "已拆除"}, headers=unit)
    done = client.post(
        f"/api/v1/verification/dispatches/{dm['id']}/pass",
        files=site_photo("landscape_8.jpg"),
        headers=worker,
    ).json()
    assert done["state"] == "closed"
    detail = client.get(f"/api/v1/console/cases/{case['id']}", headers=console).json()
    assert detail["case"]["state"] == "closed", "the sent-back dispatch does not hold the case open"
    assert [e["action"] for e in detail["events"] if e["action"] == "verify_fail"] == ["verify_fail"]


def test_all_sent_back_returns_the_case_to_triage_and_a_dispatcher_assigns_verification(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth, db: Session
) -> None:
    console = auth(city.users["dispatcher"])
    case = client.post(
        f"/api/v1/console/triage/{make_report(reporter=city.users['courier'], place=_NOBODY)}/file",
        json={},
        headers=console,
    ).json()
    (d,) = client.post(
        f"/api/v1/console/cases/{case['id']}/dispatch",
        json={"unit_ids": [str(city.unit("police"))]},
        headers=console,
    ).json()
    police = auth(city.users["police"])
    client.post(
        f"/api/v1/department/dispatches/{d['id']}/send-back", json={"reason": "非本辖区"}, headers=police
    )
    assert (
        client.get(f"/api/v1/console/cases/{case['id']}", headers=console).json()["case"]["state"] == "filed"
    )
    filed = client.get("/api/v1/console/cases", params={"state": "filed"}, headers=console).json()
    assert case["id"] in [c["id"] for c in filed]

    # Whistled again; nobody is responsible for the grid, so the result waits for a dispatcher.
    (d2,) = client.post(
        f"/api/v1/console/cases/{case['id']}/dispatch",
        json={"unit_ids": [str(city.unit("market"))]},
        headers=console,
    ).json()
    market = auth(city.users["market"])
    client.post(f"/api/v1/department/dispatches/{d2['id']}/check-in", **on_site(), headers=market)
    handled = client.post(
        f"/api/v1/department/dispatches/{d2['id']}/result", data={"note": "好了"}, headers=market
    )
    assert handled.json()["state"] == "handled"
    worker = city.users["other_worker"]
    task = client.post(
        f"/api/v1/console/dispatches/{d2['id']}/verification",
        json={"assignee_id": str(worker.id)},
        headers=console,
    )
    assert task.status_code == 201 and task.json()["dispatch"]["state"] == "verifying"
    assert [t["id"] for t in client.get("/api/v1/verification/tasks", headers=auth(worker)).json()] == [
        task.json()["id"]
    ]


_NOBODY = {
    "district": "220204",
    "street": "220204001000",
    "community": "220204001009",
    "grid": "220204001009999",
}


def test_board_colours_overdue_and_turned_red(db: Session, city: City, make_report: ReportFactory) -> None:
    d = city.users["dispatcher"]
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)  # Monday 17:00 in Shanghai
    case = cases.file_report(session=db, report_id=make_report(), by=d, at=start)
    (dispatch,) = cases.dispatch_case(
        session=db, case_id=case.id, unit_ids=[city.unit("police")], by=d, at=start
    )
    db.commit()
    # Report-in: 2 work hours from Monday 17:00: half an hour Monday, 1.5 h from 08:30 Tuesday → 10:00
    # Tuesday in Shanghai = 02:00 UTC.
    assert dispatch.check_in_deadline == datetime(2026, 3, 3, 2, 0, tzinfo=UTC)

    def colours(now: datetime) -> tuple[str, str]:
        (row,) = [r for r in cases.board(session=db, now=now) if r.dispatch_id == dispatch.id]
        return row.check_in_colour.value, row.handling_colour.value

    assert colours(start + timedelta(minutes=5)) == ("green", "green")
    # Tuesday 09:40 Shanghai: 1 h 40 of 2 work hours used (83 %).
    assert colours(datetime(2026, 3, 3, 1, 40, tzinfo=UTC)) == ("yellow", "green")
    assert colours(datetime(2026, 3, 3, 2, 0, tzinfo=UTC)) == ("yellow", "green"), "due, not yet late"
    late = datetime(2026, 3, 3, 2, 30, tzinfo=UTC)
    assert colours(late) == ("red", "green")
    assert [
        (e.dispatch_id, e.clock) for e in cases.overdue(session=db, now=late) if e.dispatch_id == dispatch.id
    ] == [(dispatch.id, "check_in")]

    # Consecutive windows report the passing deadline exactly once.
    marks = [start, datetime(2026, 3, 3, 1, 0, tzinfo=UTC), datetime(2026, 3, 3, 2, 0, tzinfo=UTC), late]
    found = [
        e
        for since, until in itertools.pairwise(marks)
        for e in cases.turned_red(session=db, since=since, until=until)
        if e.dispatch_id == dispatch.id
    ]
    assert [(e.clock, e.deadline) for e in found] == [("check_in", dispatch.check_in_deadline)]

    # Checked in late: the clock stops red, and still counts as having turned red.
    cases.check_in(session=db, dispatch_id=dispatch.id, user=city.users["police"], at=late)
    db.commit()
    assert colours(late + timedelta(days=1))[0] == "red"
    assert cases.turned_red(session=db, since=start, until=late)[0].dispatch_id == dispatch.id


def test_the_case_event_log_is_append_only(db: Session, city: City, make_report: ReportFactory) -> None:
    case = cases.file_report(session=db, report_id=make_report(), by=city.users["dispatcher"])
    db.commit()
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(text("UPDATE case_events SET note = 'rewritten' WHERE case_id = :c"), {"c": case.id})
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(text("DELETE FROM case_events WHERE case_id = :c"), {"c": case.id})


def test_finalise_no_shows_through_http(
    client: TestClient, db: Session, city: City, make_report: ReportFactory, auth: Auth
) -> None:
    d = city.users["dispatcher"]
    past = datetime.now(UTC) - timedelta(days=10)
    case = cases.file_report(session=db, report_id=make_report(), by=d, at=past)
    (dispatch,) = cases.dispatch_case(
        session=db, case_id=case.id, unit_ids=[city.unit("police")], by=d, at=past
    )
    db.commit()
    answered = client.post("/api/v1/console/evaluations/no-shows", headers=auth(d))
    assert answered.status_code == 200
    (row,) = [e for e in answered.json() if e["dispatch_id"] == str(dispatch.id)]
    assert row["reason"] == "no_show" and row["list_kind"] == "interview"
    assert row["breakdown"][0]["rule"] == "no_check_in"
    assert Decimal(row["score"]) <= 70
    assert client.post("/api/v1/console/evaluations/no-shows", headers=auth(d)).json() == []
    # The case itself still waits for the unit (or a new whistle): nothing was closed.
    assert (db.get(Case, case.id) or case).state == "dispatched"
    assert (db.get(Dispatch, dispatch.id) or dispatch).state == "dispatched"
    assert (
        Action.CHECK_IN.value
        in client.get(
            f"/api/v1/department/dispatches/{dispatch.id}", headers=auth(city.users["police"])
        ).json()["dispatches"][0]["allowed_actions"]
    )
