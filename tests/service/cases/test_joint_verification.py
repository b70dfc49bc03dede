"""One verification for a joint case (核查): the 正阳社区 wiring case handled by the power company,
emergency management and the fire brigade. The grid worker gets ONE task once every unit's result is
in, records each unit's outcome on site, and a failed unit reworks alone.

Also: the migration of the per-dispatch tasks that were open before one task covered a case.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from alembic import command
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from service.cases.models import Evaluation
from service.db import admin
from service.db.migrate import MIGRATIONS_DIR, alembic_config
from service.photos.models import Photo
from tests.service.cases.conftest import (
    WIRING,
    ZHENGYANG,
    ZHENGYANG_POINT,
    Auth,
    City,
    Clock,
    ReportFactory,
    site_photo,
)
from tests.support import databases
from tests.support.field import on_site

WHISTLE = datetime(2026, 11, 16, 5, 0, tzinfo=UTC)  # Monday 13:00 in Jilin
UNITS = ("power", "emergency", "fire")
TASKS = "/api/v1/verification/tasks"


def _joint_case(client: TestClient, city: City, make_report: ReportFactory, auth: Auth) -> dict[str, Any]:
    report = make_report(
        reporter=city.users["zhengyang_worker"], category=WIRING, place=ZHENGYANG, point=ZHENGYANG_POINT
    )
    desk = auth(city.users["dispatcher"])
    case = client.post(f"/api/v1/console/triage/{report}/file", json={}, headers=desk).json()
    made = client.post(
        f"/api/v1/console/cases/{case['id']}/dispatch",
        json={"unit_ids": [str(city.unit(u)) for u in UNITS]},
        headers=desk,
    ).json()
    by_unit = {d["unit_id"]: d["id"] for d in made}
    return {"case": case["id"], **{u: by_unit[str(city.unit(u))] for u in UNITS}}


def _result(client: TestClient, auth: Auth, officer: Any, dispatch_id: str, *, check_in: bool = True) -> str:
    headers = auth(officer)
    if check_in:
        client.post(f"/api/v1/department/dispatches/{dispatch_id}/check-in", **on_site(), headers=headers)
    answer = client.post(
        f"/api/v1/department/dispatches/{dispatch_id}/result", data={"note": "已拆除私接电线"},
        files=site_photo(), headers=headers,
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    return str(answer.json()["state"])


def _decide(
    client: TestClient, headers: dict[str, str], task_id: str, outcomes: list[dict[str, Any]], **kw: Any
) -> Any:
    return client.post(
        f"{TASKS}/{task_id}/decision",
        data={"note": kw.get("note", ""), "outcomes": json.dumps(outcomes)},
        files=kw.get("files", site_photo()),
        headers=headers,
    )


def _state(client: TestClient, auth: Auth, city: City, case_id: str) -> dict[str, Any]:
    return dict(client.get(f"/api/v1/console/cases/{case_id}", headers=auth(city.users["dispatcher"])).json())


def test_one_visit_verifies_every_unit_and_closes_a_three_unit_case(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth, db: Session, clock: Clock
) -> None:
    worker = auth(city.users["zhengyang_worker"])
    c = _joint_case(client, city, make_report, auth)
    clock.set(WHISTLE + timedelta(minutes=30))
    # The first two results wait: no task while the fire brigade is still at work.
    assert [_result(client, auth, city.users[u], c[u]) for u in ("power", "emergency")] == [
        "handled",
        "handled",
    ]
    assert client.get(TASKS, headers=worker).json() == []
    assert _state(client, auth, city, c["case"])["case"]["state"] == "dispatched"  # the least advanced unit
    clock.set(WHISTLE + timedelta(minutes=50))
    assert _result(client, auth, city.users["fire"], c["fire"]) == "verifying"

    [task] = client.get(TASKS, headers=worker).json()
    assert [i["unit_name"] for i in task["items"]] == [
        "国网舒兰市供电公司",
        "舒兰市应急管理局",
        "舒兰市消防救援大队",
    ]
    assert all(i["outcome"] == "pending" and len(i["result_photos"]) == 1 for i in task["items"])
    assert task["dispatch"]["id"] == task["items"][0]["dispatch"]["id"] and len(task["result_photos"]) == 3

    clock.set(WHISTLE + timedelta(hours=2))
    photos_before = db.scalar(select(func.count()).select_from(Photo)) or 0
    decided = _decide(
        client,
        worker,
        task["id"],
        [{"dispatch_id": c[u], "passed": True} for u in UNITS],
        note="电线已全部拆除",
    )
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert body["state"] == "passed" and body["note"] == "电线已全部拆除" and len(body["photos"]) == 1
    assert [i["outcome"] for i in body["items"]] == ["passed"] * 3
    assert db.scalar(select(func.count()).select_from(Photo)) == photos_before + 1  # one photo, one visit

    detail = _state(client, auth, city, c["case"])
    assert detail["case"]["state"] == "closed" and detail["case"]["closed_at"] == "2026-11-16T07:00:00Z"
    assert {d["state"] for d in detail["dispatches"]} == {"closed"}
    # Each unit's verification row names the one visit; the visit's photo shows under every unit.
    assert len({v["id"] for v in detail["verifications"]}) == 1 and len(detail["verifications"]) == 3
    shown = [p["dispatch_id"] for p in detail["dispatch_photos"] if p["kind"] == "verification"]
    assert sorted(shown) == sorted(c[u] for u in UNITS)
    # Every unit is scored on its own result.
    db.expire_all()
    scores = db.scalars(
        select(Evaluation).where(Evaluation.dispatch_id.in_([uuid.UUID(c[u]) for u in UNITS]))
    )
    assert sorted((e.reason, e.score) for e in scores) == [("closed", Decimal(100))] * 3
    assert client.get(TASKS, headers=worker).json() == []


def test_a_failed_unit_reworks_alone_and_the_others_are_done(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth, db: Session, clock: Clock
) -> None:
    worker = auth(city.users["zhengyang_worker"])
    c = _joint_case(client, city, make_report, auth)
    clock.set(WHISTLE + timedelta(minutes=30))
    for unit in UNITS:
        _result(client, auth, city.users[unit], c[unit])
    [task] = client.get(TASKS, headers=worker).json()
    clock.set(WHISTLE + timedelta(hours=1))
    outcomes = [
        {"dispatch_id": c["power"], "passed": True},
        {"dispatch_id": c["emergency"], "passed": False, "reason": "楼道内仍有一处私接"},
        {"dispatch_id": c["fire"], "passed": True},
    ]
    decided = _decide(client, worker, task["id"], outcomes)
    assert decided.status_code == 200, decided.text
    assert decided.json()["state"] == "failed"
    assert {i["unit_name"]: (i["outcome"], i["reason"]) for i in decided.json()["items"]} == {
        "国网舒兰市供电公司": ("passed", None),
        "舒兰市应急管理局": ("failed", "楼道内仍有一处私接"),
        "舒兰市消防救援大队": ("passed", None),
    }
    detail = _state(client, auth, city, c["case"])
    states = {d["id"]: (d["state"], d["rework_count"]) for d in detail["dispatches"]}
    assert states == {c["power"]: ("closed", 0), c["emergency"]: ("checked_in", 1), c["fire"]: ("closed", 0)}
    assert detail["case"]["state"] == "checked_in"
    # The unit that failed sees why; it handles it again, and the next visit covers it alone.
    mine = client.get(
        f"/api/v1/department/dispatches/{c['emergency']}", headers=auth(city.users["emergency"])
    ).json()
    assert [(v["state"], v["note"]) for v in mine["verifications"]] == [("failed", "楼道内仍有一处私接")]
    clock.set(WHISTLE + timedelta(hours=2))
    assert _result(client, auth, city.users["emergency"], c["emergency"], check_in=False) == "verifying"
    [again] = client.get(TASKS, headers=worker).json()
    assert again["id"] != task["id"] and [i["unit_name"] for i in again["items"]] == ["舒兰市应急管理局"]
    assert (
        _decide(client, worker, again["id"], [{"dispatch_id": c["emergency"], "passed": True}]).status_code
        == 200
    )
    assert _state(client, auth, city, c["case"])["case"]["state"] == "closed"
    db.expire_all()
    rework = db.scalars(select(Evaluation).where(Evaluation.dispatch_id == uuid.UUID(c["emergency"]))).one()
    assert [d["rule"] for d in rework.breakdown] == ["rework"] and rework.score == Decimal(90)


def test_a_decision_that_will_be_refused_stores_nothing(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth, db: Session, clock: Clock
) -> None:
    worker = auth(city.users["zhengyang_worker"])
    c = _joint_case(client, city, make_report, auth)
    for unit in UNITS:
        _result(client, auth, city.users[unit], c[unit])
    [task] = client.get(TASKS, headers=worker).json()
    every = [{"dispatch_id": c[u], "passed": True} for u in UNITS]
    photos_before = db.scalar(select(func.count()).select_from(Photo))
    refused = {
        "one unit missing": (worker, task["id"], every[:2], 422, "每个待核查的单位"),
        "a stranger's dispatch": (worker, task["id"], [*every, {"dispatch_id": str(uuid.uuid4()), "passed": True}], 422, "每个待核查的单位"),
        "fail without a reason": (worker, task["id"], [*every[:2], {"dispatch_id": c["fire"], "passed": False}], 422, "须说明原因"),
        "the same unit twice": (worker, task["id"], [*every, every[0]], 422, "只能给出一个结论"),
        "another grid worker": (auth(city.users["other_worker"]), task["id"], every, 403, "another grid worker"),
        "no such task": (worker, str(uuid.uuid4()), every, 404, "does not exist"),
    }  # fmt: skip
    for name, (headers, task_id, outcomes, status, message) in refused.items():
        answer = _decide(client, headers, task_id, outcomes)
        assert answer.status_code == status, (name, answer.text)
        assert message in answer.json()["error"]["message"], name
    not_json = client.post(
        f"{TASKS}/{task['id']}/decision", data={"outcomes": "通过"}, files=site_photo(), headers=worker
    )
    assert not_json.status_code == 422
    assert db.scalar(select(func.count()).select_from(Photo)) == photos_before
    assert _decide(client, worker, task["id"], every).status_code == 200
    done = _decide(client, worker, task["id"], every)
    assert done.status_code == 409 and done.json()["error"]["details"]["state"] == "passed"


def test_one_unit_at_a_time_leaves_the_others_pending_and_a_late_joiner_joins_the_open_task(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth, db: Session, clock: Clock
) -> None:
    worker = auth(city.users["zhengyang_worker"])
    c = _joint_case(client, city, make_report, auth)
    for unit in ("power", "emergency"):
        _result(client, auth, city.users[unit], c[unit])
    # The fire brigade is withdrawn (not needed after all): the two results are verified.
    withdrawn = client.post(
        f"/api/v1/console/dispatches/{c['fire']}/withdraw", json={"reason": "无需消防到场"},
        headers=auth(city.users["dispatcher"]),
    )  # fmt: skip
    assert withdrawn.status_code == 200
    [task] = client.get(TASKS, headers=worker).json()
    assert len(task["items"]) == 2
    # Deciding one unit with the per-dispatch form: the other stays pending in the same task.
    one = client.post(
        f"/api/v1/verification/dispatches/{c['power']}/pass", data={"note": "供电已规范"}, files=site_photo(),
        headers=worker,
    )  # fmt: skip
    assert one.status_code == 200 and one.json()["state"] == "closed"
    [task] = client.get(TASKS, headers=worker).json()
    assert {i["unit_name"]: i["outcome"] for i in task["items"]} == {
        "国网舒兰市供电公司": "passed",
        "舒兰市应急管理局": "pending",
    }
    # Another department whistled while the visit is open: its result joins the same task.
    desk = auth(city.users["dispatcher"])
    added = client.post(
        f"/api/v1/console/cases/{c['case']}/dispatch", json={"unit_ids": [str(city.unit("beicheng_team"))]},
        headers=desk,
    )  # fmt: skip
    assert added.status_code == 201, added.text
    team = added.json()[0]["id"]
    _result(client, auth, city.users["beicheng_team"], team)
    [task] = client.get(TASKS, headers=worker).json()
    assert [i["outcome"] for i in task["items"]].count("pending") == 2
    both = _decide(
        client,
        worker,
        task["id"],
        [{"dispatch_id": c["emergency"], "passed": True}, {"dispatch_id": team, "passed": True}],
    )
    assert both.status_code == 200 and both.json()["state"] == "passed"
    assert _state(client, auth, city, c["case"])["case"]["state"] == "closed"


def test_flags_judge_the_visits_photos_against_the_latest_result(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth, clock: Clock
) -> None:
    worker = auth(city.users["zhengyang_worker"])
    c = _joint_case(client, city, make_report, auth)
    for unit in UNITS:
        _result(client, auth, city.users[unit], c[unit])
    [task] = client.get(TASKS, headers=worker).json()
    old_photo = site_photo("DSCN0010.jpg")  # taken in Italy in 2008
    decided = _decide(
        client, worker, task["id"], [{"dispatch_id": c[u], "passed": True} for u in UNITS], files=old_photo
    )
    assert decided.status_code == 200
    assert {f["code"] for f in decided.json()["flags"]} == {"photo_before_result", "photo_far_from_case"}
    flags = {
        v["dispatch_id"]: {f["code"] for f in v["flags"]}
        for v in _state(client, auth, city, c["case"])["verifications"]
    }
    assert flags == {c[u]: {"photo_before_result", "photo_far_from_case"} for u in UNITS}


def test_the_migration_gathers_a_cases_open_tasks_into_one() -> None:
    """Per-dispatch tasks before 0015_joint_workflow: a case's two open tasks become one task with both
    dispatches; a decided task keeps its outcome as its one item."""
    url = databases.database_url(databases.unique_name("whistle_tasks"))
    admin.create_database(url)
    admin.enable_postgis(url)
    config = alembic_config(url)
    before = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision("0015_joint_workflow").down_revision
    assert isinstance(before, str)
    engine = create_engine(url)
    try:
        command.upgrade(config, before)
        ids = {
            k: uuid.uuid4() for k in ("user", "report", "case", "d1", "d2", "d3", "t1", "t2", "t3", "unit")
        }
        with engine.begin() as conn:
            for statement in filter(None, _OLD_ROWS.split(";")):
                conn.execute(text(statement), {k: str(v) for k, v in ids.items() if f":{k}" in statement})
        command.upgrade(config, "0015_joint_workflow")
        with engine.connect() as conn:
            tasks: dict[uuid.UUID, str] = dict(
                conn.execute(text("SELECT id, state FROM verification_tasks")).all()
            )
            items = sorted(
                (str(t), str(d), o)
                for t, d, o in conn.execute(
                    text("SELECT task_id, dispatch_id, outcome FROM verification_items")
                )
            )
        s = {k: str(v) for k, v in ids.items()}
        assert tasks == {ids["t1"]: "open", ids["t2"]: "cancelled", ids["t3"]: "passed"}
        assert items == sorted(
            [
                (s["t1"], s["d1"], "pending"),
                (s["t1"], s["d2"], "pending"),
                (s["t2"], s["d2"], "cancelled"),
                (s["t3"], s["d3"], "passed"),
            ]
        )
        # And back (lossy for a joint task: it keeps one of its dispatches).
        command.downgrade(config, before)
        with engine.connect() as conn:
            back: dict[uuid.UUID, uuid.UUID] = dict(
                conn.execute(text("SELECT id, dispatch_id FROM verification_tasks")).all()
            )
        assert back[ids["t1"]] in (ids["d1"], ids["d2"])
        assert (back[ids["t2"]], back[ids["t3"]]) == (ids["d2"], ids["d3"])
    finally:
        engine.dispose()
        admin.drop_database(url)


_DISPATCH = (
    "INSERT INTO dispatches (id, case_id, unit_id, role, state, dispatched_at, note, check_in_amount, "
    "check_in_unit, handling_amount, handling_unit, check_in_deadline, handling_deadline, check_in_yellow_at, "
    "handling_yellow_at, result_photo_count, extensions, rework_count) VALUES (:{d}, :case, :unit, 'joint', "
    "'{state}', now(), '', 1, 'urgent_hours', 1, 'work_days', now(), now(), now(), now(), 0, '[]', 0);"
)
_OLD_ROWS = (
    "INSERT INTO users (id, username, password_hash, role, display_name, is_active) "
    "VALUES (:user, 'old-worker', 'x', 'grid_worker', '网格员', true);"
    "INSERT INTO department_kinds (code, name, enforcement, sort) VALUES ('old_kind', '旧', true, 1);"
    "INSERT INTO department_units (id, code, name, short_name, kind_code, level, is_street_team, is_demo, active) "
    "VALUES (:unit, 'OLD-1', '旧单位', '旧单位', 'old_kind', 'city', false, false, true);"
    "INSERT INTO categories (code, major_code, major_name, minor_code, name, primary_kind, joint_kinds, "
    "on_street_list, report_in_amount, report_in_unit, handling_amount, handling_unit, note, sort) "
    "VALUES ('9901', '99', '旧', '01', '旧类别', 'old_kind', '{}', false, 1, 'urgent_hours', 1, 'work_days', '', 1);"
    "INSERT INTO reports (id, reporter_id, category_code, text, created_at, lon, lat, geom, datum, accuracy_m, "
    "location_source, routing_status, routing, flags, request_hash) VALUES (:report, :user, '9901', '', now(), "
    "126.9, 44.4, ST_SetSRID(ST_MakePoint(126.9, 44.4), 4326), 'wgs84', 8, 'device', 'routed', '{}', '{}', 'h');"
    "INSERT INTO cases (id, state, category_code, primary_report_id, note, created_at, updated_at) "
    "VALUES (:case, 'verifying', '9901', :report, '', now(), now());"
    + _DISPATCH.format(d="d1", state="verifying")
    + _DISPATCH.format(d="d2", state="verifying")
    + _DISPATCH.format(d="d3", state="closed")
    + "INSERT INTO verification_tasks (id, dispatch_id, case_id, assignee_id, state, created_at, photo_count, "
    "flags, flag_notes) VALUES "
    "(:t1, :d1, :case, :user, 'open', now() - interval '2 hours', 0, '{}', '{}'), "
    "(:t2, :d2, :case, :user, 'open', now() - interval '1 hour', 0, '{}', '{}'), "
    "(:t3, :d3, :case, :user, 'passed', now() - interval '3 hours', 0, '{}', '{}');"
)
