"""The console's triage (研判): the queue of reports awaiting judgement; filing, voiding or merging one."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Literal

from fastapi import APIRouter, Query, status

from service.cases import service as cases
from service.cases.schemas import (
    CasePublic,
    FileRequest,
    MergeRequest,
    QueueItemPublic,
    QueuePagePublic,
    ReasonRequest,
)
from service.cases.views.common import ERRORS, Commander, ConsoleCommand
from service.cases.views.presenters import case_public
from service.deps import ClientDep, SessionDep
from service.params import AgeMinutes

router = APIRouter(prefix="/api/v1/console", tags=["console"], responses=ERRORS)


@router.get("/triage", response_model=QueuePagePublic, summary="Reports awaiting triage (待研判)")
def triage_queue(
    session: SessionDep,
    command: ConsoleCommand,
    street: str | None = Query(None, max_length=12),
    district: str | None = Query(None, max_length=6),
    category: str | None = Query(None, max_length=8),
    flag: str | None = Query(None, max_length=40, description="Only reports carrying this integrity flag."),
    unflagged: bool = False,
    min_age_minutes: AgeMinutes = None,
    max_age_minutes: AgeMinutes = None,
    order: Literal["newest", "oldest"] = "newest",
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = None,
) -> QueuePagePublic:
    filters = cases.QueueFilters(
        street_code=street,
        district_code=district,
        category_code=category,
        flag=flag,
        unflagged=unflagged,
        min_age=timedelta(minutes=min_age_minutes) if min_age_minutes is not None else None,
        max_age=timedelta(minutes=max_age_minutes) if max_age_minutes is not None else None,
    )
    page = cases.list_queue(
        session=session, filters=filters, order=order, limit=limit, cursor=cursor, command=command
    )
    return QueuePagePublic(
        items=[QueueItemPublic.model_validate(item) for item in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "/triage/{report_id}/file", response_model=CasePublic, status_code=status.HTTP_201_CREATED,
    summary="File a report as a new case (立案), optionally correcting its category",
)  # fmt: skip
def file_report(
    report_id: uuid.UUID, body: FileRequest, session: SessionDep, user: Commander, client: ClientDep
) -> CasePublic:
    case = cases.file_report(
        session=session, report_id=report_id, by=user, category_code=body.category_code, note=body.note,
        client=client,
    )  # fmt: skip
    session.commit()
    return case_public(case)


@router.post("/triage/{report_id}/void", response_model=CasePublic, summary="Void a report (作废)")
def void_report(
    report_id: uuid.UUID, body: ReasonRequest, session: SessionDep, user: Commander, client: ClientDep
) -> CasePublic:
    case = cases.void_report(session=session, report_id=report_id, by=user, reason=body.reason, client=client)
    session.commit()
    return case_public(case)


@router.post(
    "/triage/{report_id}/merge", response_model=CasePublic, summary="Merge a duplicate report into a case"
)
def merge_report(
    report_id: uuid.UUID, body: MergeRequest, session: SessionDep, user: Commander, client: ClientDep
) -> CasePublic:
    case = cases.merge_report(
        session=session, report_id=report_id, into_case_id=body.into_case_id, by=user, note=body.note,
        client=client,
    )  # fmt: skip
    session.commit()
    return case_public(case)
