"""What every case-workflow router shares: the documented errors, the role dependencies, the caller's
command (level and division, `service.cases.command`), and the dependencies that load a case or a unit's
dispatch (404, also for a case outside the caller's division) once, after the role check (403)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from service.accounts.deps import require_roles
from service.accounts.models import Role, User
from service.cases import service as cases
from service.cases.command import Command, check_readable, command_of
from service.cases.events import Audience, feed_stream
from service.cases.models import Case, Dispatch
from service.deps import SessionDep
from service.errors import ErrorResponse

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse},
    403: {"model": ErrorResponse},
    404: {"model": ErrorResponse},
    409: {"model": ErrorResponse, "description": "Not allowed in the current state; `details.allowed`."},
    422: {"model": ErrorResponse},
}

# One checker per role set, shared by every route and dependency that asks for it: FastAPI then runs
# (and audits a denial) once per request.
_commander = require_roles(Role.dispatcher, Role.street_team)
_console_reader = require_roles(Role.dispatcher, Role.street_team, Role.admin)
_unit_user = require_roles(Role.officer, Role.street_team)
_grid_worker = require_roles(Role.grid_worker)
_supervisor = require_roles(Role.supervisor)

# Command staff at the city, a district or a street (dispatchers), and a street's enforcement team.
Commander = Annotated[User, Depends(_commander)]
ConsoleReader = Annotated[User, Depends(_console_reader)]  # the command staff and admins (read-only)
UnitUser = Annotated[User, Depends(_unit_user)]
GridWorker = Annotated[User, Depends(_grid_worker)]
Supervisor = Annotated[User, Depends(_supervisor)]


def _console_command(session: SessionDep, user: ConsoleReader) -> Command:
    return command_of(session=session, user=user)


def _commanders_command(session: SessionDep, user: Commander) -> Command:
    return command_of(session=session, user=user)


ConsoleCommand = Annotated[Command, Depends(_console_command)]  # what a console reader may see
CommandersCommand = Annotated[Command, Depends(_commanders_command)]  # the same, for command staff only


def _readable_case(case_id: uuid.UUID, session: SessionDep, command: ConsoleCommand) -> Case:
    case = cases.get_case(session=session, case_id=case_id)
    check_readable(command, case)
    return case


def _commanders_case(case_id: uuid.UUID, session: SessionDep, command: CommandersCommand) -> Case:
    case = cases.get_case(session=session, case_id=case_id)
    check_readable(command, case)
    return case


def _my_dispatch(dispatch_id: uuid.UUID, session: SessionDep, user: UnitUser) -> tuple[Dispatch, Case]:
    return cases.get_my_dispatch(session=session, user=user, dispatch_id=dispatch_id)


ReadableCase = Annotated[Case, Depends(_readable_case)]  # console readers, in their division
CommandersCase = Annotated[Case, Depends(_commanders_case)]  # command staff, in their division
MyDispatch = Annotated[tuple[Dispatch, Case], Depends(_my_dispatch)]  # a dispatch of the caller's unit


# The OpenAPI description of a live feed route (server-sent events).
FEED_ROUTE: dict[str, Any] = {
    "response_class": StreamingResponse,
    "responses": {200: {"content": {"text/event-stream": {}}}},
}


def feed_response(
    request: Request, session: Session, database_url: str, audience: Audience, *, heartbeat_s: float,
    red_check_s: float,
) -> StreamingResponse:  # fmt: skip
    """A live feed for `audience`. The stream runs on a connection of its own: the request session's
    transaction ends first (the token and the audience were read), so no pooled connection idles in it
    for the stream's life."""
    session.commit()
    stream = feed_stream(
        request=request, database_url=database_url, heartbeat_s=heartbeat_s, red_check_s=red_check_s,
        audience=audience,
    )  # fmt: skip
    return StreamingResponse(
        stream,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
