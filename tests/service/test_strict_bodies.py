"""Strict bodies (issue 14, item 11): a field an endpoint does not take is refused, 422, named.

Driven by the OpenAPI document: every request body schema (JSON, multipart, URL-encoded) says
`additionalProperties: false`, and every endpoint with a JSON body answers a body carrying an unknown
field with 422 whose message names that field — sent as a role the route admits, so the answer is the
body's. The multipart forms (reports, results, verifications) are tested with real uploads beside
their flows (`tests/service/reports/test_refusals.py`, `tests/service/cases/test_strict_forms.py`).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.accounts import service as accounts
from service.accounts.models import Role, User
from service.settings import Settings
from tests.support.rolled_back import UserFactory
from tests.support.routes import admitted_roles, binding, documented_routes

UNKNOWN = "not_a_field"


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def body_schemas(spec: dict[str, Any]) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                yield method.upper(), path, media, resolve(spec, content.get("schema", {}))


def test_every_request_body_refuses_unknown_fields(app: FastAPI) -> None:
    spec = app.openapi()
    found = list(body_schemas(spec))
    assert len(found) >= 30, "the walk lost the request bodies"
    assert {media for *_, media, _schema in found} >= {"application/json", "multipart/form-data"}
    open_bodies = [
        f"{method} {path} ({media})"
        for method, path, media, schema in found
        if schema.get("type") == "object" and schema.get("additionalProperties") is not False
    ]
    assert open_bodies == []


def test_an_unknown_json_field_is_refused_and_named(
    app: FastAPI, client: TestClient, db: Session, make_user: UserFactory, settings: Settings
) -> None:
    spec = app.openapi()
    routes = {(method, path): route for method, path, route in documented_routes(app)}
    users: dict[Role, User] = {}
    problems: list[str] = []
    checked = 0
    for method, path, media, _schema in body_schemas(spec):
        if media != "application/json":
            continue
        headers: dict[str, str] = {}
        admitted = admitted_roles(routes[(method, path)])
        if admitted is not None:
            role = sorted(admitted, key=lambda r: r.value)[0]
            if role not in users:
                unit = binding(db, role)
                users[role] = make_user(role, **unit)
            issued = accounts.issue_token(session=db, user=users[role], settings=settings.security)
            db.commit()
            headers = {"Authorization": f"Bearer {issued.token}"}
        concrete = re.sub(r"\{[^}]+\}", lambda _m: str(uuid.uuid4()), path)
        response = client.request(method, concrete, json={UNKNOWN: "x"}, headers=headers)
        checked += 1
        message = response.json().get("error", {}).get("message", "") if response.content else ""
        if response.status_code != 422 or not message.startswith(f"{UNKNOWN}: "):
            problems.append(f"{method} {path} → {response.status_code}: {response.text[:200]}")
    assert checked >= 25
    assert problems == [], "\n".join(problems)


def test_a_known_body_with_one_field_too_many_names_that_field(
    client: TestClient, make_user: UserFactory
) -> None:
    from tests.support.rolled_back import PASSWORD

    user = make_user(Role.dispatcher)
    body = {"username": user.username, "password": PASSWORD, "remember_me": True}
    refused = client.post("/api/v1/auth/login", json=body)
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["message"] == "remember_me: Extra inputs are not permitted"
    assert {
        "loc": ["body", "remember_me"],
        "msg": "Extra inputs are not permitted",
        "type": "extra_forbidden",
    } in (error["details"])
    assert client.post(
        "/api/v1/auth/login", json={k: v for k, v in body.items() if k != "remember_me"}
    ).is_success
