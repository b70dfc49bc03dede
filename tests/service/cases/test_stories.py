"""The article's two stories, end to end through HTTP (seed: 执法力量沉下去, 双报到).

1. 德胜街道: a shop signboard (0202 违章张贴悬挂广告牌匾) is whistled to 市市场监督管理局 and 北京路派出所;
   both report in within the time limit, handle it jointly, the grid worker verifies both results in
   one visit, the case closes.
2. 舒兰市正阳社区: a grid worker reports private wiring (2101 私接电线, on the street's list with
   departments); the command center judges it and pushes it to the departments together with
   北城街道's enforcement team: the power company, emergency management and the fire brigade. They
   remove the wiring jointly and upload their results; the grid worker verifies on site once; the case
   closes.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from service.cases import deadlines
from service.cases.calendar import default_calendar
from service.cases.deadlines import Limit, LimitUnit
from tests.service.cases.conftest import (
    DESHENG,
    SIGNBOARD,
    WIRING,
    ZHENGYANG,
    ZHENGYANG_POINT,
    Auth,
    City,
    ReportFactory,
    site_photo,
)
from tests.support.field import on_site

PHOTOS = Path(__file__).resolve().parents[2] / "fixtures" / "photos"


def _photo(name: str) -> tuple[str, bytes, str]:
    return (name, (PHOTOS / name).read_bytes(), "image/jpeg")


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_desheng_signboard_joint_enforcement(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth, db: Session
) -> None:
    worker, dispatcher = city.users["desheng_worker"], city.users["dispatcher"]
    report_id = make_report(category=SIGNBOARD, text_="店铺牌匾违规悬挂")
    console = auth(dispatcher)

    # 研判: the report waits in 德胜街道's queue.
    queue = client.get("/api/v1/console/triage", params={"street": DESHENG["street"]}, headers=console)
    assert queue.status_code == 200
    assert [item["id"] for item in queue.json()["items"]] == [str(report_id)]

    filed = client.post(f"/api/v1/console/triage/{report_id}/file", json={"note": "属实"}, headers=console)
    assert filed.status_code == 201, filed.text
    case = filed.json()
    assert case["state"] == "filed" and "dispatch" in case["allowed_actions"]
    assert client.get("/api/v1/console/triage", headers=console).json()["items"] == []

    # 吹哨: the suggestion names the market regulator (primary) and 北京路派出所 (joint).
    suggestion = client.get(f"/api/v1/console/cases/{case['id']}/suggestion", headers=console).json()
    by_name = {u["name"]: u for u in suggestion["units"]}
    assert set(by_name) == {"市市场监督管理局", "北京路派出所"}
    assert by_name["市市场监督管理局"]["role"] == "primary" and by_name["北京路派出所"]["role"] == "joint"
    assert suggestion["on_street_list"] is False

    whistle = client.post(
        f"/api/v1/console/cases/{case['id']}/dispatch",
        json={"unit_ids": [u["id"] for u in suggestion["units"]], "note": "联合执法"},
        headers=console,
    )
    assert whistle.status_code == 201, whistle.text
    dispatches = {d["unit_id"]: d for d in whistle.json()}
    assert len(dispatches) == 2
    for d in dispatches.values():
        expected = deadlines.dispatch_deadlines(
            dispatched_at=_ts(d["dispatched_at"]),
            check_in=Limit(Decimal(2), LimitUnit.WORK_HOURS),
            handling=Limit(Decimal(3), LimitUnit.WORK_DAYS),
            calendar=default_calendar(),
        )
        assert _ts(d["check_in_deadline"]) == expected.check_in
        assert _ts(d["handling_deadline"]) == expected.handling
    assert (
        client.get(f"/api/v1/console/cases/{case['id']}", headers=console).json()["case"]["state"]
        == "dispatched"
    )

    # 双报到: each unit sees only its own dispatch, reports in, and handles it.
    for key in ("market", "police"):
        officer = auth(city.users[key])
        mine = client.get("/api/v1/department/dispatches", headers=officer).json()
        assert [d["unit_id"] for d in mine] == [str(city.unit(key))]
        dispatch_id = mine[0]["id"]
        checked = client.post(
            f"/api/v1/department/dispatches/{dispatch_id}/check-in", **on_site(), headers=officer
        )
        assert checked.status_code == 200 and checked.json()["state"] == "checked_in"
        assert _ts(checked.json()["checked_in_at"]) <= _ts(checked.json()["check_in_deadline"])
    assert (
        client.get(f"/api/v1/console/cases/{case['id']}", headers=console).json()["case"]["state"]
        == "checked_in"
    )

    # The first result waits for the other unit's (handled); with the second, verification starts.
    for key, photo, then in (
        ("market", "landscape_6.jpg", "handled"),
        ("police", "landscape_8.jpg", "verifying"),
    ):
        officer = auth(city.users[key])
        dispatch_id = dispatches[str(city.unit(key))]["id"]
        result = client.post(
            f"/api/v1/department/dispatches/{dispatch_id}/result",
            data={"note": "牌匾已依法拆除"},
            files=[("photos", _photo(photo))],
            headers=officer,
        )
        assert result.status_code == 200, result.text
        assert result.json()["state"] == then and result.json()["result_photo_count"] == 1
    stored = db.execute(
        text("SELECT count(*) FROM photos WHERE dispatch_id = ANY(:ids)"),
        {"ids": [d["id"] for d in dispatches.values()]},
    ).scalar_one()
    assert stored == 2

    # 核查: the grid worker of the case's grid has ONE task covering both results, and passes both.
    field = auth(worker)
    [task] = client.get("/api/v1/verification/tasks", headers=field).json()
    assert sorted(i["dispatch"]["id"] for i in task["items"]) == sorted(d["id"] for d in dispatches.values())
    assert {i["unit_name"] for i in task["items"]} == {"市市场监督管理局", "北京路派出所"}
    assert all(len(i["result_photos"]) == 1 and i["outcome"] == "pending" for i in task["items"])
    outcomes = [{"dispatch_id": i["dispatch"]["id"], "passed": True} for i in task["items"]]
    decided = client.post(
        f"/api/v1/verification/tasks/{task['id']}/decision",
        data={"note": "现场已整改", "outcomes": json.dumps(outcomes)}, files=site_photo(), headers=field,
    )  # fmt: skip
    assert decided.status_code == 200, decided.text
    assert decided.json()["state"] == "passed"
    assert {i["outcome"] for i in decided.json()["items"]} == {"passed"}
    assert {i["dispatch"]["state"] for i in decided.json()["items"]} == {"closed"}
    assert client.get("/api/v1/verification/tasks", headers=field).json() == []

    detail = client.get(f"/api/v1/console/cases/{case['id']}", headers=console).json()
    assert detail["case"]["closed_at"] is not None
    actions = [e["action"] for e in detail["events"]]
    assert actions[0] == "file" and actions.count("check_in") == 2 and actions.count("verify_pass") == 2
    assert actions.count("start_verification") == 2  # both results, one task
    assert len({v["id"] for v in detail["verifications"]}) == 1
    assert detail["events"][-1]["case_state"] == "closed"

    # 一事一案一评价: both on time, with photos, no rework: full marks and on the praise list.
    scores = client.get("/api/v1/console/evaluations", headers=console).json()
    ours = [e for e in scores if e["dispatch_id"] in {d["id"] for d in dispatches.values()}]
    assert [Decimal(e["score"]) for e in ours] == [Decimal(100), Decimal(100)]
    assert {e["list_kind"] for e in ours} == {"praise"}
    lists = client.get("/api/v1/console/unit-lists", headers=console).json()
    praised = {e["unit_name"] for e in lists["praise"]}
    assert {"市市场监督管理局", "北京路派出所"} <= praised


def test_zhengyang_private_wiring_reported_by_the_grid_worker(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth
) -> None:
    worker = city.users["zhengyang_worker"]
    report_id = make_report(
        reporter=worker, category=WIRING, place=ZHENGYANG, point=ZHENGYANG_POINT, text_="居民楼道私接电线"
    )
    console = auth(city.users["dispatcher"])

    queue = client.get(
        "/api/v1/console/triage", params={"category": WIRING, "street": ZHENGYANG["street"]}, headers=console
    ).json()
    assert [i["id"] for i in queue["items"]] == [str(report_id)]
    case = client.post(f"/api/v1/console/triage/{report_id}/file", json={}, headers=console).json()

    # On the street's list with departments: the street's team leads, the departments join it.
    suggestion = client.get(f"/api/v1/console/cases/{case['id']}/suggestion", headers=console).json()
    assert [(u["name"], u["role"]) for u in suggestion["units"]] == [
        ("北城街道综合执法队", "street_team"),
        ("国网舒兰市供电公司", "joint"),
        ("舒兰市应急管理局", "joint"),
        ("舒兰市消防救援大队", "joint"),
    ]
    assert suggestion["on_street_list"] is True
    pushed = client.post(
        f"/api/v1/console/cases/{case['id']}/dispatch",
        json={"unit_ids": [u["id"] for u in suggestion["units"]]},
        headers=console,
    )
    assert pushed.status_code == 201
    dispatches = {d["unit_id"]: d for d in pushed.json()}
    assert {d["check_in_limit"]["amount"] for d in dispatches.values()} == {"1"}
    assert {d["check_in_limit"]["custom"] for d in dispatches.values()} == {False}

    photos = iter(["DSCN0010.jpg", "landscape_6.jpg", "landscape_8.jpg", "BlueSquare.jpg"])
    for key in ("beicheng_team", "power", "emergency", "fire"):
        unit = auth(city.users[key])
        dispatch = dispatches[str(city.unit(key))]
        checked = client.post(
            f"/api/v1/department/dispatches/{dispatch['id']}/check-in", **on_site(), headers=unit
        )
        assert checked.json()["state"] == "checked_in"
        result = client.post(
            f"/api/v1/department/dispatches/{dispatch['id']}/result",
            data={"note": "已拆除私接电线，对当事人批评教育"},
            files=[("photos", _photo(next(photos)))],
            headers=unit,
        )
        assert result.status_code == 200, result.text

    field = auth(worker)
    [task] = client.get("/api/v1/verification/tasks", headers=field).json()
    assert task["case"]["id"] == case["id"] and len(task["items"]) == 4
    done = client.post(
        f"/api/v1/verification/tasks/{task['id']}/decision",
        data={"note": "复核通过", "outcomes": json.dumps(
            [{"dispatch_id": i["dispatch"]["id"], "passed": True} for i in task["items"]]
        )},
        files=site_photo("landscape_8.jpg"),
        headers=field,
    )  # fmt: skip
    assert done.status_code == 200, done.text
    detail = client.get(f"/api/v1/console/cases/{case['id']}", headers=console).json()
    assert detail["case"]["state"] == "closed"
    actions = [e["action"] for e in detail["events"]]
    assert actions[:2] == ["file", "dispatch"]
    assert [actions.count(a) for a in ("check_in", "submit_result", "start_verification", "verify_pass")] == [
        4
    ] * 4
    starts = [e for e in detail["events"] if e["action"] == "start_verification"]
    assert {e["actor_role"] for e in starts} == {"system"}
    assert client.get("/api/v1/verification/tasks", headers=field).json() == []
