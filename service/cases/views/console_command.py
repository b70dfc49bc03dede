"""The console's command levels (市 · 区 · 街道): what the caller commands, escalating a case (上报) and
taking one over (接管). `service.cases.command` holds the rules."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from service.cases import command as levels
from service.cases.schemas import CasePublic, CommandPublic, EscalateRequest, NoteRequest
from service.cases.views.common import ERRORS, Commander, ConsoleCommand
from service.cases.views.presenters import case_public
from service.deps import ClientDep, SessionDep

router = APIRouter(prefix="/api/v1/console", tags=["console"], responses=ERRORS)


@router.get("/command", response_model=CommandPublic, summary="What the caller commands: level and division")
def my_command(session: SessionDep, command: ConsoleCommand) -> CommandPublic:
    division = levels.division_of(session=session, command=command)
    return CommandPublic(
        level=command.level.value,
        level_label=levels.LEVEL_LABELS[command.level],
        code=command.code,
        name=division.name,
        may_act=command.may_act,
        bbox=list(division.bbox) if division.bbox else None,
    )


@router.post(
    "/cases/{case_id}/escalate", response_model=CasePublic,
    summary="Escalate (上报) a case the caller's level commands to the district or the city, with the reason",
)  # fmt: skip
def escalate(
    case_id: uuid.UUID, body: EscalateRequest, session: SessionDep, user: Commander, client: ClientDep
) -> CasePublic:
    case = levels.escalate(
        session=session, case_id=case_id, by=user, to=levels.Level(body.to_level), reason=body.reason,
        client=client,
    )  # fmt: skip
    session.commit()
    return case_public(case)


@router.post(
    "/cases/{case_id}/take-over", response_model=CasePublic,
    summary="Take over (接管) a case in the caller's division that a lower level commands",
)  # fmt: skip
def take_over(
    case_id: uuid.UUID, body: NoteRequest, session: SessionDep, user: Commander, client: ClientDep
) -> CasePublic:
    case = levels.take_over(session=session, case_id=case_id, by=user, note=body.note, client=client)
    session.commit()
    return case_public(case)
