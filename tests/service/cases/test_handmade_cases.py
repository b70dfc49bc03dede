"""Cases made by hand at the console (手工建案): by a point or by a place from the place search, refused
outside the city, replayed under the same Idempotency-Key, made by a street team only in its own
street; the caller's name and phone stay with the command center."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from service.reports.models import Report
from tests.service.cases.conftest import DESHENG, DESHENG_POINT, SIGNBOARD, Auth, City

CALLER_NAME, CALLER_PHONE = "王秀英", "13904321234"


def hotline(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "category": SIGNBOARD,
        "description": "市民来电：德胜街道某餐厅牌匾标识文字不规范",
        "source": "hotline",
        "source_ref": "12345-20261208-0042",
        "caller_name": CALLER_NAME,
        "caller_phone": CALLER_PHONE,
        "lon": DESHENG_POINT[0],
        "lat": DESHENG_POINT[1],
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def made_by(db: Session, user_id: uuid.UUID) -> int:
    return int(db.scalar(select(func.count()).where(Report.reporter_id == user_id)) or 0)


def test_a_hotline_call_by_point_becomes_a_filed_case_and_the_caller_stays_private(
    client: TestClient, db: Session, auth: Auth, city: City
) -> None:
    desk = auth(city.users["dispatcher"])
    answer = client.post("/api/v1/console/cases", headers=desk, json=hotline())
    assert answer.status_code == 201, answer.text
    case = answer.json()
    assert answer.headers["Location"] == f"/api/v1/console/cases/{case['id']}"
    assert (case["state"], case["source"], case["source_ref"]) == ("filed", "hotline", "12345-20261208-0042")
    assert case["supervision"] is None and case["district_code"] == DESHENG["district"]
    assert CALLER_NAME not in answer.text and CALLER_PHONE not in answer.text

    detail = client.get(f"/api/v1/console/cases/{case['id']}", headers=desk).json()
    assert detail["caller"] == {"name": CALLER_NAME, "phone": CALLER_PHONE}
    (filed,) = [e for e in detail["events"] if e["action"] == "file"]
    assert filed["detail"]["source"] == "hotline" and filed["actor_role"] == "dispatcher"
    report = db.get(Report, uuid.UUID(case["primary_report_id"]))
    assert (
        report is not None
        and report.channel == "console"
        and report.reporter_id == city.users["dispatcher"].id
    )
    assert report.text.startswith("市民来电") and report.grid_code is not None

    # The whistle goes as for any case: the router's units for the category.
    suggestion = client.get(f"/api/v1/console/cases/{case['id']}/suggestion", headers=desk).json()
    assert {u["name"] for u in suggestion["units"]} >= {"市市场监督管理局"}

    # Nobody outside the command center learns who called: not the unit, not the public interfaces.
    whistled = client.post(
        f"/api/v1/console/cases/{case['id']}/dispatch",
        headers=desk,
        json={"unit_ids": [str(city.unit("market"))]},
    )
    unit_view = client.get(
        f"/api/v1/department/dispatches/{whistled.json()[0]['id']}", headers=auth(city.users["market"])
    )
    assert unit_view.status_code == 200 and unit_view.json()["caller"] is None
    lon, lat = DESHENG_POINT
    bbox = f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
    public = {
        "public reports": client.get(f"/api/v1/public/reports?bbox={bbox}"),
        "OGC items": client.get(f"/ogc/collections/reports/items?bbox={bbox}&limit=1000"),
        "OGC item": client.get(f"/ogc/collections/reports/items/{case['primary_report_id']}"),
        "Open311": client.get("/open311/v2/requests.json"),
        "Open311 one": client.get(f"/open311/v2/requests/{case['primary_report_id']}.json"),
    }
    for name, response in public.items():
        assert response.status_code == 200, f"{name}: {response.text[:200]}"
        assert case["primary_report_id"] in response.text, f"{name} should list the accepted case"
        for secret in (CALLER_NAME, CALLER_PHONE, "12345-20261208-0042", "市民来电"):
            assert secret not in response.text, f"{name} reveals {secret}"


def test_a_referral_by_a_place_from_the_search_with_its_supervision(
    client: TestClient, db: Session, auth: Auth, city: City
) -> None:
    desk = auth(city.users["dispatcher"])
    found = client.get("/api/v1/console/places", params={"q": "德胜街道"}, headers=desk)
    assert found.status_code == 200, found.text
    street = found.json()[0]
    assert (street["kind"], street["code"], street["name"]) == ("street", DESHENG["street"], "德胜街道")
    office = db.scalar(text("SELECT id FROM supervising_offices WHERE code = 'cy-tongzhan'"))
    deadline = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    answer = client.post(
        "/api/v1/console/cases",
        headers=desk,
        json=hotline(
            source="referral", source_ref="船统督〔2026〕12号", caller_name=None, caller_phone=None,
            lon=None, lat=None, place={"kind": "street", "code": street["code"]},
            supervision={"office_id": str(office), "deadline": deadline.isoformat(), "note": "当日吹哨"},
        ),
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    case = answer.json()
    assert case["source"] == "referral" and case["street_code"] == DESHENG["street"]
    assert case["supervision"]["office_name"] == "船营区委统战部"
    assert datetime.fromisoformat(case["supervision"]["deadline"]) == deadline
    detail = client.get(f"/api/v1/console/cases/{case['id']}", headers=desk).json()
    assert [e["action"] for e in detail["events"]] == ["file", "supervise"] and detail["caller"] is None


def test_outside_the_city_is_refused_and_nothing_is_stored(
    client: TestClient, db: Session, auth: Auth, city: City
) -> None:
    desk = auth(city.users["dispatcher"])
    before = made_by(db, city.users["dispatcher"].id)
    beijing = client.post("/api/v1/console/cases", headers=desk, json=hotline(lon=116.397, lat=39.909))
    assert beijing.status_code == 422
    error = beijing.json()["error"]
    assert (
        error["code"] == "outside_city"
        and "不在本市" in error["message"]
        and error["details"]["distance_m"] > 100_000
    )
    gcj = client.post("/api/v1/console/cases", headers=desk, json=hotline(datum="gcj02"))
    assert gcj.status_code == 201  # another datum inside the city is fine
    assert made_by(db, city.users["dispatcher"].id) == before + 1


def test_a_retry_with_the_same_key_gets_the_first_answer(
    client: TestClient, db: Session, auth: Auth, city: City
) -> None:
    desk = auth(city.users["dispatcher"])
    key = {"Idempotency-Key": str(uuid.uuid4())}
    before = made_by(db, city.users["dispatcher"].id)
    first = client.post("/api/v1/console/cases", headers={**desk, **key}, json=hotline())
    again = client.post("/api/v1/console/cases", headers={**desk, **key}, json=hotline())
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert made_by(db, city.users["dispatcher"].id) == before + 1
    changed = client.post(
        "/api/v1/console/cases", headers={**desk, **key}, json=hotline(description="另一件事")
    )
    assert changed.status_code == 422 and changed.json()["error"]["code"] == "idempotency_key_reused"
    # A refused request frees its key: the corrected request goes through under it.
    other = {"Idempotency-Key": str(uuid.uuid4())}
    refused = client.post(
        "/api/v1/console/cases", headers={**desk, **other}, json=hotline(lon=116.4, lat=39.9)
    )
    assert refused.status_code == 422
    fixed = client.post("/api/v1/console/cases", headers={**desk, **other}, json=hotline())
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed.headers
    assert (
        client.post(
            "/api/v1/console/cases", headers={**desk, "Idempotency-Key": "bad key"}, json=hotline()
        ).status_code
        == 400
    )
    # Without a key, each request is a new case.
    assert (
        client.post("/api/v1/console/cases", headers=desk, json=hotline()).json()["id"] != first.json()["id"]
    )


def test_a_street_team_makes_cases_in_its_own_street_only(
    client: TestClient, db: Session, auth: Auth, city: City
) -> None:
    team = auth(city.users["desheng_team"])
    own = client.post(
        "/api/v1/console/cases",
        headers=team,
        json=hotline(
            source="inspection", lon=None, lat=None, place={"kind": "street", "code": DESHENG["street"]}
        ),
    )
    assert own.status_code == 201, own.text
    assert own.json()["source"] == "inspection" and own.json()["street_code"] == DESHENG["street"]
    before = made_by(db, city.users["desheng_team"].id)
    elsewhere = client.post("/api/v1/console/cases", headers=team, json=hotline(source="inspection"))
    assert elsewhere.status_code == 403  # DESHENG_POINT lies in 致和街道 on the demo city's outlines
    assert made_by(db, city.users["desheng_team"].id) == before
    # Officers, grid workers and admins make no cases by hand (the permission matrix has the rest).
    for who in ("police", "desheng_worker", "admin"):
        assert (
            client.post("/api/v1/console/cases", headers=auth(city.users[who]), json=hotline()).status_code
            == 403
        )


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"place": {"kind": "street", "code": DESHENG["street"]}}, "二者选一"),
        ({"lon": None, "lat": None}, "二者选一"),
        ({"lat": None}, "同时给出"),
        ({"source": "grid_worker"}, "source"),
        ({"category": "9999"}, "类别"),
        ({"lon": None, "lat": None, "place": {"kind": "grid", "code": "000000000000000"}}, "没有这个地点"),
        ({"caller_phone": "call me maybe"}, "caller_phone"),
        ({"description": ""}, "description"),
        ({"lon": 200}, "lon"),
        ({"caller": "x"}, "caller"),
    ],
)
def test_bad_requests_are_refused_clearly(
    client: TestClient, auth: Auth, city: City, changes: dict[str, Any], words: str
) -> None:
    body = hotline()
    body.update(changes)
    body = {k: v for k, v in body.items() if v is not None}
    answer = client.post("/api/v1/console/cases", headers=auth(city.users["dispatcher"]), json=body)
    assert answer.status_code == 422, answer.text
    assert words in answer.json()["error"]["message"]


def test_the_place_search_ranks_and_pages(client: TestClient, auth: Auth, city: City) -> None:
    desk = auth(city.users["dispatcher"])
    found = client.get("/api/v1/console/places", params={"q": "正阳"}, headers=desk).json()
    assert found[0]["name"] == "正阳社区" and found[0]["kind"] == "community"
    assert found[0]["detail"] == "北城街道"
    grids = [p for p in found if p["kind"] == "grid"]
    assert grids and all(p["name"].startswith("正阳社区") for p in grids)
    units = client.get("/api/v1/console/places", params={"q": "北京路派出所"}, headers=desk).json()
    assert units[0]["kind"] == "unit" and units[0]["name"] == "北京路派出所"
    # Pages follow one another without overlap, in the same order as one big page.
    whole = client.get("/api/v1/console/places", params={"q": "社区", "limit": 30}, headers=desk).json()
    first = client.get("/api/v1/console/places", params={"q": "社区", "limit": 10}, headers=desk)
    cursor = first.headers["X-Next-Cursor"]
    second = client.get(
        "/api/v1/console/places", params={"q": "社区", "limit": 10, "cursor": cursor}, headers=desk
    )
    assert [p["code"] for p in first.json() + second.json()] == [p["code"] for p in whole[:20]]
    # Wildcards are words, not patterns; bad input is a clear 422.
    assert client.get("/api/v1/console/places", params={"q": "%"}, headers=desk).json() == []
    assert client.get("/api/v1/console/places", params={"q": " "}, headers=desk).status_code == 422
    assert client.get("/api/v1/console/places", params={"q": "x" * 51}, headers=desk).status_code == 422
    assert (
        client.get("/api/v1/console/places", params={"q": "社区", "cursor": "zz"}, headers=desk).status_code
        == 422
    )
