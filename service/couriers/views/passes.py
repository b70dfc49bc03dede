"""小区通行证: passes issued and revoked by community staff, a rider's own passes, and the public gate
list."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from pydantic import AwareDatetime

from service.couriers import access, passes
from service.couriers import schemas as s
from service.couriers.views.common import ERRORS, Courier, Staff
from service.deps import SessionDep
from service.paging import Page

passes_router = APIRouter(prefix="/api/v1/passes", tags=["couriers: community passes"], responses=ERRORS)
gate_router = APIRouter(prefix="/api/v1/gate", tags=["couriers: community passes"], responses=ERRORS)


@passes_router.post(
    "", response_model=s.PassPublic, status_code=status.HTTP_201_CREATED, summary="Issue a 小区通行证"
)
def issue_pass(body: s.PassCreate, session: SessionDep, user: Staff) -> Any:
    issued = passes.issue_pass(
        session=session,
        community_code=body.community_code,
        rider_id=body.rider_id,
        valid_from=body.valid_from,
        valid_to=body.valid_to,
        by=user,
    )
    session.commit()
    return issued


@passes_router.get("", response_model=list[s.PassPublic], summary="Passes of a community (staff)")
def list_passes(
    session: SessionDep,
    user: Staff,
    page: Page,
    community: Annotated[str, Query(pattern=r"^[0-9]{12}$")],
) -> Any:
    """By number (paged: `limit`, `cursor`)."""
    access.require_community_staff(session=session, user=user, community_code=community)
    rows = passes.list_passes(
        session=session, community_code=community, after_number=page.after_value(str), limit=page.fetch
    )
    return page.cut(rows, key=lambda p: (p.number,))


@passes_router.get("/mine", response_model=list[s.PassPublic], summary="My passes (rider)")
def my_passes(session: SessionDep, user: Courier, page: Page) -> Any:
    """By number (paged: `limit`, `cursor`)."""
    rows = passes.list_passes(
        session=session, rider_id=user.id, after_number=page.after_value(str), limit=page.fetch
    )
    return page.cut(rows, key=lambda p: (p.number,))


@passes_router.post("/{pass_id}/revoke", response_model=s.PassPublic, summary="Revoke a pass")
def revoke_pass(pass_id: uuid.UUID, session: SessionDep, user: Staff) -> Any:
    revoked = passes.revoke_pass(session=session, pass_id=pass_id, by=user)
    session.commit()
    return revoked


@gate_router.get(
    "/{community_code}/passes",
    response_model=list[s.GateEntryPublic],
    summary="公示: riders with a valid pass, for the gate (public)",
)
def gate(
    community_code: Annotated[str, Path(pattern=r"^[0-9]{12}$")],
    session: SessionDep,
    page: Page,
    at: Annotated[AwareDatetime | None, Query(description="Valid at this time (default: now).")] = None,
) -> Any:
    """By number (paged: `limit`, `cursor`)."""
    rows = passes.gate_list(
        session=session, community_code=community_code, at=at, after_number=page.after_value(str),
        limit=page.fetch,
    )  # fmt: skip
    return page.cut(rows, key=lambda p: (p.number,))
