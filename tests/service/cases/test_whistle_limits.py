"""A whistle with its own time limits (自定时限): bounds, the stored flag, and every clock running on them.

The 德胜街道 signboard's category gives 2 work hours to report in and 3 work days to handle; the whistle
at Monday 13:00 sets 30 urgent minutes and 4 urgent hours instead. The board, the overdue list, the
turned-red feed (also live, over a real server) and the score all use those.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.accounts import service as accounts
from service.cases import service as cases
from service.cases.deadlines import Limit, LimitUnit
from service.cases.models import Evaluation
from service.settings import SecuritySettings
from tests.conftest import TEST_SECRET
from tests.service.cases.conftest import (
    SIGNBOARD,
    Auth,
    City,
    Clock,
    ReportFactory,
    insert_report,
    make_people,
    seed_geography,
)
from tests.service.cases.test_live import Feed
from tests.support.field import on_site

WHISTLE = datetime(2026, 11, 16, 5, 0, tzinfo=UTC)  # Monday 13:00 in Jilin
CHECK_IN = {"amount": "0.5", "unit": "urgent_hours"}
HANDLING = {"amount": "4", "unit": "urgent_hours"}
CONSOLE = "/api/v1/console"


def _filed(client: TestClient, city: City, make_report: ReportFactory, auth: Auth) -> str:
    desk = auth(city.users["dispatcher"])
    filed = client.post(f"{CONSOLE}/triage/{make_report(category=SIGNBOARD)}/file", json={}, headers=desk)
    assert filed.status_code == 201
    return str(filed.json()["id"])


def _whistle(client: TestClient, city: City, case_id: str, auth: Auth, **limits: Any) -> httpx.Response:
    body = {"unit_ids": [str(city.unit("market")), str(city.unit("police"))], **limits}
    response: httpx.Response = client.post(
        f"{CONSOLE}/cases/{case_id}/dispatch", json=body, headers=auth(city.users["dispatcher"])
    )
    return response


def test_a_whistle_sets_its_own_limits_and_every_answer_shows_them(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth, clock: Clock
) -> None:
    case_id = _filed(client, city, make_report, auth)
    response = _whistle(client, city, case_id, auth, check_in_limit=CHECK_IN, handling_limit=HANDLING)
    assert response.status_code == 201, response.text
    for d in response.json():
        assert d["check_in_limit"] == {**CHECK_IN, "custom": True}
        assert d["handling_limit"] == {**HANDLING, "custom": True}
        assert (
            d["check_in_deadline"] == "2026-11-16T05:30:00Z"
            and d["handling_deadline"] == "2026-11-16T09:00:00Z"
        )
    # The unit's own list, the case, the board and the event log carry them too.
    mine = client.get("/api/v1/department/dispatches", headers=auth(city.users["police"])).json()
    assert mine[0]["check_in_limit"]["custom"] is True and mine[0]["check_in_limit"]["amount"] == "0.5"
    detail = client.get(f"{CONSOLE}/cases/{case_id}", headers=auth(city.users["dispatcher"])).json()
    assert {d["handling_limit"]["amount"] for d in detail["dispatches"]} == {"4"}
    [event] = [e for e in detail["events"] if e["action"] == "dispatch" and e["dispatch_id"]][:1]
    assert event["detail"]["check_in_limit"] == {"amount": "0.5", "unit": "urgent_hours", "custom": True}
    board = client.get(f"{CONSOLE}/board", headers=auth(city.users["dispatcher"])).json()
    ours = [row for row in board if row["case_id"] == case_id]
    assert len(ours) == 2 and all(row["check_in_limit"] == {**CHECK_IN, "custom": True} for row in ours)


def test_one_limit_set_by_hand_keeps_the_categorys_other(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth, clock: Clock
) -> None:
    case_id = _filed(client, city, make_report, auth)
    response = _whistle(client, city, case_id, auth, handling_limit={"amount": "1.5", "unit": "work_days"})
    assert response.status_code == 201, response.text
    d = response.json()[0]
    assert d["check_in_limit"] == {"amount": "2", "unit": "work_hours", "custom": False}
    assert d["handling_limit"] == {"amount": "1.5", "unit": "work_days", "custom": True}
    # 1.5 work days from Monday 13:00: Tuesday whole, then half of Wednesday's 8 work hours (3.5 before
    # lunch, 0.5 after) → Wednesday 13:30.
    assert d["handling_deadline"] == "2026-11-18T05:30:00Z"


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"check_in_limit": {"amount": "0", "unit": "urgent_hours"}}, "时限须大于 0"),
        ({"check_in_limit": {"amount": "-1", "unit": "work_hours"}}, "时限须大于 0"),
        ({"check_in_limit": {"amount": "169", "unit": "urgent_hours"}}, "紧急工作时计不能超过 168"),
        ({"handling_limit": {"amount": "161", "unit": "work_hours"}}, "工作时计不能超过 160"),
        ({"handling_limit": {"amount": "61", "unit": "work_days"}}, "工作日计不能超过 60"),
        ({"handling_limit": {"amount": "91", "unit": "natural_days"}}, "自然日计不能超过 90"),
        ({"handling_limit": {"amount": "1.255", "unit": "work_days"}}, "最多保留两位小数"),
        ({"handling_limit": {"amount": "1e400", "unit": "work_days"}}, "不能超过 60"),
        # Handling may not end before the report-in deadline (the category's 2 work hours here).
        ({"handling_limit": {"amount": "1", "unit": "urgent_hours"}}, "处置时限不能短于报到时限"),
        (
            {"check_in_limit": {"amount": "5", "unit": "natural_days"}, "handling_limit": HANDLING},
            "处置时限不能短于报到时限",
        ),
    ],
)
def test_limits_out_of_bounds_are_refused_in_chinese(
    limits: dict[str, Any], message: str, client: TestClient, city: City, make_report: ReportFactory,
    auth: Auth, db: Session, clock: Clock,
) -> None:  # fmt: skip
    case_id = _filed(client, city, make_report, auth)
    response = _whistle(client, city, case_id, auth, **limits)
    assert response.status_code == 422, response.text
    assert message in response.json()["error"]["message"]
    state = client.get(f"{CONSOLE}/cases/{case_id}", headers=auth(city.users["dispatcher"])).json()
    assert state["case"]["state"] == "filed" and state["dispatches"] == []


def test_limits_at_the_bounds_are_accepted(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth, clock: Clock
) -> None:
    case_id = _filed(client, city, make_report, auth)
    # The largest report-in limit, and a handling limit ending exactly at the report-in deadline.
    same = {"amount": "168", "unit": "urgent_hours"}
    response = _whistle(client, city, case_id, auth, check_in_limit=same, handling_limit=same)
    assert response.status_code == 201, response.text
    assert response.json()[0]["check_in_deadline"] == response.json()[0]["handling_deadline"]
    unknown = _whistle(client, city, _filed(client, city, make_report, auth), auth,
                       check_in_limit={"amount": "1", "unit": "fortnights"})  # fmt: skip
    assert unknown.status_code == 422


def _board_colours(client: TestClient, auth: Auth, city: City, case_id: str) -> set[tuple[str, str]]:
    rows = client.get(f"{CONSOLE}/board", headers=auth(city.users["dispatcher"])).json()
    return {(row["check_in_colour"], row["handling_colour"]) for row in rows if row["case_id"] == case_id}


def test_the_board_overdue_and_turned_red_run_on_the_limits_set_by_hand(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth, db: Session, clock: Clock
) -> None:
    desk = auth(city.users["dispatcher"])
    case_id = _filed(client, city, make_report, auth)
    _whistle(client, city, case_id, auth, check_in_limit=CHECK_IN, handling_limit=HANDLING)
    due = WHISTLE + timedelta(minutes=30)
    # 30 urgent minutes: yellow at 80 % (24 min), red after the deadline; by the category's 2 work
    # hours it would still be green at 13:31.
    for at, colour in (
        (WHISTLE + timedelta(minutes=23), "green"),
        (WHISTLE + timedelta(minutes=24), "yellow"),
        (due, "yellow"),
        (due + timedelta(seconds=1), "red"),
    ):
        clock.set(at)
        assert _board_colours(client, auth, city, case_id) == {(colour, "green")}, at
    clock.set(due + timedelta(minutes=1))
    overdue = client.get(f"{CONSOLE}/overdue", headers=desk).json()
    ours = {(o["clock"], o["deadline"]) for o in overdue if o["case_id"] == case_id}
    assert ours == {("check_in", "2026-11-16T05:30:00Z")}
    window = {
        "since": (due - timedelta(minutes=1)).isoformat(),
        "until": (due + timedelta(minutes=1)).isoformat(),
    }
    red = client.get(f"{CONSOLE}/turned-red", params=window, headers=desk).json()
    assert {(r["clock"], r["case_id"]) for r in red} == {("check_in", case_id)}
    # Four urgent hours of handling: red after 17:00 although the category would allow three days.
    clock.set(WHISTLE + timedelta(hours=4, seconds=1))
    assert _board_colours(client, auth, city, case_id) == {("red", "red")}


def test_the_score_judges_the_unit_by_the_limits_set_by_hand(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth, db: Session, clock: Clock
) -> None:
    case_id = _filed(client, city, make_report, auth)
    made = _whistle(client, city, case_id, auth, check_in_limit=CHECK_IN).json()
    police = next(d for d in made if d["unit_id"] == str(city.unit("police")))
    # 45 minutes after the whistle: within the category's 2 work hours, but late by the 30 minutes set.
    clock.set(WHISTLE + timedelta(minutes=45))
    client.post(
        f"/api/v1/department/dispatches/{police['id']}/check-in",
        **on_site(),
        headers=auth(city.users["police"]),
    )
    client.post(
        f"/api/v1/department/dispatches/{police['id']}/send-back", json={"reason": "非本单位职责"},
        headers=auth(city.users["police"]),
    )  # fmt: skip
    score = db.scalars(select(Evaluation).where(Evaluation.dispatch_id == uuid.UUID(police["id"]))).one()
    assert [d["rule"] for d in score.breakdown] == ["late_check_in"] and score.score == Decimal(90)


def test_reassignment_may_set_the_new_units_limits(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth, clock: Clock
) -> None:
    case_id = _filed(client, city, make_report, auth)
    made = _whistle(client, city, case_id, auth).json()
    police = next(d for d in made if d["unit_id"] == str(city.unit("police")))
    moved = client.post(
        f"{CONSOLE}/dispatches/{police['id']}/reassign",
        json={
            "unit_id": str(city.unit("police_other")),
            "reason": "改由江南派出所",
            "check_in_limit": CHECK_IN,
        },
        headers=auth(city.users["dispatcher"]),
    )
    assert moved.status_code == 201, moved.text
    assert moved.json()["dispatch"]["check_in_limit"] == {**CHECK_IN, "custom": True}
    assert moved.json()["dispatch"]["handling_limit"]["custom"] is False


def test_the_live_feed_turns_a_limit_set_by_hand_red(live_server: str, fresh_session: Session) -> None:
    """15 urgent minutes set by hand (the category gives 2 work hours): `red` arrives at that deadline."""
    db = fresh_session
    units = seed_geography(db)
    people = make_people(db, units)
    token = accounts.issue_token(
        session=db, user=people["dispatcher"], settings=SecuritySettings(secret_key=TEST_SECRET)
    ).token
    report_id = insert_report(db, reporter=people["desheng_worker"], category=SIGNBOARD)
    case = cases.file_report(session=db, report_id=report_id, by=people["dispatcher"])
    db.commit()
    feed = Feed(
        f"{live_server}/api/v1/console/feed?heartbeat_s=5&red_check_s=0.3",
        {"Authorization": f"Bearer {token}"},
    )
    try:
        assert feed.next_event("comment") == "connected"
        whistled_at = datetime.now(UTC) - timedelta(minutes=15) + timedelta(seconds=1)
        (dispatch,) = cases.dispatch_case(
            session=db, case_id=case.id, unit_ids=[units["market"]], by=people["dispatcher"], at=whistled_at,
            limits=cases.WhistleLimits(check_in=Limit(Decimal("0.25"), LimitUnit.URGENT_HOURS)),
        )  # fmt: skip
        db.commit()
        assert dispatch.check_in_custom and not dispatch.handling_custom
        red = feed.next_event("red")
        assert (red["dispatch_id"], red["clock"]) == (str(dispatch.id), "check_in")
        assert datetime.fromisoformat(red["deadline"]) == whistled_at + timedelta(minutes=15)
    finally:
        feed.close()
