"""The console's supervision (督办): put a case under a supervising office, with its deadline and note, or
change them. Audited, and in the case's log (action `supervise`)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from service.cases import service as cases
from service.cases.schemas import CasePublic, SupervisionRequest
from service.cases.views.common import ERRORS, Commander
from service.cases.views.presenters import case_public
from service.deps import ClientDep, SessionDep

router = APIRouter(prefix="/api/v1/console", tags=["console"], responses=ERRORS)


@router.post(
    "/cases/{case_id}/supervision", response_model=CasePublic,
    summary="督办: name the case's supervising office, deadline (督办时限) and note",
)  # fmt: skip
def supervise_case(
    case_id: uuid.UUID, body: SupervisionRequest, session: SessionDep, user: Commander, client: ClientDep
) -> CasePublic:
    case = cases.supervise_case(
        session=session, case_id=case_id, office_id=body.office_id, deadline=body.deadline, by=user,
        note=body.note, client=client,
    )  # fmt: skip
    session.commit()
    return case_public(case)
