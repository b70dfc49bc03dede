"""退回不成立: the command center rejects a unit's "not ours"; the unit handles the item and loses points."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.cases import service as cases
from service.cases.models import Dispatch
from tests.service.cases.conftest import Auth, City, ReportFactory, site_photo


def _sent_back(
    db: Session, city: City, make_report: ReportFactory, units: tuple[str, ...] = ("market",)
) -> list[uuid.UUID]:
    """A case whistled to `units`; the first of them says "not ours"."""
    dispatcher = city.users["dispatcher"]
    case = cases.file_report(session=db, report_id=make_report(), by=dispatcher)
    dispatches = cases.dispatch_case(
        session=db, case_id=case.id, unit_ids=[city.unit(u) for u in units], by=dispatcher
    )
    cases.send_back(
        session=db, dispatch_id=dispatches[0].id, user=city.users[units[0]], reason="不属于我单位"
    )
    db.commit()
    return [d.id for d in dispatches]


def test_a_rejected_send_back_comes_back_to_the_unit_and_costs_it_five_points(
    client: TestClient, db: Session, city: City, make_report: ReportFactory, auth: Auth
) -> None:
    [dispatch_id] = _sent_back(db, city, make_report)
    desk, unit = auth(city.users["dispatcher"]), auth(city.users["market"])
    sent_back = db.get(Dispatch, dispatch_id)
    assert sent_back is not None and sent_back.sent_back_at is not None
    answered_at = sent_back.sent_back_at
    case_id = sent_back.case_id
    assert client.get(f"/api/v1/console/cases/{case_id}", headers=desk).json()["case"]["state"] == "filed"

    rejected = client.post(
        f"/api/v1/console/dispatches/{dispatch_id}/send-back/reject",
        json={"reason": "占道经营属市场监管职责"},
        headers=desk,
    )
    assert rejected.status_code == 200, rejected.text
    body = rejected.json()
    assert body["state"] == "checked_in" and body["sent_back_at"] is None
    assert body["send_back_rejected_at"] is not None
    assert datetime.fromisoformat(body["checked_in_at"]) == answered_at, "the send-back was its answer"
    detail = client.get(f"/api/v1/console/cases/{case_id}", headers=desk).json()
    assert detail["case"]["state"] == "checked_in"
    [event] = [e for e in detail["events"] if e["action"] == "reject_send_back"]
    assert event["note"] == "占道经营属市场监管职责" and event["detail"]["send_back_reason"] == "不属于我单位"

    # The unit sees it among its live dispatches again, handles it, and the grid worker passes it.
    mine = client.get("/api/v1/department/dispatches?state=checked_in", headers=unit).json()
    assert str(dispatch_id) in [d["id"] for d in mine]
    result = client.post(
        f"/api/v1/department/dispatches/{dispatch_id}/result",
        data={"note": "已劝离"},
        files=site_photo("landscape_8.jpg"),
        headers=unit,
    )
    assert result.status_code == 200, result.text
    passed = client.post(
        f"/api/v1/verification/dispatches/{dispatch_id}/pass",
        files=site_photo(),
        headers=auth(city.users["desheng_worker"]),
    )
    assert passed.status_code == 200, passed.text

    scores = client.get("/api/v1/console/evaluations", headers=desk).json()
    [score] = [e for e in scores if e["dispatch_id"] == str(dispatch_id)]
    assert score["score"] in ("95", "95.00") and score["reason"] == "closed"
    assert [b["rule"] for b in score["breakdown"]] == ["wrong_send_back"]


def test_only_a_sent_back_dispatch_of_a_live_case_can_be_rejected(
    client: TestClient, db: Session, city: City, make_report: ReportFactory, auth: Auth
) -> None:
    desk = auth(city.users["dispatcher"])
    sent_back, live = _sent_back(db, city, make_report, units=("market", "police"))
    reject = "/api/v1/console/dispatches/{}/send-back/reject"

    not_sent_back = client.post(reject.format(live), json={"reason": "x"}, headers=desk)
    assert not_sent_back.status_code == 409
    assert not_sent_back.json()["error"]["details"]["allowed"] == ["check_in", "send_back", "withdraw"]
    no_reason = client.post(reject.format(sent_back), json={"reason": "  "}, headers=desk)
    assert no_reason.status_code == 422

    # Once the other unit's work has closed the case, the send-back stands.
    police = city.users["police"]
    cases.check_in(session=db, dispatch_id=live, user=police)
    cases.submit_result(session=db, dispatch_id=live, user=police, note="已处理")
    cases.verify(session=db, dispatch_id=live, user=city.users["desheng_worker"], passed=True)
    db.commit()
    closed = client.post(reject.format(sent_back), json={"reason": "属本单位"}, headers=desk)
    assert closed.status_code == 409, closed.text
    assert closed.json()["error"]["details"]["case_state"] == "closed"
    db.expire_all()
    dispatch = db.get(Dispatch, sent_back)
    assert dispatch is not None and dispatch.state == "sent_back" and dispatch.send_back_rejected_at is None
