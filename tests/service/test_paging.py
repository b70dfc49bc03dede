"""Every list is bounded (issue 14, item 11): the paging convention of `service.paging`.

- Cursors: opaque, checked on the way back (garbage, another list's key, broken values: 422 naming
  `cursor`, never a 5xx); keyset conditions for any mix of directions.
- Driven by the OpenAPI document: every GET answering an array (or a GeoJSON FeatureCollection) takes a
  bounded `limit`; every route taking a `cursor` answers a garbage one with a 4xx naming it.
- Walking pages with `Link`/`X-Next-Cursor` returns every row once, in order (tokens, users here; the
  domains' lists in their own test packages).
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.testclient import TestClient
from sqlalchemy import Column, Integer, MetaData, Table, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from service.accounts import service as accounts
from service.accounts.models import Role, User
from service.db import keyset
from service.paging import LINK, NEXT_CURSOR, decode_cursor, encode_cursor
from service.settings import Settings
from tests.service.test_params import EXISTING, valid_value
from tests.support.paging import walk_pages
from tests.support.rolled_back import UserFactory
from tests.support.routes import admitted_roles, binding, documented_routes


def garbage(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def test_cursors_round_trip_and_refuse_what_they_did_not_hand_out() -> None:
    moment = datetime(2026, 11, 27, 8, 30, tzinfo=timezone(timedelta(hours=8)))
    ident = uuid.uuid4()
    cursor = encode_cursor((moment, ident))
    assert re.fullmatch(r"[A-Za-z0-9_-]+", cursor)
    assert decode_cursor(cursor, (datetime, uuid.UUID)) == (moment, ident)
    assert decode_cursor(encode_cursor((7, "张*志")), (int, str)) == (7, "张*志")
    assert decode_cursor(None, (int,)) is None
    bad = [
        "!!!",
        "x",
        garbage("not json"),
        garbage("{}"),
        garbage("[1, 2]"),  # another list's key shape
        garbage('["2026-11-27T08:30:00", "' + str(ident) + '"]'),  # a time without offset
        garbage('["2026-11-27T08:30:00Z", "not-a-uuid"]'),
        garbage('["\\u0000", "' + str(ident) + '"]'),
        garbage("[true, 1]"),
        garbage("[" * 5000 + "]" * 5000),
        "A" * 600,
    ]
    for cursor in bad:
        with pytest.raises(RequestValidationError) as refused:
            decode_cursor(cursor, (datetime, uuid.UUID))
        assert refused.value.errors()[0]["loc"] == ("query", "cursor"), cursor
    for key in (f"[{2**70}]", "[1.5]", '["1"]'):
        with pytest.raises(RequestValidationError):
            decode_cursor(garbage(key), (int,))


def test_keyset_conditions_for_any_mix_of_directions() -> None:
    t = Table("t", MetaData(), Column("a", Integer), Column("b", Integer), Column("c", Integer))

    dialect = postgresql.psycopg.dialect()  # type: ignore[no-untyped-call]

    def sql(*descending: bool) -> str:
        condition = keyset.after([t.c.a, t.c.b], [1, 2], descending=descending)
        compiled = select(t.c.a).where(condition).compile(dialect=dialect)
        return str(compiled).split("WHERE ", 1)[1]

    assert re.fullmatch(r"\(t\.a, t\.b\) > \(\S+, \S+\)", sql(False, False))
    assert re.fullmatch(r"\(t\.a, t\.b\) < \(\S+, \S+\)", sql(True, True))
    assert re.fullmatch(r"t\.a < \S+ OR t\.a = \S+ AND t\.b > \S+", sql(True, False))
    assert re.fullmatch(r"t\.a > \S+ OR t\.a = \S+ AND t\.b < \S+", sql(False, True))
    three = keyset.after([t.c.a, t.c.b, t.c.c], [1, 2, 3], descending=(False, True, False))
    text_ = str(select(t.c.a).where(three).compile(dialect=dialect)).split("WHERE ", 1)[1]
    assert re.fullmatch(r"t\.a > \S+ OR t\.a = \S+ AND \(t\.b < \S+ OR t\.b = \S+ AND t\.c > \S+\)", text_)


def array_answer(spec: dict[str, Any], operation: dict[str, Any]) -> bool:
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return bool(schema.get("type") == "array" or schema.get("title") == "DivisionCollection")


def test_every_list_takes_a_bounded_limit(app: FastAPI) -> None:
    spec = app.openapi()
    lists, unbounded = [], []
    for path, operations in spec["paths"].items():
        operation = operations.get("get")
        if operation is None or not array_answer(spec, operation):
            continue
        lists.append(path)
        limit = {p["name"]: p for p in operation.get("parameters", [])}.get("limit")
        if limit is None or "maximum" not in limit["schema"]:
            unbounded.append(path)
    assert len(lists) >= 30, "the walk lost the lists"
    assert unbounded == []


def test_a_garbage_cursor_is_a_4xx_naming_it_on_every_route(
    app: FastAPI, client: TestClient, db: Session, make_user: UserFactory, settings: Settings
) -> None:
    spec = app.openapi()
    users: dict[Role, User] = {}
    checked, problems = 0, []
    for method, path, route in documented_routes(app):
        operation = spec["paths"][path][method.lower()]
        names = {p["name"]: p for p in operation.get("parameters", [])}
        if "cursor" not in names:
            continue
        headers: dict[str, str] = {}
        admitted = admitted_roles(route)
        if admitted is not None:
            role = sorted(admitted, key=lambda r: r.value)[0]
            if role not in users:
                unit = binding(db, role)
                users[role] = make_user(role, **unit)
            issued = accounts.issue_token(session=db, user=users[role], settings=settings.security)
            db.commit()
            headers = {"Authorization": f"Bearer {issued.token}"}
        concrete, query = path, {}
        for p in operation.get("parameters", []):
            value = EXISTING.get(p["name"]) or valid_value(p["schema"])
            if p["in"] == "path":
                concrete = concrete.replace("{" + p["name"] + "}", str(value))
            elif p["in"] == "query" and p.get("required"):
                query[p["name"]] = str(value)
        for cursor in ("garbage!", garbage("[1,2,3,4,5]"), garbage('["\\u0000"]')):
            response = client.get(concrete, params={**query, "cursor": cursor}, headers=headers)
            checked += 1
            error = response.json().get("error", {}) if response.content else {}
            if response.status_code not in (400, 422) or not error.get("message", "").startswith("cursor"):
                problems.append(f"GET {path} cursor={cursor} → {response.status_code}: {response.text[:200]}")
    assert checked >= 60
    assert problems == [], "\n".join(problems)


def test_users_and_tokens_page_by_key(
    client: TestClient, db: Session, make_user: UserFactory, settings: Settings
) -> None:
    admin = make_user(Role.admin)
    for _ in range(5):
        make_user(Role.grid_worker)
    headers = {}
    for _ in range(5):
        token = accounts.issue_token(session=db, user=admin, settings=settings.security).token
        headers = {"Authorization": f"Bearer {token}"}
    db.commit()
    everyone = client.get("/api/v1/admin/users", params={"limit": 500}, headers=headers).json()
    users, pages = walk_pages(client, "/api/v1/admin/users?limit=2", headers)
    assert users == everyone and pages == (len(everyone) + 1) // 2
    assert [u["username"] for u in users] == sorted(u["username"] for u in users)
    tokens, pages = walk_pages(client, "/api/v1/auth/tokens?limit=2", headers)
    assert len(tokens) == 5 and pages == 3 and len({t["id"] for t in tokens}) == 5
    created = [datetime.fromisoformat(t["created_at"]) for t in tokens]
    assert created == sorted(created, reverse=True) and created[0] <= datetime.now(UTC)
    workers = client.get("/api/v1/admin/users", params={"role": "grid_worker", "limit": 3}, headers=headers)
    assert (
        len(workers.json()) == 3
        and "cursor=" in workers.headers[LINK]
        and "role=grid_worker" in workers.headers[LINK]
    )
    assert json.loads(base64.urlsafe_b64decode(workers.headers[NEXT_CURSOR] + "==")) == [
        workers.json()[-1]["username"]
    ]
