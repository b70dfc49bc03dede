"""Command at three levels (市 · 区 · 街道): every console list shows the caller's division only, every
console route answers 404 for what lies outside it, and a case is acted on by the level that commands it
until it is escalated (上报) or taken over (接管).

The places: 德胜街道 in 船营区 and 北城街道 in 舒兰市 (the article's two stories). The people: the city's
command center (`dispatcher`), 船营区's (`chuanying_command`), 德胜街道's command staff
(`desheng_command`) and enforcement team (`desheng_team`), 舒兰市's (`shulan_command`), 北城街道's team
(`beicheng_team`), and an admin.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.tiles import tile_of
from service.cases import service as cases
from tests.service.cases.conftest import (
    DESHENG_POINT,
    ZHENGYANG,
    ZHENGYANG_POINT,
    Auth,
    City,
    ReportFactory,
)
from tests.service.cases.test_permissions import BODIES, MATRIX

WHISTLED = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)  # Monday 09:00 in Jilin: every deadline since passed
SINCE, UNTIL = "2026-11-01T00:00:00+08:00", "2026-12-31T00:00:00+08:00"


@dataclass(frozen=True)
class Place:
    """One street's things: a report awaiting triage, a whistled case and its dispatch (a no-show)."""

    report_id: uuid.UUID
    case_id: uuid.UUID
    dispatch_id: uuid.UUID
    unit_id: uuid.UUID


@pytest.fixture
def places(db: Session, city: City, make_report: ReportFactory) -> dict[str, Place]:
    """德胜 and 北城, each with a report in triage and a case whistled in the past, scored as a no-show."""
    dispatcher = city.users["dispatcher"]
    out = {}
    for name, place, point, unit in (
        ("desheng", None, DESHENG_POINT, city.units["police"]),
        ("beicheng", ZHENGYANG, ZHENGYANG_POINT, city.units["power"]),
    ):
        where: dict[str, Any] = {"point": point, "created_at": WHISTLED} | ({"place": place} if place else {})
        waiting = make_report(**where)
        case = cases.file_report(session=db, report_id=make_report(**where), by=dispatcher, at=WHISTLED)
        (dispatch,) = cases.dispatch_case(
            session=db, case_id=case.id, unit_ids=[unit], by=dispatcher, at=WHISTLED
        )
        out[name] = Place(waiting, case.id, dispatch.id, unit)
    cases.finalise_no_shows(session=db, as_of=WHISTLED + timedelta(days=3))
    db.commit()
    return out


# Who sees which street's things.
SEES = {
    "dispatcher": {"desheng", "beicheng"},
    "admin": {"desheng", "beicheng"},
    "chuanying_command": {"desheng"},
    "desheng_command": {"desheng"},
    "desheng_team": {"desheng"},
    "shulan_command": {"beicheng"},
    "beicheng_team": {"beicheng"},
}


def _ids(answer: Any, key: str) -> set[str]:
    items = answer["items"] if isinstance(answer, dict) else answer
    return {str(item[key]) for item in items}


@pytest.mark.parametrize("who", sorted(SEES))
def test_every_console_list_shows_the_division_only(
    who: str, client: TestClient, city: City, auth: Auth, places: dict[str, Place]
) -> None:
    headers = auth(city.users[who])
    seen = SEES[who]

    def get(path: str, **params: Any) -> Any:
        response = client.get(f"/api/v1/console/{path}", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    def expect(found: set[str], attribute: str) -> None:
        assert found == {str(getattr(places[p], attribute)) for p in seen}, (who, attribute)

    expect(_ids(get("triage"), "id"), "report_id")
    expect(_ids(get("cases"), "id"), "case_id")
    expect(_ids(get("board"), "dispatch_id"), "dispatch_id")
    expect(_ids(get("overdue"), "dispatch_id"), "dispatch_id")
    expect(_ids(get("turned-red", since=SINCE, until=UNTIL), "dispatch_id"), "dispatch_id")
    expect(_ids(get("evaluations", since=SINCE, until=UNTIL), "dispatch_id"), "dispatch_id")
    interviews = get("unit-lists", since=SINCE, until=UNTIL)["interview"]
    expect({e["unit_id"] for e in interviews}, "unit_id")
    by_unit = get("indicators", group_by="unit", since=SINCE, until=UNTIL)["rows"]
    expect({row["key"] for row in by_unit}, "unit_id")
    streets = {row["key"] for row in get("indicators", group_by="street", since=SINCE, until=UNTIL)["rows"]}
    assert streets == {{"desheng": "220204001000", "beicheng": ZHENGYANG["street"]}[p] for p in seen}
    exported = client.get(
        "/api/v1/console/indicators.csv", params={"group_by": "district", "since": SINCE, "until": UNTIL},
        headers=headers,
    )  # fmt: skip
    rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))[1:]
    assert {row[0] for row in rows} == {
        {"desheng": "220204", "beicheng": ZHENGYANG["district"]}[p] for p in seen
    }


# Every console route that names one report, case or dispatch, with the path filled from a place.
_ONE_THING = sorted(
    (method, path) for method, path in MATRIX if path.startswith("/api/v1/console/") and "{" in path
)


@pytest.mark.parametrize(("method", "path"), _ONE_THING, ids=[f"{m} {p}" for m, p in _ONE_THING])
@pytest.mark.parametrize("who", ["desheng_command", "desheng_team", "chuanying_command"])
def test_every_route_answers_404_outside_the_division(
    method: str, path: str, who: str, client: TestClient, city: City, auth: Auth, places: dict[str, Place]
) -> None:
    other = places["beicheng"]
    url = path.format(report_id=other.report_id, case_id=other.case_id, dispatch_id=other.dispatch_id)
    kwargs = BODIES.get(path.rsplit("/", 1)[-1], {"json": {}}) if method == "POST" else {}
    if path.endswith("/merge"):  # into a case of the caller's own street
        kwargs = {"json": {"into_case_id": str(places["desheng"].case_id)}}
    response = client.request(method, url, headers=auth(city.users[who]), **kwargs)
    assert response.status_code == 404, (response.status_code, response.text)
    assert response.json()["error"]["code"] == "not_found"


def _act(client: TestClient, headers: dict[str, str], case_id: uuid.UUID, action: str, **body: Any) -> Any:
    return client.post(f"/api/v1/console/cases/{case_id}/{action}", json=body, headers=headers)


def test_a_case_is_commanded_by_the_level_that_filed_it_until_escalated_or_taken_over(
    client: TestClient, city: City, auth: Auth, make_report: ReportFactory, db: Session
) -> None:
    team, street_staff = auth(city.users["desheng_team"]), auth(city.users["desheng_command"])
    district, town = auth(city.users["chuanying_command"]), auth(city.users["dispatcher"])
    filed = client.post(f"/api/v1/console/triage/{make_report()}/file", json={}, headers=team)
    assert filed.status_code == 201 and filed.json()["command_level"] == "street"
    case_id = uuid.UUID(filed.json()["id"])

    # The city and the district read it; acting is the street's, and the answer says so.
    assert client.get(f"/api/v1/console/cases/{case_id}", headers=town).status_code == 200
    refused = _act(client, town, case_id, "hold")
    assert refused.status_code == 409
    assert refused.json()["error"]["details"] == {"command_level": "street", "your_level": "city"}
    assert "接管" in refused.json()["error"]["message"]
    # Any of the street's command staff acts on it.
    assert _act(client, street_staff, case_id, "hold").json()["state"] == "on_hold"
    assert _act(client, team, case_id, "resume").json()["state"] == "filed"

    # 上报: only upwards, with a reason, by the level that commands it.
    assert _act(client, team, case_id, "escalate", to_level="street", reason="x").status_code == 422
    assert _act(client, team, case_id, "escalate", to_level="district").status_code == 422
    assert _act(client, district, case_id, "escalate", to_level="city", reason="x").status_code == 409
    up = _act(client, team, case_id, "escalate", to_level="district", reason="涉及多个部门，街道无法协调")
    assert up.status_code == 200 and up.json()["command_level"] == "district"
    asked = _act(client, team, case_id, "hold")
    assert asked.status_code == 409 and "联系区指挥中心" in asked.json()["error"]["message"]
    assert _act(client, district, case_id, "hold").json()["state"] == "on_hold"
    assert _act(client, district, case_id, "resume").json()["state"] == "filed"

    # 接管: a higher level whose division covers the case; nobody else.
    assert _act(client, auth(city.users["shulan_command"]), case_id, "take-over").status_code == 404
    assert _act(client, team, case_id, "take-over").status_code == 409
    assert _act(client, district, case_id, "take-over").status_code == 409  # it commands it already
    assert _act(client, auth(city.users["admin"]), case_id, "take-over").status_code == 403
    taken = _act(client, town, case_id, "take-over", note="市级督办")
    assert taken.status_code == 200 and taken.json()["command_level"] == "city"
    assert _act(client, district, case_id, "hold").status_code == 409
    sent = client.post(
        f"/api/v1/console/cases/{case_id}/dispatch",
        json={"unit_ids": [str(city.unit("police"))]},
        headers=town,
    )
    assert sent.status_code == 201

    # Every change of command is in the case's log, with who, why and from which level to which.
    log = client.get(f"/api/v1/console/cases/{case_id}", headers=town).json()["events"]
    changes = [(e["action"], e["detail"], e["note"]) for e in log if e["action"] in ("escalate", "take_over")]
    assert changes == [
        ("escalate", {"from_level": "street", "to_level": "district"}, "涉及多个部门，街道无法协调"),
        ("take_over", {"from_level": "district", "to_level": "city"}, "市级督办"),
    ]
    # A finished case changes hands no more.
    voided = client.post(
        f"/api/v1/console/triage/{make_report()}/void", json={"reason": "重复"}, headers=team
    )
    refused = _act(client, team, uuid.UUID(voided.json()["id"]), "escalate", to_level="city", reason="x")
    assert refused.status_code == 409


def test_the_command_endpoint_names_the_level_and_the_division(
    client: TestClient, city: City, auth: Auth, db: Session
) -> None:
    def command(who: str) -> Any:
        answer = client.get("/api/v1/console/command", headers=auth(city.users[who]))
        assert answer.status_code == 200
        return answer.json()

    town = command("dispatcher")
    assert (town["level"], town["name"], town["code"], town["bbox"], town["may_act"]) == (
        "city", "吉林市", None, None, True,
    )  # fmt: skip
    assert command("admin")["may_act"] is False
    district = command("chuanying_command")
    assert (district["level"], district["level_label"], district["name"]) == (
        "district",
        "区指挥中心",
        "船营区",
    )
    for who in ("desheng_command", "desheng_team"):
        street = command(who)
        assert (street["level"], street["code"], street["name"]) == ("street", "220204001000", "德胜街道")
        west, south, east, north = street["bbox"]
        inside = db.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM streets "
                "WHERE code = '220204001000' AND valid_to IS NULL) s"
            )
        ).one()
        assert west < inside[0] < east and south < inside[1] < north


def _tile_ids(client: TestClient, headers: dict[str, str], z: int, point: tuple[float, float]) -> set[str]:
    x, y = tile_of(*point, z)
    answer = client.get(f"/tiles/reports/{z}/{x}/{y}.mvt", headers=headers)
    assert answer.status_code == 200
    layer = mapbox_vector_tile.decode(answer.content).get("reports", {"features": []})
    return {str(f["properties"].get("id") or f["properties"]["code"]) for f in layer["features"]}


def test_the_staff_map_shows_the_division_only(
    client: TestClient, city: City, auth: Auth, places: dict[str, Place], db: Session
) -> None:
    from service.tiles import counts

    counts.refresh(session=db, now=datetime.now(UTC))
    db.commit()
    desheng = {str(places["desheng"].report_id)}
    assert _tile_ids(client, auth(city.users["desheng_team"]), 16, DESHENG_POINT) >= desheng
    assert _tile_ids(client, auth(city.users["dispatcher"]), 16, DESHENG_POINT) >= desheng
    assert _tile_ids(client, auth(city.users["shulan_command"]), 16, DESHENG_POINT) == set()
    # At city zooms, the street counts: a street sees its own street's circle and no other.
    assert _tile_ids(client, auth(city.users["desheng_team"]), 6, DESHENG_POINT) == {"220204001000"}
    assert _tile_ids(client, auth(city.users["beicheng_team"]), 6, DESHENG_POINT) == {ZHENGYANG["street"]}
    assert _tile_ids(client, auth(city.users["dispatcher"]), 6, DESHENG_POINT) >= {
        "220204001000", ZHENGYANG["street"],
    }  # fmt: skip


def test_no_shows_scored_by_a_street_are_its_own(
    client: TestClient, city: City, auth: Auth, db: Session, make_report: ReportFactory
) -> None:
    dispatcher = city.users["dispatcher"]
    made = {}
    for name, where in (("desheng", {}), ("beicheng", {"place": ZHENGYANG, "point": ZHENGYANG_POINT})):
        case = cases.file_report(session=db, report_id=make_report(**where), by=dispatcher, at=WHISTLED)
        (made[name],) = cases.dispatch_case(
            session=db, case_id=case.id, unit_ids=[city.unit("police")], by=dispatcher, at=WHISTLED
        )
    db.commit()
    scored = client.post("/api/v1/console/evaluations/no-shows", headers=auth(city.users["desheng_team"]))
    assert scored.status_code == 200
    assert {e["dispatch_id"] for e in scored.json()} == {str(made["desheng"].id)}


def test_a_streets_live_feed_carries_its_street_only(live_server: str, fresh_session: Session) -> None:
    """Reports, state changes and red clocks of another street never reach a street's console."""
    from service.accounts import service as accounts
    from service.settings import SecuritySettings
    from tests.conftest import TEST_SECRET
    from tests.service.cases.conftest import WIRING, insert_report, make_people, seed_geography
    from tests.service.cases.test_live import Feed

    db = fresh_session
    units = seed_geography(db)
    people = make_people(db, units)
    token = accounts.issue_token(
        session=db, user=people["desheng_team"], settings=SecuritySettings(secret_key=TEST_SECRET)
    ).token
    db.commit()
    feed = Feed(
        f"{live_server}/api/v1/console/feed?heartbeat_s=0.3&red_check_s=0.3",
        {"Authorization": f"Bearer {token}"},
    )
    try:
        assert feed.next_event("status") == 200
        assert feed.next_event("comment") == "connected"
        reporter, dispatcher = people["zhengyang_worker"], people["dispatcher"]
        elsewhere = insert_report(
            db, reporter=reporter, category=WIRING, place=ZHENGYANG, point=ZHENGYANG_POINT
        )
        db.commit()
        here = insert_report(db, reporter=people["desheng_worker"], category=WIRING)
        db.commit()
        assert feed.next_event("report")["report_id"] == str(here)

        # Another street's case: filed and whistled with a report-in deadline passing in a second.
        just_due = datetime.now(UTC) - timedelta(hours=1) + timedelta(seconds=1)
        theirs = cases.file_report(session=db, report_id=elsewhere, by=dispatcher, at=just_due)
        cases.dispatch_case(
            session=db, case_id=theirs.id, unit_ids=[units["power"]], by=dispatcher, at=just_due
        )
        db.commit()
        ours = cases.file_report(session=db, report_id=here, by=dispatcher, at=just_due)
        (dispatch,) = cases.dispatch_case(
            session=db, case_id=ours.id, unit_ids=[units["power"]], by=dispatcher, at=just_due
        )
        db.commit()
        state = feed.next_event("state")
        assert (state["case_id"], state["action"], state["street_code"]) == (
            str(ours.id), "file", "220204001000",
        )  # fmt: skip
        assert feed.next_event("state")["case_id"] == str(ours.id)
        assert feed.next_event("red")["dispatch_id"] == str(dispatch.id)
        # Nothing of the other street came, before or after (a few more ticks to be sure).
        feed.next_event("comment")
        feed.next_event("comment")
        leftovers = []
        while not feed.items.empty():
            leftovers.append(feed.items.get())
        assert all(kind == "comment" for kind, _ in leftovers), leftovers
    finally:
        feed.close()
