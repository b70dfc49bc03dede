"""The application's routes as the route-walking tests see them: every `APIRoute` (through included
routers) and the roles each admits, read from its `require_roles(...)` dependency."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy import text
from sqlalchemy.orm import Session

from service.accounts.deps import get_current_user
from service.accounts.models import Role


def walk(dependant: Dependant) -> Iterator[Any]:
    for dep in dependant.dependencies:
        yield dep.call
        yield from walk(dep)


def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every APIRoute, through included routers (FastAPI keeps them as lazily combined wrappers)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from api_routes(route.original_router.routes)


def admitted_roles(route: APIRoute) -> frozenset[Role] | None:
    """The roles a route lets in: its `require_roles` set, every role for `CurrentUser` alone, None when
    it is public."""
    calls = list(walk(route.dependant))
    admitted: frozenset[Role] | None = None
    for call in calls:
        if hasattr(call, "allowed_roles"):
            admitted = frozenset(call.allowed_roles)
    if admitted is None and get_current_user in calls:
        admitted = frozenset(Role)
    return admitted


def documented_routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    """(method, path as in the OpenAPI document, route) of every documented operation."""
    for route in api_routes(app.routes):
        if not route.include_in_schema:
            continue
        for method in sorted((route.methods or set()) - {"HEAD", "OPTIONS"}):
            yield method, route.path_format, route


def some_unit_id(db: Session, role: Role = Role.officer) -> uuid.UUID:
    """A department unit of the demo city for a user of `role`: officers belong to a department, street
    team members to a street's enforcement team."""
    team = role is Role.street_team
    found = db.scalar(
        text(
            "SELECT id FROM department_units WHERE is_street_team = :team "
            "AND (NOT :team OR street_code IS NOT NULL) ORDER BY code LIMIT 1"
        ),
        {"team": team},
    )
    assert found is not None, "the test template should hold the demo city's units"
    return uuid.UUID(str(found))


def some_office_id(db: Session) -> uuid.UUID:
    """Any active supervising office of the demo: a supervisor must read for one."""
    found = db.scalar(text("SELECT id FROM supervising_offices WHERE active ORDER BY code LIMIT 1"))
    assert found is not None, "the test template should hold the demo's supervising offices"
    return uuid.UUID(str(found))


def binding(db: Session, role: Role) -> dict[str, uuid.UUID]:
    """What an account of `role` must be bound to: a unit (officers, street teams), an office
    (supervisors), or nothing."""
    if role in (Role.officer, Role.street_team):
        return {"unit_id": some_unit_id(db, role)}
    if role is Role.supervisor:
        return {"office_id": some_office_id(db)}
    return {}
