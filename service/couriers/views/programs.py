"""Volunteer activities and service projects: offered by community staff, joined by riders, confirmed
(which writes the points) by community staff."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status

from service.accounts.deps import Member
from service.couriers import programs
from service.couriers import schemas as s
from service.couriers.models import ProgramType
from service.couriers.views.common import ERRORS, Courier, Staff, current_staff_program
from service.couriers.views.presenters import confirmation_public
from service.deps import SessionDep
from service.paging import Page

programs_router = APIRouter(
    prefix="/api/v1/programs", tags=["couriers: activities and projects"], responses=ERRORS
)


@programs_router.post(
    "",
    response_model=s.ProgramPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Offer an activity or project",
)
def create_program(body: s.ProgramCreate, session: SessionDep, user: Staff) -> Any:
    program = programs.create_program(
        session=session,
        community_code=body.community_code,
        type=body.type,
        kind=body.kind,
        title=body.title,
        description=body.description,
        points=body.points,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        capacity=body.capacity,
        by=user,
    )
    session.commit()
    return program


@programs_router.get("", response_model=list[s.ProgramPublic], summary="Activities and projects")
def list_programs(
    session: SessionDep,
    _user: Member,
    page: Page,
    community: Annotated[str | None, Query(pattern=r"^[0-9]{12}$")] = None,
    type: ProgramType | None = None,
) -> Any:
    """Newest first (paged: `limit`, `cursor`)."""
    rows = programs.list_programs(
        session=session, community_code=community, type=type, after=page.after(datetime, uuid.UUID),
        limit=page.fetch,
    )  # fmt: skip
    return page.cut(rows, key=lambda p: (p.created_at, p.id))


@programs_router.get("/counts", response_model=list[s.ProgramCountPublic], summary="Participations per group")
def program_counts(
    session: SessionDep, _user: Staff, page: Page, by: Literal["community", "company"] = "community"
) -> Any:
    """By group, then type (paged: `limit`, `cursor`)."""
    rows = programs.counts(session=session, by=by, after=page.after(str, str), limit=page.fetch)
    return page.cut(rows, key=lambda c: (c.group, c.type))


@programs_router.post(
    "/{program_id}/join", response_model=s.ParticipationPublic, summary="Join an activity / claim a project"
)
def join(program_id: uuid.UUID, session: SessionDep, user: Courier) -> Any:
    participation = programs.join_program(session=session, program_id=program_id, rider=user)
    session.commit()
    return participation


@programs_router.get(
    "/{program_id}/participants", response_model=list[s.ParticipationPublic], summary="Who joined (staff)"
)
def participants(program_id: uuid.UUID, session: SessionDep, user: Staff, page: Page) -> Any:
    """In the order they joined (paged: `limit`, `cursor`)."""
    after = page.after(datetime, uuid.UUID)
    # Loaded here, not by a dependency: a bad `limit` or `cursor` is 422 before an unknown programme 404.
    program = current_staff_program(program_id, session, user)
    rows = programs.list_participants(session=session, program_id=program.id, after=after, limit=page.fetch)
    return page.cut(rows, key=lambda p: (p.joined_at, p.rider_id))


@programs_router.post(
    "/{program_id}/participants/{rider_id}/confirm",
    response_model=s.ConfirmationPublic,
    summary="Confirm attendance / completion: writes the points",
)
def confirm(program_id: uuid.UUID, rider_id: uuid.UUID, session: SessionDep, user: Staff) -> Any:
    participation, entry_id = programs.confirm_participation(
        session=session, program_id=program_id, rider_id=rider_id, by=user
    )
    session.commit()
    return confirmation_public(participation, entry_id)
