"""The case workflow's lists page by key (issue 14, item 11): walking `Link: rel="next"` with a small
`limit` returns exactly what one big page returns, in the same order — cases, the unit's dispatches,
verification tasks, the SLA board (red first within a page, pages by urgency), overdue and turned-red
clocks, evaluations."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.cases import service as cases
from tests.service.cases.conftest import Auth, City, ReportFactory
from tests.support.paging import walk_pages

COLOURS = {"red": 3, "yellow": 2, "green": 1}


def walk_equals_one_page(
    client: TestClient, path: str, headers: dict[str, str], *, limit: int, big: int = 500, **params: Any
) -> list[Any]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    one = client.get(f"{path}?limit={big}&{query}", headers=headers)
    assert one.status_code == 200, one.text
    walked, pages = walk_pages(client, f"{path}?limit={limit}&{query}", headers)
    assert walked == one.json(), path
    assert pages == max(1, -(-len(walked) // limit)), path
    return walked


def test_case_lists_page_by_key(
    client: TestClient, db: Session, city: City, make_report: ReportFactory, auth: Auth
) -> None:
    dispatcher, console = city.users["dispatcher"], auth(city.users["dispatcher"])
    past = datetime.now(UTC) - timedelta(days=10)
    for i in range(5):  # whistled ten days ago and never answered: overdue, turned red, no-shows
        at = past + timedelta(minutes=i)
        case = cases.file_report(session=db, report_id=make_report(), by=dispatcher, at=at)
        cases.dispatch_case(session=db, case_id=case.id, unit_ids=[city.unit("police")], by=dispatcher, at=at)
    for _ in range(3):  # handled today: the grid worker has three verification tasks
        case = cases.file_report(session=db, report_id=make_report(), by=dispatcher)
        (d,) = cases.dispatch_case(session=db, case_id=case.id, unit_ids=[city.unit("market")], by=dispatcher)
        cases.check_in(session=db, dispatch_id=d.id, user=city.users["market"])
        cases.submit_result(session=db, dispatch_id=d.id, user=city.users["market"], note="好了")
    cases.finalise_no_shows(session=db, by=dispatcher)
    db.commit()

    found = walk_equals_one_page(client, "/api/v1/console/cases", console, limit=3)
    assert len(found) == 8 and [c["number"] for c in found] == sorted(
        (c["number"] for c in found), reverse=True
    )
    assert (
        len(
            walk_equals_one_page(client, "/api/v1/department/dispatches", auth(city.users["police"]), limit=2)
        )
        == 5
    )
    tasks = walk_equals_one_page(
        client, "/api/v1/verification/tasks", auth(city.users["desheng_worker"]), limit=2
    )
    assert len(tasks) == 3
    overdue = walk_equals_one_page(client, "/api/v1/console/overdue", console, limit=3)
    assert len(overdue) == 10
    since = (past - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    red = walk_equals_one_page(client, "/api/v1/console/turned-red", console, limit=4, since=since)
    assert {(e["dispatch_id"], e["clock"]) for e in red} == {(e["dispatch_id"], e["clock"]) for e in overdue}
    assert (
        len(walk_equals_one_page(client, "/api/v1/console/evaluations", console, limit=2, since=since)) == 5
    )

    board = client.get("/api/v1/console/board", headers=console).json()
    assert len(board) == 8 and [COLOURS[r["colour"]] for r in board] == sorted(
        (COLOURS[r["colour"]] for r in board), reverse=True
    )
    walked, pages = walk_pages(client, "/api/v1/console/board?limit=3", console)
    assert pages == 3 and sorted(r["dispatch_id"] for r in walked) == sorted(r["dispatch_id"] for r in board)
    by_page = [walked[i : i + 3] for i in range(0, len(walked), 3)]
    for earlier, later in itertools.pairwise(by_page):  # pages go on by urgency
        assert max(r["handling_deadline"] for r in earlier) <= min(r["handling_deadline"] for r in later)
