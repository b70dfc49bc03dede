"""Supervision (督办) over HTTP: the console puts a case under a supervising office; every list and detail
the console and the units see marks it (with the office, deadline and whether it is overdue), and so do
the board and the staff map; the supervising office reads its own cases' progress and nothing else."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from geo.tiles import tile_of
from service.accounts.models import Role, User
from service.audit.models import AuditEvent
from service.cases import service as cases
from service.cases.models import Case
from service.cases.supervising import overdue_sql
from service.supervision.models import CaseSupervision
from tests.service.cases.conftest import DESHENG_POINT, SIGNBOARD, Auth, City, ReportFactory
from tests.support.rolled_back import UserFactory

TONGZHAN, ZUZHI = "cy-tongzhan", "jl-zuzhi"


def office_id(db: Session, code: str) -> uuid.UUID:
    found = db.scalar(text("SELECT id FROM supervising_offices WHERE code = :c"), {"c": code})
    assert found is not None, f"the demo seeds the office {code}"
    return uuid.UUID(str(found))


def filed_case(client: TestClient, auth: Auth, city: City, make_report: ReportFactory, **kw: Any) -> str:
    report_id = make_report(**kw)
    answer = client.post(
        f"/api/v1/console/triage/{report_id}/file", headers=auth(city.users["dispatcher"]), json={}
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def supervise(
    client: TestClient,
    auth: Auth,
    city: City,
    case_id: str,
    office: uuid.UUID,
    deadline: datetime,
    note: str = "",
) -> Any:
    return client.post(
        f"/api/v1/console/cases/{case_id}/supervision",
        headers=auth(city.users["dispatcher"]),
        json={"office_id": str(office), "deadline": deadline.isoformat(), "note": note},
    )


@pytest.fixture
def supervisor(db: Session, make_user: UserFactory) -> User:
    return make_user(Role.supervisor, office_id=office_id(db, TONGZHAN), display_name="统战部督办员")


def test_a_supervised_case_is_marked_in_every_list_and_detail(
    client: TestClient, db: Session, auth: Auth, city: City, make_report: ReportFactory
) -> None:
    desk = auth(city.users["dispatcher"])
    case_id = filed_case(client, auth, city, make_report, category=SIGNBOARD)
    plain_id = filed_case(client, auth, city, make_report, category=SIGNBOARD)
    deadline = datetime.now(UTC) + timedelta(days=3)

    answer = supervise(client, auth, city, case_id, office_id(db, TONGZHAN), deadline, "限三日内整改牌匾")
    assert answer.status_code == 200, answer.text
    supervision = answer.json()["supervision"]
    assert supervision["office_name"] == "船营区委统战部" and supervision["office_code"] == TONGZHAN
    assert supervision["note"] == "限三日内整改牌匾" and supervision["overdue"] is False
    assert supervision["deadline"].endswith("Z")
    assert datetime.fromisoformat(supervision["deadline"]) == deadline.replace(
        microsecond=deadline.microsecond
    )

    # The case log and the audit log carry it.
    detail = client.get(f"/api/v1/console/cases/{case_id}", headers=desk).json()
    assert detail["case"]["supervision"]["office_name"] == "船营区委统战部"
    (event,) = [e for e in detail["events"] if e["action"] == "supervise"]
    assert event["detail"]["office_name"] == "船营区委统战部" and event["note"] == "限三日内整改牌匾"
    audited = db.scalar(
        select(func.count()).where(AuditEvent.action == "case.supervise", AuditEvent.subject_id == case_id)
    )
    assert audited == 1

    # The console's list, filtered both ways; the unsupervised case says so.
    listed = {c["id"]: c for c in client.get("/api/v1/console/cases?limit=500", headers=desk).json()}
    assert listed[case_id]["supervision"]["office_code"] == TONGZHAN
    assert listed[plain_id]["supervision"] is None
    only = client.get("/api/v1/console/cases?supervised=true&limit=500", headers=desk).json()
    assert case_id in {c["id"] for c in only} and plain_id not in {c["id"] for c in only}
    others = client.get("/api/v1/console/cases?supervised=false&limit=500", headers=desk).json()
    assert plain_id in {c["id"] for c in others} and case_id not in {c["id"] for c in others}

    # Whistled: the board and the unit's own list mark it too.
    units = [str(city.unit("market")), str(city.unit("police"))]
    whistled = client.post(
        f"/api/v1/console/cases/{case_id}/dispatch", headers=desk, json={"unit_ids": units}
    )
    assert whistled.status_code == 201, whistled.text
    board = client.get("/api/v1/console/board?limit=500", headers=desk).json()
    rows = [r for r in board if r["case_id"] == case_id]
    assert len(rows) == 2 and all(r["supervised"] for r in rows)
    mine = client.get("/api/v1/department/dispatches", headers=auth(city.users["police"])).json()
    (row,) = [d for d in mine if d["case_id"] == case_id]
    assert row["case_supervision"]["office_name"] == "船营区委统战部"
    unit_detail = client.get(f"/api/v1/department/dispatches/{row['id']}", headers=auth(city.users["police"]))
    assert unit_detail.json()["case"]["supervision"]["office_code"] == TONGZHAN

    # The staff map: the report's feature says it is supervised.
    x, y = tile_of(*DESHENG_POINT, 16)
    tile = client.get(f"/tiles/reports/16/{x}/{y}.mvt", headers=desk)
    assert tile.status_code == 200
    features = [f for layer in mapbox_vector_tile.decode(tile.content).values() for f in layer["features"]]
    primary = detail["case"]["primary_report_id"]
    flagged = {f["properties"]["id"]: f["properties"]["supervised"] for f in features}
    assert flagged[primary] is True
    tilejson = client.get("/tiles/reports.json", headers=desk).json()
    assert "supervised" in tilejson["vector_layers"][0]["fields"]


def test_supervision_can_be_changed_and_is_refused_for_bad_input(
    client: TestClient, db: Session, auth: Auth, city: City, make_report: ReportFactory
) -> None:
    case_id = filed_case(client, auth, city, make_report)
    soon = datetime.now(UTC) + timedelta(days=1)
    assert supervise(client, auth, city, case_id, office_id(db, TONGZHAN), soon).status_code == 200
    later = soon + timedelta(days=5)
    changed = supervise(client, auth, city, case_id, office_id(db, ZUZHI), later)
    assert changed.status_code == 200 and changed.json()["supervision"]["office_name"] == "吉林市委组织部"
    log = client.get(f"/api/v1/console/cases/{case_id}", headers=auth(city.users["dispatcher"])).json()[
        "events"
    ]
    moves = [e for e in log if e["action"] == "supervise"]
    assert len(moves) == 2 and moves[1]["detail"]["previous_office_id"] == str(office_id(db, TONGZHAN))

    past = supervise(
        client, auth, city, case_id, office_id(db, ZUZHI), datetime.now(UTC) - timedelta(hours=1)
    )
    assert past.status_code == 422 and "督办时限" in past.json()["error"]["message"]
    far = supervise(
        client, auth, city, case_id, office_id(db, ZUZHI), datetime.now(UTC) + timedelta(days=400)
    )
    assert far.status_code == 422
    unknown = supervise(client, auth, city, case_id, uuid.uuid4(), later)
    assert unknown.status_code == 422 and "督办单位" in unknown.json()["error"]["message"]
    naive = client.post(
        f"/api/v1/console/cases/{case_id}/supervision",
        headers=auth(city.users["dispatcher"]),
        json={"office_id": str(office_id(db, ZUZHI)), "deadline": "2030-01-01T09:00:00"},
    )
    assert naive.status_code == 422
    extra = client.post(
        f"/api/v1/console/cases/{case_id}/supervision",
        headers=auth(city.users["dispatcher"]),
        json={"office_id": str(office_id(db, ZUZHI)), "deadline": later.isoformat(), "office_name": "x"},
    )
    assert extra.status_code == 422
    assert supervise(client, auth, city, str(uuid.uuid4()), office_id(db, ZUZHI), later).status_code == 404

    # A voided case takes no supervision (409, naming its state).
    voided = client.post(
        f"/api/v1/console/cases/{case_id}/void",
        headers=auth(city.users["dispatcher"]),
        json={"reason": "重复"},
    )
    assert voided.status_code == 200
    refused = supervise(client, auth, city, case_id, office_id(db, ZUZHI), later)
    assert refused.status_code == 409 and refused.json()["error"]["details"]["state"] == "voided"


def test_overdue_before_at_and_after_the_deadline(
    db: Session, city: City, make_report: ReportFactory
) -> None:
    """The rule in Python (answers) and in SQL (the filter) agree, with the clock injected."""
    filed_at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    report_id = make_report()
    case = cases.file_report(session=db, report_id=report_id, by=city.users["dispatcher"], at=filed_at)
    deadline = filed_at + timedelta(days=2)
    cases.supervise_case(
        session=db, case_id=case.id, office_id=office_id(db, TONGZHAN), deadline=deadline,
        by=city.users["dispatcher"], at=filed_at,
    )  # fmt: skip
    db.flush()

    def both(now: datetime) -> tuple[bool, bool]:
        db.refresh(case)
        view = cases.supervision_of(case, now)
        assert view is not None
        in_sql = db.scalar(
            select(overdue_sql(now)).select_from(Case).join(CaseSupervision).where(Case.id == case.id)
        )
        return view.overdue, bool(in_sql)

    assert both(deadline - timedelta(seconds=1)) == (False, False)
    assert both(deadline) == (False, False)  # at the deadline: not yet
    assert both(deadline + timedelta(microseconds=1)) == (True, True)
    office = office_id(db, TONGZHAN)
    late = cases.list_supervised(
        session=db, office_id=office, overdue=True, now=deadline + timedelta(hours=1)
    )
    early = cases.list_supervised(
        session=db, office_id=office, overdue=False, now=deadline - timedelta(hours=1)
    )
    assert case.id in {c.id for c in late} and case.id in {c.id for c in early}

    # Closed in time: never overdue afterwards; closed late: stays overdue; voided: never.
    db.execute(
        text("UPDATE cases SET state = 'closed', closed_at = :at WHERE id = :id"),
        {"at": deadline - timedelta(hours=1), "id": case.id},
    )
    assert both(deadline + timedelta(days=30)) == (False, False)
    db.execute(
        text("UPDATE cases SET closed_at = :at WHERE id = :id"),
        {"at": deadline + timedelta(hours=1), "id": case.id},
    )
    assert both(deadline + timedelta(days=30)) == (True, True)
    db.execute(text("UPDATE cases SET state = 'voided', closed_at = NULL WHERE id = :id"), {"id": case.id})
    assert both(deadline + timedelta(days=30)) == (False, False)


def test_the_supervising_office_sees_its_cases_and_nothing_else(
    client: TestClient,
    db: Session,
    auth: Auth,
    city: City,
    make_report: ReportFactory,
    supervisor: User,
) -> None:
    ours = filed_case(client, auth, city, make_report, text_="某餐厅牌匾标识文字需整改")
    theirs = filed_case(client, auth, city, make_report)
    unsupervised = filed_case(client, auth, city, make_report)
    soon = datetime.now(UTC) + timedelta(days=2)
    assert supervise(client, auth, city, ours, office_id(db, TONGZHAN), soon).status_code == 200
    assert supervise(client, auth, city, theirs, office_id(db, ZUZHI), soon).status_code == 200
    desk = auth(city.users["dispatcher"])
    whistled = client.post(
        f"/api/v1/console/cases/{ours}/dispatch", headers=desk,
        json={"unit_ids": [str(city.unit("market")), str(city.unit("police"))]},
    )  # fmt: skip
    assert whistled.status_code == 201
    office = auth(supervisor)

    listed = client.get("/api/v1/supervision/cases", headers=office)
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()] == [ours]
    (row,) = listed.json()
    assert row["supervision"]["office_name"] == "船营区委统战部" and row["lon"] == pytest.approx(
        DESHENG_POINT[0]
    )
    assert row["state"] == "dispatched"

    detail = client.get(f"/api/v1/supervision/cases/{ours}", headers=office)
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["description"] == "某餐厅牌匾标识文字需整改"
    assert {d["unit_name"] for d in body["dispatches"]} == {"市市场监督管理局", "北京路派出所"}
    assert all(
        d["check_in_colour"] == "green" and d["handling_colour"] == "green" for d in body["dispatches"]
    )
    assert [e["action"] for e in body["events"]][:3] == ["file", "supervise", "dispatch"]
    assert "caller" not in body

    for other in (theirs, unsupervised, str(uuid.uuid4())):
        assert client.get(f"/api/v1/supervision/cases/{other}", headers=office).status_code == 404
    # Filters: by state, by overdue (nothing is past its deadline yet).
    assert client.get("/api/v1/supervision/cases?state=closed", headers=office).json() == []
    assert client.get("/api/v1/supervision/cases?overdue=true", headers=office).json() == []
    assert [
        c["id"] for c in client.get("/api/v1/supervision/cases?overdue=false", headers=office).json()
    ] == [ours]
    # The rest of the house is closed to it (the permission matrix checks every route).
    for path in (
        "/api/v1/console/cases",
        f"/api/v1/console/cases/{ours}",
        "/api/v1/units",
        "/api/v1/companies",
    ):
        assert client.get(path, headers=office).status_code == 403, path
    # And the command center is not a supervising office.
    assert client.get("/api/v1/supervision/cases", headers=desk).status_code == 403


def test_the_office_list_is_kept_by_admins(
    client: TestClient,
    db: Session,
    auth: Auth,
    city: City,
    make_report: ReportFactory,
    make_user: UserFactory,
) -> None:
    admin = auth(city.users["admin"])
    created = client.post(
        "/api/v1/admin/supervising-offices",
        headers=admin,
        json={"code": "test-ducha", "name": "测试督查室", "district_code": "220204"},
    )
    assert created.status_code == 201, created.text
    office = created.json()
    assert office["active"] is True and office["is_demo"] is False
    again = client.post(
        "/api/v1/admin/supervising-offices", headers=admin, json={"code": "test-ducha2", "name": "测试督查室"}
    )
    assert again.status_code == 409
    page = client.get("/api/v1/admin/supervising-offices?limit=2", headers=admin)
    assert page.status_code == 200 and len(page.json()) == 2 and page.headers["X-Next-Cursor"]
    everything = client.get("/api/v1/admin/supervising-offices?limit=500", headers=admin).json()
    names = {o["name"]: o for o in everything}
    assert names["船营区委统战部"]["is_demo"] is False and names["吉林市委督查室"]["is_demo"] is True
    # The console picks from the active ones.
    desk = auth(city.users["dispatcher"])
    assert "测试督查室" in {
        o["name"] for o in client.get("/api/v1/console/supervising-offices?limit=500", headers=desk).json()
    }

    off = client.post(f"/api/v1/admin/supervising-offices/{office['id']}/deactivate", headers=admin)
    assert off.status_code == 200 and off.json()["active"] is False
    assert "测试督查室" not in {
        o["name"] for o in client.get("/api/v1/console/supervising-offices?limit=500", headers=desk).json()
    }
    case_id = filed_case(client, auth, city, make_report)
    refused = supervise(
        client, auth, city, case_id, uuid.UUID(office["id"]), datetime.now(UTC) + timedelta(days=1)
    )
    assert refused.status_code == 422 and "已停用" in refused.json()["error"]["message"]
    assert (
        client.post(f"/api/v1/admin/supervising-offices/{uuid.uuid4()}/deactivate", headers=admin).status_code
        == 404
    )

    # Accounts: a supervisor needs an active office; nobody else may have one.
    def create(**kw: Any) -> Any:
        body = {"username": f"u-{uuid.uuid4().hex[:8]}", "password": "correct horse", **kw}
        return client.post("/api/v1/admin/users", headers=admin, json=body)

    assert create(role="supervisor").status_code == 422
    assert create(role="supervisor", office_id=office["id"]).status_code == 422
    assert create(role="dispatcher", office_id=str(office_id(db, TONGZHAN))).status_code == 422
    made = create(role="supervisor", office_id=str(office_id(db, TONGZHAN)))
    assert made.status_code == 201 and made.json()["office_id"] == str(office_id(db, TONGZHAN))
