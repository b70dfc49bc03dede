"""指派核查: when nobody verifies a result automatically, the desk picks a grid worker from a short list."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from service.accounts.models import Role
from service.cases import service as cases
from tests.service.cases.conftest import DESHENG, Auth, City, ReportFactory
from tests.support.rolled_back import UserFactory

# Another grid of 德胜's first community in the demo city (the test city's own grid is 220204001001991).
NEIGHBOUR_GRID = "220204001001002"


def test_the_list_puts_the_responsible_grid_first_then_the_community_then_the_reporter(
    client: TestClient,
    db: Session,
    city: City,
    make_report: ReportFactory,
    auth: Auth,
    make_user: UserFactory,
) -> None:
    neighbour = make_user(Role.grid_worker, display_name="邻格网格员")
    retired = make_user(Role.grid_worker, display_name="已停用网格员")
    retired.is_active = False
    for worker in (neighbour, retired):
        db.execute(
            text("INSERT INTO grid_assignments (user_id, grid_code) VALUES (:u, :g)"),
            {"u": worker.id, "g": NEIGHBOUR_GRID},
        )
    report = make_report(reporter=city.users["other_worker"])
    case = cases.file_report(session=db, report_id=report, by=city.users["dispatcher"])
    db.commit()

    answer = client.get(f"/api/v1/console/cases/{case.id}/verifiers", headers=auth(city.users["dispatcher"]))
    assert answer.status_code == 200, answer.text
    assert [(v["display_name"], v["why"]) for v in answer.json()] == [
        ("德胜网格员", "responsible_grid"),
        ("邻格网格员", "same_community"),
        ("其他网格员", "reporter"),
    ]
    assert case.grid_code == DESHENG["grid"]


def test_a_handled_dispatch_nobody_verifies_is_assigned_by_hand(
    client: TestClient, db: Session, city: City, make_report: ReportFactory, auth: Auth
) -> None:
    # The grid has nobody, and a courier reported it: the result waits in `handled`.
    db.execute(text("DELETE FROM grid_assignments WHERE grid_code = :g"), {"g": DESHENG["grid"]})
    report = make_report(reporter=city.users["courier"])
    desk = city.users["dispatcher"]
    case = cases.file_report(session=db, report_id=report, by=desk)
    [dispatch] = cases.dispatch_case(session=db, case_id=case.id, unit_ids=[city.unit("market")], by=desk)
    cases.check_in(session=db, dispatch_id=dispatch.id, user=city.users["market"])
    cases.submit_result(session=db, dispatch_id=dispatch.id, user=city.users["market"], note="已拆除")
    db.commit()
    assert dispatch.state == "handled"
    headers = auth(desk)
    assert client.get(f"/api/v1/console/cases/{case.id}/verifiers", headers=headers).json() == []

    worker = city.users["other_worker"]
    assigned = client.post(
        f"/api/v1/console/dispatches/{dispatch.id}/verification",
        json={"assignee_id": str(worker.id)},
        headers=headers,
    )
    assert assigned.status_code == 201, assigned.text
    assert assigned.json()["dispatch"]["state"] == "verifying"
    tasks = client.get("/api/v1/verification/tasks", headers=auth(worker)).json()
    assert [t["dispatch"]["id"] for t in tasks] == [str(dispatch.id)]
