"""The webhook administration over HTTP (admins), a unit's own view (officers), the delivery log and
retrying by hand; the secret is answered only on creation and rotation."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit.models import AuditEvent
from service.outbound.delivery import deliver_due
from tests.service.cases.conftest import City
from tests.service.outbound.conftest import Receiver, quick_settings, whistle

BASE = "/api/v1/admin/webhooks"


def test_admins_register_list_change_disable_and_rotate(
    client: TestClient, city: City, auth: Any, db: Session
) -> None:
    admin = auth(city.users["admin"])
    created = client.post(
        BASE,
        json={"unit_id": str(city.unit("market")), "url": "https://sms.example.gov.cn/hook"},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["active"] is True
    assert body["events"] == ["dispatch.whistle", "dispatch.yellow", "dispatch.red"]
    endpoint_id = body["id"]
    given = client.post(
        BASE,
        json={
            "unit_id": str(city.unit("police")), "url": "http://10.0.0.5:8080/in?x=1", "secret": "s" * 20,
            "events": ["dispatch.red"], "description": "政务短信",
        },
        headers=admin,
    )  # fmt: skip
    assert given.status_code == 201 and given.json()["secret"] == "s" * 20

    one = client.get(f"{BASE}/{endpoint_id}", headers=admin).json()
    assert "secret" not in one and one["url"] == "https://sms.example.gov.cn/hook"
    listed = client.get(BASE, params={"limit": 1}, headers=admin).json()
    assert [e["id"] for e in listed["items"]] == [given.json()["id"]] and "secret" not in listed["items"][0]
    rest = client.get(BASE, params={"limit": 1, "before_id": listed["next_before_id"]}, headers=admin).json()
    assert endpoint_id in [e["id"] for e in rest["items"]]
    upper = client.post(
        BASE, json={"unit_id": str(city.unit("desheng_team")), "url": "HTTPS://Ex.cn/h"}, headers=admin
    )
    assert upper.status_code == 201 and upper.json()["url"] == "https://Ex.cn/h"
    mine = client.get(BASE, params={"unit_id": str(city.unit("market"))}, headers=admin).json()
    assert [e["id"] for e in mine["items"]] == [endpoint_id] and mine["next_before_id"] is None

    changed = client.patch(
        f"{BASE}/{endpoint_id}", json={"url": "https://sms.example.gov.cn/v2", "events": ["dispatch.red", "dispatch.whistle"]},
        headers=admin,
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    assert changed.json()["events"] == ["dispatch.whistle", "dispatch.red"]  # in the canonical order
    rotated = client.post(f"{BASE}/{endpoint_id}/rotate-secret", headers=admin)
    assert rotated.status_code == 200 and rotated.json()["secret"] not in (body["secret"], None)
    chosen = client.post(f"{BASE}/{endpoint_id}/rotate-secret", json={"secret": "k" * 32}, headers=admin)
    assert chosen.json()["secret"] == "k" * 32
    disabled = client.post(f"{BASE}/{endpoint_id}/disable", headers=admin)
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert client.get(BASE, params={"active": "false"}, headers=admin).json()["items"][0]["id"] == endpoint_id

    actions = db.scalars(
        select(AuditEvent.action).where(AuditEvent.subject_id == endpoint_id).order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "webhook.created", "webhook.updated", "webhook.secret_rotated", "webhook.secret_rotated", "webhook.disabled"
    ]  # fmt: skip
    details = db.scalars(select(AuditEvent.detail).where(AuditEvent.subject_id == endpoint_id)).all()
    assert all("k" * 32 not in str(d) and body["secret"] not in str(d) for d in details)  # no secret logged


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"url": "ftp://example.com/x"}, "only http:// and https://"),
        ({"url": "https://user:pw@example.com/x"}, "no user name or password"),
        ({"url": "https:///nohost"}, "a host is required"),
        ({"url": "http://example.com/#frag"}, "fragment"),
        ({"url": "http://exa mple.com/"}, "malformed"),
        ({"secret": "short"}, "at least 16"),
        ({"secret": "密钥" * 10}, "visible ASCII"),
        ({"events": ["dispatch.blue"]}, "Input should be 'dispatch.whistle'"),
        ({"events": []}, "at least 1"),
        ({"colour": "red"}, "Extra inputs are not permitted"),
    ],
)
def test_bad_registrations_are_refused(
    client: TestClient, city: City, auth: Any, change: dict[str, Any], words: str
) -> None:
    body = {"unit_id": str(city.unit("market")), "url": "https://ok.example/hook", **change}
    answer = client.post(BASE, json=body, headers=auth(city.users["admin"]))
    assert answer.status_code == 422, answer.text
    assert words in answer.text


def test_an_unknown_unit_or_webhook_is_refused(client: TestClient, city: City, auth: Any) -> None:
    admin = auth(city.users["admin"])
    unknown_unit = client.post(
        BASE,
        json={"unit_id": "00000000-0000-4000-8000-000000000000", "url": "https://ok.example/"},
        headers=admin,
    )
    assert unknown_unit.status_code == 422 and "does not exist" in unknown_unit.text
    assert client.get(f"{BASE}/00000000-0000-4000-8000-000000000000", headers=admin).status_code == 404


def test_the_delivery_log_pages_and_a_failed_delivery_is_retried_by_hand(
    client: TestClient, city: City, auth: Any, db: Session, receiver: Receiver
) -> None:
    admin = auth(city.users["admin"])
    endpoint = client.post(
        BASE, json={"unit_id": str(city.unit("market")), "url": receiver.url}, headers=admin
    ).json()
    other = client.post(
        BASE, json={"unit_id": str(city.unit("police")), "url": receiver.url}, headers=admin
    ).json()
    for _ in range(3):
        whistle(db, city, units=("market", "police"))
    receiver.failures = 1000
    deliver_due(session=db, settings=quick_settings(max_attempts=1))
    log = f"{BASE}/{endpoint['id']}/deliveries"
    first = client.get(log, params={"limit": 2}, headers=admin).json()
    assert len(first["items"]) == 2 and first["next_before_id"] == first["items"][-1]["id"]
    second = client.get(log, params={"limit": 2, "before_id": first["next_before_id"]}, headers=admin).json()
    assert len(second["items"]) == 1 and second["next_before_id"] is None
    items = first["items"] + second["items"]
    assert [i["id"] for i in items] == sorted((i["id"] for i in items), reverse=True)
    failed = items[0]
    assert (failed["status"], failed["attempts"], failed["last_status"]) == ("failed", 1, 500)
    assert failed["event"] == "dispatch.whistle" and failed["payload"]["unit"]["name"] == "市市场监督管理局"
    assert client.get(log, params={"status": "delivered"}, headers=admin).json()["items"] == []

    retried = client.post(f"{log}/{failed['id']}/retry", headers=admin)
    assert retried.status_code == 200, retried.text
    assert (retried.json()["status"], retried.json()["attempts"]) == ("pending", 0)
    again = client.post(f"{log}/{failed['id']}/retry", headers=admin)
    assert again.status_code == 409 and again.json()["error"]["details"] == {"status": "pending"}
    elsewhere = client.post(f"{BASE}/{other['id']}/deliveries/{failed['id']}/retry", headers=admin)
    assert elsewhere.status_code == 404  # a delivery of another endpoint
    receiver.failures = 0
    assert deliver_due(session=db, settings=quick_settings()).delivered == 1
    assert (
        client.get(log, params={"status": "delivered"}, headers=admin).json()["items"][0]["id"]
        == failed["id"]
    )


def test_a_units_officers_see_their_units_webhooks_without_secrets(
    client: TestClient, city: City, auth: Any
) -> None:
    admin = auth(city.users["admin"])
    created = client.post(
        BASE, json={"unit_id": str(city.unit("market")), "url": "https://sms.example/hook"}, headers=admin
    ).json()
    mine = client.get("/api/v1/department/webhooks", headers=auth(city.users["market"]))
    assert mine.status_code == 200
    assert [e["id"] for e in mine.json()] == [created["id"]] and "secret" not in mine.json()[0]
    theirs = client.get("/api/v1/department/webhooks", headers=auth(city.users["police"]))
    assert theirs.json() == []
    assert client.get(BASE, headers=auth(city.users["market"])).status_code == 403
    assert client.get(BASE, headers=auth(city.users["dispatcher"])).status_code == 403
