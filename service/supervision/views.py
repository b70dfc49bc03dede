"""Supervising offices over HTTP: the admins' list (every office), create and deactivate; the console's
list of active offices to pick from when a case is put under supervision."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, status

from service.accounts.deps import AdminUser, require_roles
from service.accounts.models import Role, User
from service.audit import service as audit
from service.deps import ClientDep, SessionDep
from service.errors import ErrorResponse
from service.paging import Page
from service.supervision import service as offices
from service.supervision.schemas import OfficeCreate, OfficePublic

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse},
    403: {"model": ErrorResponse},
    404: {"model": ErrorResponse},
    409: {"model": ErrorResponse},
    422: {"model": ErrorResponse},
}

admin_router = APIRouter(prefix="/api/v1/admin/supervising-offices", tags=["admin"], responses=ERRORS)
console_router = APIRouter(prefix="/api/v1/console", tags=["console"], responses=ERRORS)

CaseMaker = Annotated[User, Depends(require_roles(Role.dispatcher, Role.admin, Role.street_team))]


@admin_router.get("", response_model=list[OfficePublic], summary="Supervising offices (督办单位), by code")
def list_offices(_admin: AdminUser, session: SessionDep, page: Page) -> list[OfficePublic]:
    rows = offices.list_offices(session=session, after=page.after_value(str), limit=page.fetch)
    return [OfficePublic.model_validate(o) for o in page.cut(rows, key=lambda o: (o.code,))]


@admin_router.post(
    "", response_model=OfficePublic, status_code=status.HTTP_201_CREATED, summary="Add a supervising office"
)
def create_office(
    body: OfficeCreate, admin: AdminUser, session: SessionDep, client: ClientDep
) -> OfficePublic:
    office = offices.create_office(
        session=session, code=body.code, name=body.name, district_code=body.district_code
    )
    audit.record(
        session=session, action="supervising_office_created", actor_id=admin.id,
        actor_username=admin.username, subject_type="supervising_office", subject_id=str(office.id),
        client=client, detail={"code": office.code, "name": office.name},
    )  # fmt: skip
    session.commit()
    return OfficePublic.model_validate(office)


@admin_router.post(
    "/{office_id}/deactivate", response_model=OfficePublic,
    summary="Deactivate an office: no new cases or accounts; its cases and accounts stay",
)  # fmt: skip
def deactivate_office(
    office_id: uuid.UUID, admin: AdminUser, session: SessionDep, client: ClientDep
) -> OfficePublic:
    office = offices.deactivate_office(session=session, office_id=office_id)
    audit.record(
        session=session, action="supervising_office_deactivated", actor_id=admin.id,
        actor_username=admin.username, subject_type="supervising_office", subject_id=str(office.id),
        client=client,
    )  # fmt: skip
    session.commit()
    return OfficePublic.model_validate(office)


@console_router.get(
    "/supervising-offices", response_model=list[OfficePublic],
    summary="Active supervising offices, by code (to name one when a case is put under supervision)",
)  # fmt: skip
def active_offices(_user: CaseMaker, session: SessionDep, page: Page) -> list[OfficePublic]:
    rows = offices.list_offices(
        session=session, active_only=True, after=page.after_value(str), limit=page.fetch
    )
    return [OfficePublic.model_validate(o) for o in page.cut(rows, key=lambda o: (o.code,))]
