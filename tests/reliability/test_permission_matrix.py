"""The permission matrix of every endpoint and every role, generated from the application itself.

For each route, the roles it admits are read from its ``require_roles(...)`` dependency (a route with only
``CurrentUser`` admits every role; a route with neither is public). Every role outside the admitted set
must get 403 — and leave an audit row — and every admitted role must get past the role check (anything
but 401/403; the request is otherwise empty, so 404 or 422 are expected). Anonymous callers get 401 on
every non-public route. New endpoints join the matrix automatically.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.accounts import service as accounts
from service.accounts.models import Role, User
from service.audit.models import AuditEvent
from service.settings import Settings
from tests.support.rolled_back import UserFactory
from tests.support.routes import admitted_roles, api_routes, binding


@dataclass(frozen=True)
class Policy:
    method: str
    path: str
    admitted: frozenset[Role] | None  # None: public
    streams: bool


def policies(app: FastAPI) -> list[Policy]:
    spec = app.openapi()
    found: list[Policy] = []
    for route in api_routes(app.routes):
        if not route.include_in_schema:
            continue
        assert route.path_format in spec["paths"], f"{route.path_format} is not where OpenAPI says"
        admitted = admitted_roles(route)
        for method in sorted((route.methods or set()) - {"HEAD", "OPTIONS"}):
            operation = spec["paths"].get(route.path_format, {}).get(method.lower(), {})
            streams = "text/event-stream" in str(operation.get("responses", {}))
            found.append(Policy(method, route.path_format, admitted, streams))
    return found


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda _m: str(uuid.uuid4()), path)


def denials(db: Session, user: User) -> int:
    stmt = select(func.count()).where(AuditEvent.action == "denied", AuditEvent.actor_id == user.id)
    return int(db.scalar(stmt) or 0)


def test_every_route_against_every_role(
    app: FastAPI,
    client: TestClient,
    db: Session,
    make_user: UserFactory,
    settings: Settings,
) -> None:
    users: dict[Role, User] = {role: make_user(role, **binding(db, role)) for role in Role}

    def headers(role: Role) -> dict[str, str]:
        # A new token for every request: some routes (logout, revoke-all) revoke the caller's tokens.
        issued = accounts.issue_token(session=db, user=users[role], settings=settings.security)
        db.commit()
        return {"Authorization": f"Bearer {issued.token}"}

    table = policies(app)
    assert len(table) >= 15
    problems: list[str] = []
    for policy in table:
        path = concrete(policy.path)
        if policy.admitted is None:
            continue
        anonymous = client.request(policy.method, path)
        if anonymous.status_code != 401:
            problems.append(
                f"{policy.method} {policy.path} anonymous → {anonymous.status_code}, expected 401"
            )
        for role in Role:
            if role in policy.admitted and policy.streams:
                continue  # an admitted caller would open a never-ending stream
            before = denials(db, users[role])
            response = client.request(policy.method, path, headers=headers(role))
            if role in policy.admitted:
                if response.status_code in (401, 403):
                    problems.append(
                        f"{policy.method} {policy.path} {role} → {response.status_code}: admitted"
                    )
            else:
                if response.status_code != 403:
                    problems.append(
                        f"{policy.method} {policy.path} {role} → {response.status_code}, expected 403"
                    )
                elif denials(db, users[role]) != before + 1:
                    problems.append(f"{policy.method} {policy.path} {role}: the denial was not audited")
    assert not problems, "\n".join(problems)


def test_a_supervising_office_reaches_its_own_cases_and_its_account_only(app: FastAPI) -> None:
    """督办单位: read-only, scoped to the cases it referred (each one's 404 for any other case is tested
    in tests/service/cases/test_supervision.py); every other route refuses it."""
    reachable = sorted(
        f"{p.method} {p.path}"
        for p in policies(app)
        if p.admitted is not None and Role.supervisor in p.admitted
    )
    assert "GET /api/v1/supervision/cases" in reachable
    assert "GET /api/v1/supervision/cases/{case_id}" in reachable
    others = [
        r for r in reachable if not r.split(" ", 1)[1].startswith(("/api/v1/auth/", "/api/v1/supervision/"))
    ]
    assert others == [], f"open to a supervising office: {others}"
    only_it = [f"{p.method} {p.path}" for p in policies(app) if p.admitted == frozenset({Role.supervisor})]
    assert sorted(only_it) == [r for r in reachable if "/supervision/" in r]
