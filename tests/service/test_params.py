"""Numbers at their limits (issue 14, item 2), driven by the OpenAPI document itself.

Every integer and number parameter of every route (query, path, header) declares a minimum and a
maximum; every number parameter refuses NaN and the infinities. A request with `NaN`, or with a value
just past the maximum, is a 4xx in the one JSON error shape — never a 5xx — for each such parameter of
each route, sent as a role the route admits (so the answer is the parameter's, not the role check's).
New routes join by themselves.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.accounts import service as accounts
from service.accounts.models import Role, User
from service.settings import Settings
from tests.support.rolled_back import Login, UserFactory
from tests.support.routes import admitted_roles, binding, documented_routes

NUMERIC = ("integer", "number")
# OGC API – Features: a `limit` above the declared maximum is served as the maximum, never refused
# (OGC 17-069r4, /req/core/fc-limit-response-1); its maximum is declared for clients to size pages.
SERVED_AS_MAXIMUM = {("GET", "/ogc/collections/{collection_id}/items", "limit")}
# Path parameters that must name something that exists for the request to reach its answer.
EXISTING = {"collection_id": "stations", "layer": "districts"}


def flat(schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter schema with its non-null `anyOf` branch merged in (optional parameters)."""
    merged = {k: v for k, v in schema.items() if k != "anyOf"}
    for branch in schema.get("anyOf", []):
        if branch.get("type") != "null":
            merged.update(branch)
    return merged


@dataclass(frozen=True)
class Parameter:
    method: str
    path: str
    name: str
    where: str
    schema: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.schema.get("type"))


def parameters(spec: dict[str, Any]) -> Iterator[tuple[str, str, list[dict[str, Any]]]]:
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            yield method.upper(), path, operation.get("parameters", [])


def numeric_parameters(spec: dict[str, Any]) -> list[Parameter]:
    return [
        Parameter(method, path, p["name"], p["in"], flat(p.get("schema", {})))
        for method, path, params in parameters(spec)
        for p in params
        if flat(p.get("schema", {})).get("type") in NUMERIC
    ]


def test_every_numeric_parameter_declares_both_bounds(app: FastAPI) -> None:
    found = numeric_parameters(app.openapi())
    assert len(found) >= 20, "the walk lost the parameters"
    problems = []
    for p in found:
        if "minimum" not in p.schema and "exclusiveMinimum" not in p.schema:
            problems.append(f"{p.method} {p.path} {p.name}: no minimum")
        if "maximum" not in p.schema and "exclusiveMaximum" not in p.schema:
            problems.append(f"{p.method} {p.path} {p.name}: no maximum")
    assert problems == []


def test_the_ogc_limit_declares_its_maximum_of_1000(app: FastAPI) -> None:
    (limit,) = [
        p for p in numeric_parameters(app.openapi()) if p.path.startswith("/ogc/") and p.name == "limit"
    ]
    assert limit.schema["maximum"] == 1000 and limit.schema["minimum"] == 1


def valid_value(schema: dict[str, Any]) -> Any:
    """A value that passes the schema (for the parameters besides the one under test)."""
    schema = flat(schema)
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind = schema.get("type")
    if kind in NUMERIC:
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        return low + 1 if "exclusiveMinimum" in schema else low
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    if schema.get("format") == "date-time":
        return "2026-11-27T08:00:00+08:00"
    pattern = schema.get("pattern", "")
    if digits := re.fullmatch(r"\^\[0-9\]\{(\d+)\}\$", pattern):
        return "1" * int(digits.group(1))
    return "x" * max(1, int(schema.get("minLength", 1)))


def request_for(
    spec: dict[str, Any], target: Parameter, value: str
) -> tuple[str, dict[str, Any], dict[str, str]]:
    """The path, query and headers of a request whose only bad parameter is `target` = `value`."""
    operation = spec["paths"][target.path][target.method.lower()]
    path, query, headers = target.path, {}, {}
    for p in operation.get("parameters", []):
        given = value if p["name"] == target.name else EXISTING.get(p["name"]) or valid_value(p["schema"])
        if p["in"] == "path":
            path = path.replace("{" + p["name"] + "}", str(given))
        elif p["in"] == "header":
            headers[p["name"]] = str(given)
        elif p["in"] == "query" and (p.get("required") or p["name"] == target.name):
            query[p["name"]] = str(given)
    return path, query, headers


def past_maximum(p: Parameter) -> str:
    top = p.schema.get("maximum", p.schema.get("exclusiveMaximum"))
    assert top is not None
    return str(top + 1 if p.kind == "integer" else top * 2 + 1)


def test_nan_and_values_past_the_maximum_are_4xx_errors(
    app: FastAPI, client: TestClient, db: Session, make_user: UserFactory, settings: Settings
) -> None:
    spec = app.openapi()
    routes = {(method, path): route for method, path, route in documented_routes(app)}
    users: dict[Role, User] = {}

    def headers_for(method: str, path: str) -> dict[str, str]:
        admitted = admitted_roles(routes[(method, path)])
        if admitted is None:
            return {}
        role = sorted(admitted, key=lambda r: r.value)[0]
        if role not in users:
            unit = binding(db, role)
            users[role] = make_user(role, **unit)
        issued = accounts.issue_token(session=db, user=users[role], settings=settings.security)
        db.commit()
        return {"Authorization": f"Bearer {issued.token}"}

    problems: list[str] = []
    checked = 0
    for p in numeric_parameters(spec):
        for value in ("NaN", past_maximum(p)):
            path, query, headers = request_for(spec, p, value)
            response = client.request(
                p.method, path, params=query, headers={**headers, **headers_for(p.method, p.path)}
            )
            checked += 1
            where = f"{p.method} {p.path} {p.name}={value}"
            if (p.method, p.path, p.name) in SERVED_AS_MAXIMUM and value != "NaN":
                if response.status_code != 200 or response.json()["numberReturned"] > p.schema["maximum"]:
                    problems.append(f"{where} → {response.status_code}: not served as the maximum")
                continue
            if not 400 <= response.status_code < 500:
                problems.append(f"{where} → {response.status_code}, expected a 4xx: {response.text[:200]}")
                continue
            error = response.json().get("error", {})
            if not error.get("code") or p.name not in error.get("message", ""):
                problems.append(f"{where}: the error does not name the parameter: {response.text[:200]}")
            if value == "NaN" and p.kind == "number" and "finite" not in error.get("message", ""):
                problems.append(f"{where}: NaN is not called out as not finite: {error.get('message')}")
    assert checked >= 40
    assert problems == [], "\n".join(problems)


def test_the_triage_queue_refuses_an_age_past_ten_years(
    client: TestClient, make_user: UserFactory, login: Login
) -> None:
    """Was a 500 (OverflowError building a timedelta of 10¹¹ minutes)."""
    headers = login(make_user(Role.dispatcher))
    for name in ("min_age_minutes", "max_age_minutes"):
        response = client.get("/api/v1/console/triage", params={name: 99999999999}, headers=headers)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["message"].startswith(f"{name}: ")
        ten_years = client.get("/api/v1/console/triage", params={name: 10 * 365 * 24 * 60}, headers=headers)
        assert ten_years.status_code == 200, ten_years.text


def test_nan_is_not_a_finite_number(client: TestClient, make_user: UserFactory, login: Login) -> None:
    headers = login(make_user(Role.grid_worker))
    for lon in ("NaN", "inf", "-Infinity", "1e400"):
        response = client.get("/api/v1/route", params={"lon": lon, "lat": 43.8}, headers=headers)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["message"] == "lon: Input should be a finite number"
    public = client.get("/api/v1/public/stations/nearest", params={"lon": 126.5, "lat": "nan"})
    assert public.status_code == 422
    assert public.json()["error"]["message"] == "lat: Input should be a finite number"
