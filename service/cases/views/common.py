"""What every case-workflow router shares: the documented errors, the role dependencies, and the
dependencies that load a case or a unit's dispatch (404) once, after the role check (403)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends

from service.accounts.deps import require_roles
from service.accounts.models import Role, User
from service.cases import service as cases
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
_dispatcher = require_roles(Role.dispatcher)
_console_reader = require_roles(Role.dispatcher, Role.admin)
_whistler = require_roles(Role.dispatcher, Role.street_team)
_unit_user = require_roles(Role.officer, Role.street_team)
_grid_worker = require_roles(Role.grid_worker)
_supervisor = require_roles(Role.supervisor)

Dispatcher = Annotated[User, Depends(_dispatcher)]
ConsoleReader = Annotated[User, Depends(_console_reader)]
Whistler = Annotated[User, Depends(_whistler)]
UnitUser = Annotated[User, Depends(_unit_user)]
GridWorker = Annotated[User, Depends(_grid_worker)]
Supervisor = Annotated[User, Depends(_supervisor)]


def _readable_case(case_id: uuid.UUID, session: SessionDep, _user: ConsoleReader) -> Case:
    return cases.get_case(session=session, case_id=case_id)


def _whistlers_case(case_id: uuid.UUID, session: SessionDep, _user: Whistler) -> Case:
    return cases.get_case(session=session, case_id=case_id)


def _my_dispatch(dispatch_id: uuid.UUID, session: SessionDep, user: UnitUser) -> tuple[Dispatch, Case]:
    return cases.get_my_dispatch(session=session, user=user, dispatch_id=dispatch_id)


ReadableCase = Annotated[Case, Depends(_readable_case)]  # the command center and admins
WhistlersCase = Annotated[Case, Depends(_whistlers_case)]  # who may blow the whistle on it
MyDispatch = Annotated[tuple[Dispatch, Case], Depends(_my_dispatch)]  # a dispatch of the caller's unit
