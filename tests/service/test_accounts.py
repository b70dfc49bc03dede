"""Login, tokens, revocation, roles and the audit rows they leave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from service.accounts.models import AccessToken, Role
from service.audit.models import AuditEvent
from tests.support.rolled_back import PASSWORD, Login, UserFactory
from tests.support.routes import some_unit_id


def audit_rows(db: Session, action: str, subject_id: str | None = None) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.action == action)
    if subject_id is not None:
        stmt = stmt.where(AuditEvent.subject_id == subject_id)
    return list(db.scalars(stmt))


def test_login_returns_a_token_that_identifies_the_user(client: TestClient, make_user: UserFactory) -> None:
    user = make_user(Role.courier, display_name="张有志")
    response = client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["user"]["role"] == "courier"
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["display_name"] == "张有志"


def test_token_is_stored_only_as_a_hash(client: TestClient, make_user: UserFactory, db: Session) -> None:
    user = make_user(Role.grid_worker)
    token = client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD}).json()[
        "access_token"
    ]
    stored = db.scalars(select(AccessToken.token_hash).where(AccessToken.user_id == user.id)).all()
    assert len(stored) == 1 and len(stored[0]) == 32
    dump = db.execute(text("SELECT string_agg(t::text, '') FROM access_tokens t")).scalar_one()
    assert token not in dump and token[4:] not in dump


def test_wrong_password_is_401_and_audited(client: TestClient, make_user: UserFactory, db: Session) -> None:
    user = make_user(Role.courier)
    response = client.post(
        "/api/v1/auth/login", json={"username": user.username, "password": "wrong-password"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    rows = audit_rows(db, "login_failed", user.username)
    assert len(rows) == 1 and rows[0].actor_id == user.id


def test_unknown_user_is_401_and_audited(client: TestClient, db: Session) -> None:
    response = client.post("/api/v1/auth/login", json={"username": "nobody-here", "password": "whatever1"})
    assert response.status_code == 401
    assert len(audit_rows(db, "login_failed", "nobody-here")) == 1


def test_successful_login_is_audited(
    client: TestClient, make_user: UserFactory, db: Session, login: Login
) -> None:
    user = make_user(Role.dispatcher)
    login(user)
    assert len(audit_rows(db, "login", user.username)) == 1


def test_logout_revokes_the_token_at_once(client: TestClient, make_user: UserFactory, login: Login) -> None:
    headers = login(make_user(Role.courier))
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    response = client.get("/api/v1/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_revoking_one_token_keeps_the_others(
    client: TestClient, make_user: UserFactory, login: Login
) -> None:
    user = make_user(Role.grid_worker)
    phone = login(user)
    tablet_login = client.post(
        "/api/v1/auth/login", json={"username": user.username, "password": PASSWORD, "device": "tablet"}
    )
    tablet = {"Authorization": f"Bearer {tablet_login.json()['access_token']}"}
    tokens = client.get("/api/v1/auth/tokens", headers=phone).json()
    assert len(tokens) == 2
    (tablet_token,) = [t["id"] for t in tokens if t["device_label"] == "tablet"]
    assert client.delete(f"/api/v1/auth/tokens/{tablet_token}", headers=phone).status_code == 200
    assert client.get("/api/v1/auth/me", headers=tablet).status_code == 401
    assert client.get("/api/v1/auth/me", headers=phone).status_code == 200


def test_admin_revokes_all_tokens_of_a_lost_phone(
    client: TestClient, make_user: UserFactory, login: Login
) -> None:
    admin, courier = make_user(Role.admin), make_user(Role.courier)
    admin_headers, phone1, phone2 = login(admin), login(courier), login(courier)
    response = client.post(f"/api/v1/admin/users/{courier.id}/revoke-tokens", headers=admin_headers)
    assert response.status_code == 200 and response.json() == {"revoked": 2}
    assert client.get("/api/v1/auth/me", headers=phone1).status_code == 401
    assert client.get("/api/v1/auth/me", headers=phone2).status_code == 401
    assert client.get("/api/v1/auth/me", headers=admin_headers).status_code == 200


def test_expired_token_is_401(client: TestClient, make_user: UserFactory, login: Login, db: Session) -> None:
    user = make_user(Role.courier)
    headers = login(user)
    db.execute(
        update(AccessToken)
        .where(AccessToken.user_id == user.id)
        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    db.commit()
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_deactivated_user_is_cut_off(
    client: TestClient, make_user: UserFactory, login: Login, db: Session
) -> None:
    user = make_user(Role.courier)
    headers = login(user)
    user.is_active = False
    db.commit()
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_garbage_and_missing_tokens_are_401(client: TestClient) -> None:
    assert client.get("/api/v1/auth/me").status_code == 401
    assert client.get("/api/v1/auth/me", headers={"Authorization": "Bearer wst_forged"}).status_code == 401
    assert client.get("/api/v1/auth/me", headers={"Authorization": "Basic Zm9vOmJhcg=="}).status_code == 401


def test_courier_on_admin_route_is_403_and_audited(
    client: TestClient, make_user: UserFactory, login: Login, db: Session
) -> None:
    courier = make_user(Role.courier)
    response = client.get("/api/v1/admin/users", headers=login(courier))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    rows = audit_rows(db, "denied")
    assert [(r.actor_id, r.subject_id) for r in rows] == [(courier.id, "GET /api/v1/admin/users")]


def test_every_non_admin_role_is_denied_user_creation(
    client: TestClient, make_user: UserFactory, login: Login
) -> None:
    for role in (Role.grid_worker, Role.courier, Role.dispatcher):
        response = client.post(
            "/api/v1/admin/users",
            headers=login(make_user(role)),
            json={"username": "intruder", "password": "12345678", "role": "admin"},
        )
        assert response.status_code == 403, role


def test_admin_creates_users_and_reads_the_audit_log(
    client: TestClient, make_user: UserFactory, login: Login
) -> None:
    headers = login(make_user(Role.admin))
    created = client.post(
        "/api/v1/admin/users",
        headers=headers,
        json={
            "username": "wang.gang",
            "password": "pioneer-fleet-8",
            "role": "courier",
            "display_name": "王刚",
        },
    )
    assert created.status_code == 201 and created.json()["role"] == "courier"
    duplicate = client.post(
        "/api/v1/admin/users",
        headers=headers,
        json={"username": "wang.gang", "password": "x" * 8, "role": "courier"},
    )
    assert duplicate.status_code == 409
    officer_without_unit = client.post(
        "/api/v1/admin/users",
        headers=headers,
        json={"username": "li.ting", "password": "x" * 8, "role": "officer"},
    )
    assert officer_without_unit.status_code == 422
    log = client.get("/api/v1/admin/audit", headers=headers, params={"action": "user_created"}).json()
    assert [e["subject_id"] for e in log] == ["wang.gang"]


def test_repeated_failures_throttle_the_account(
    client: TestClient, make_user: UserFactory, db: Session
) -> None:
    user = make_user(Role.courier)
    for _ in range(5):
        bad = client.post("/api/v1/auth/login", json={"username": user.username, "password": "guess-guess"})
        assert bad.status_code == 401
    blocked = client.post("/api/v1/auth/login", json={"username": user.username, "password": PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert len(audit_rows(db, "login_throttled", user.username)) == 1


def test_admin_creates_a_district_and_a_street_command(
    client: TestClient, make_user: UserFactory, login: Login
) -> None:
    """The level and division a dispatcher commands come from the account (service.cases.command)."""
    headers = login(make_user(Role.admin))

    def create(username: str, role: str, division: str) -> httpx.Response:
        body = {"username": username, "password": "x" * 8, "role": role, "division_code": division}
        response: httpx.Response = client.post("/api/v1/admin/users", headers=headers, json=body)
        return response

    district = create("chuanying.cmd", "dispatcher", "220204")
    assert district.status_code == 201 and district.json()["division_code"] == "220204"
    street = create("desheng.cmd", "dispatcher", "220204001000")
    assert street.status_code == 201 and street.json()["division_code"] == "220204001000"
    for username, role, division in (
        ("nowhere.cmd", "dispatcher", "999999"),  # no such district
        ("short.cmd", "dispatcher", "2202"),  # neither a district's nor a street's code
        ("rider.cmd", "courier", "220204"),  # only dispatchers command
    ):
        refused = create(username, role, division)
        assert refused.status_code == 422, (username, refused.text)
        assert refused.json()["error"]["code"] == "invalid"


def test_a_street_team_member_belongs_to_a_streets_team(
    client: TestClient, make_user: UserFactory, login: Login, db: Session
) -> None:
    headers = login(make_user(Role.admin))
    department = some_unit_id(db, Role.officer)
    team = some_unit_id(db, Role.street_team)
    body = {"password": "x" * 8, "role": "street_team"}
    wrong = client.post(
        "/api/v1/admin/users",
        headers=headers,
        json={**body, "username": "t.wrong", "unit_id": str(department)},
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["details"] == {"field": "unit_id"}
    right = client.post(
        "/api/v1/admin/users", headers=headers, json={**body, "username": "t.right", "unit_id": str(team)}
    )
    assert right.status_code == 201
