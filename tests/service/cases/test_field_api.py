"""The field app's reads (`/api/v1/field/...`): the unit's whistles most urgent first with their running
clock, place names and partner units; the case page; the finished dispatches with their scores."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.service.cases.conftest import (
    SIGNBOARD,
    VENDING,
    WIRING,
    ZHENGYANG,
    ZHENGYANG_POINT,
    Auth,
    City,
    Clock,
    ReportFactory,
    site_photo,
)
from tests.support.field import on_site

FIELD = "/api/v1/field"
DEPT = "/api/v1/department/dispatches"


def whistle(
    client: TestClient, auth: Auth, city: City, report: Any, units: list[str], **limits: Any
) -> dict[str, dict[str, Any]]:
    desk = auth(city.users["dispatcher"])
    case = client.post(f"/api/v1/console/triage/{report}/file", json={}, headers=desk).json()
    made = client.post(
        f"/api/v1/console/cases/{case['id']}/dispatch",
        json={"unit_ids": [str(city.unit(u)) for u in units], **limits},
        headers=desk,
    )
    assert made.status_code == 201, made.text
    by_unit = {d["unit_id"]: d for d in made.json()}
    return {u: by_unit[str(city.unit(u))] for u in units}


def test_whistles_come_most_urgent_first_with_their_running_clock(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth, clock: Clock
) -> None:
    market = auth(city.users["market"])
    # Three whistles to 市场监管: the handled one waits on verification (no clock, last), the reported-in
    # one runs its handling clock (days), the newest runs its report-in clock (hours: the most urgent).
    handled = whistle(client, auth, city, make_report(category=SIGNBOARD), ["market"])["market"]
    assert client.post(f"{DEPT}/{handled['id']}/check-in", **on_site(), headers=market).status_code == 200
    done = client.post(f"{DEPT}/{handled['id']}/result", data={"note": "已拆除"}, headers=market)
    assert done.status_code == 200, done.text
    clock.set(clock.now + timedelta(minutes=10))
    handling = whistle(client, auth, city, make_report(category=SIGNBOARD), ["market"])["market"]
    assert client.post(f"{DEPT}/{handling['id']}/check-in", **on_site(), headers=market).status_code == 200
    clock.set(clock.now + timedelta(minutes=10))
    fresh = whistle(client, auth, city, make_report(category=VENDING), ["market"])["market"]

    answer = client.get(f"{FIELD}/whistles", headers=market)
    assert answer.status_code == 200, answer.text
    cards = answer.json()
    assert [c["dispatch"]["id"] for c in cards] == [fresh["id"], handling["id"], handled["id"]]
    assert [c["clock"] and c["clock"]["kind"] for c in cards] == ["check_in", "handling", None]
    assert cards[0]["clock"]["deadline"] == fresh["check_in_deadline"]
    assert cards[1]["clock"]["deadline"] == handling["handling_deadline"]
    first = cards[0]
    assert first["case"]["category_name"] == "无照经营游商" and first["case"]["supervision"] is None
    assert (
        first["place"]["label"] == "船营区 · 德胜街道 · 景福社区" and first["place"]["street"] == "德胜街道"
    )
    assert (first["lon"], first["lat"]) == (126.5402, 43.8371)
    assert first["partners"] == []

    # Pages of one follow the same order; another unit sees none of them.
    seen, cursor = [], None
    while True:
        params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"{FIELD}/whistles", params=params, headers=market)
        assert page.status_code == 200, page.text
        seen += [c["dispatch"]["id"] for c in page.json()]
        cursor = page.headers.get("X-Next-Cursor")
        if cursor is None:
            break
    assert seen == [c["dispatch"]["id"] for c in cards]
    assert client.get(f"{FIELD}/whistles", headers=auth(city.users["police"])).json() == []
    assert client.get(f"{FIELD}/whistles", headers=auth(city.users["desheng_worker"])).status_code == 403
    assert client.get(f"{FIELD}/whistles", params={"limit": 201}, headers=market).status_code == 422


def test_a_joint_case_names_the_other_units_and_the_case_page_shows_the_work(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth
) -> None:
    report = make_report(
        reporter=city.users["zhengyang_worker"], category=WIRING, place=ZHENGYANG, point=ZHENGYANG_POINT,
        text_="正阳社区居民楼私接电线给电动车充电",
    )  # fmt: skip
    units = ["power", "emergency", "fire", "beicheng_team"]
    made = whistle(client, auth, city, report, units)
    power = auth(city.users["power"])
    (card,) = client.get(f"{FIELD}/whistles", headers=power).json()
    partners = {p["unit_name"]: p["state"] for p in card["partners"]}
    assert partners == {
        "舒兰市应急管理局": "dispatched",
        "舒兰市消防救援大队": "dispatched",
        "北城街道综合执法队": "dispatched",
    }
    assert card["description"] == "正阳社区居民楼私接电线给电动车充电"

    checked = client.post(f"{DEPT}/{made['power']['id']}/check-in", **on_site(ZHENGYANG_POINT), headers=power)
    assert checked.status_code == 200, checked.text
    page = client.get(f"{FIELD}/dispatches/{made['power']['id']}", headers=power)
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["unit_name"] == "国网舒兰市供电公司" and body["dispatch"]["state"] == "checked_in"
    assert [p["kind"] for p in body["my_photos"]] == ["check_in"]
    assert {e["action"] for e in body["events"]} >= {"file", "dispatch", "check_in"}
    assert all(e["dispatch_id"] in (None, made["power"]["id"]) for e in body["events"])
    # The other units see the power company's progress on their cards.
    (fire_card,) = client.get(f"{FIELD}/whistles", headers=auth(city.users["fire"])).json()
    assert {p["unit_name"]: p["state"] for p in fire_card["partners"]}["国网舒兰市供电公司"] == "checked_in"
    # Another unit's dispatch is not there at all.
    assert (
        client.get(
            f"{FIELD}/dispatches/{made['power']['id']}", headers=auth(city.users["market"])
        ).status_code
        == 404
    )


def test_finished_dispatches_carry_their_scores(
    client: TestClient, city: City, make_report: ReportFactory, auth: Auth, clock: Clock
) -> None:
    market, worker = auth(city.users["market"]), auth(city.users["desheng_worker"])
    closed = whistle(client, auth, city, make_report(category=SIGNBOARD), ["market"])["market"]
    clock.set(clock.now + timedelta(minutes=20))
    assert client.post(f"{DEPT}/{closed['id']}/check-in", **on_site(), headers=market).status_code == 200
    result = client.post(
        f"{DEPT}/{closed['id']}/result", data={"note": "已整改"}, files=site_photo(), headers=market
    )
    assert result.status_code == 200, result.text
    (task,) = client.get("/api/v1/verification/tasks", headers=worker).json()
    decided = client.post(
        f"/api/v1/verification/tasks/{task['id']}/decision",
        data={"outcomes": json.dumps([{"dispatch_id": closed["id"], "passed": True}])},
        files=site_photo(),
        headers=worker,
    )
    assert decided.status_code == 200, decided.text
    clock.set(clock.now + timedelta(minutes=5))
    sent = whistle(client, auth, city, make_report(category=SIGNBOARD), ["market"])["market"]
    back = client.post(f"{DEPT}/{sent['id']}/send-back", json={"reason": "不属于本单位"}, headers=market)
    assert back.status_code == 200, back.text

    history = client.get(f"{FIELD}/history", headers=market).json()
    assert [h["dispatch"]["id"] for h in history] == [sent["id"], closed["id"]]
    assert [h["evaluation"]["reason"] for h in history] == ["sent_back", "closed"]
    assert history[1]["evaluation"]["score"] == "100.00" and history[1]["clock"] is None
    assert client.get(f"{FIELD}/whistles", headers=market).json() == []
    page = client.get(f"{FIELD}/dispatches/{closed['id']}", headers=market).json()
    assert page["evaluation"]["score"] == "100.00"
    assert [p["kind"] for p in page["my_photos"]] == ["check_in", "result", "verification"]
