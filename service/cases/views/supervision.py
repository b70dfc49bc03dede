"""The supervising office's view (督办单位, `/api/v1/supervision`): read-only, its own cases only.

A supervisor is bound to one office (`users.office_id`). It lists the cases its office supervises
(newest first, by state or overdue) and follows one case's progress: what was reported, the units
whistled and both clocks' colours, results and verification photos, the case's log. Any case the office
did not refer answers 404 (not 403), so case ids cannot be probed. The caller of a case made by hand is
never shown here.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Query

from media.storage import MediaStore
from service.cases import service as cases
from service.cases.models import Case
from service.cases.schemas import (
    SupervisedCaseDetailPublic,
    SupervisedCasePublic,
    SupervisedDispatchPublic,
)
from service.cases.states import CaseState
from service.cases.views.common import ERRORS, Supervisor
from service.cases.views.presenters import case_detail_public, case_public, dispatch_public
from service.cases.workflow import utcnow
from service.deps import SessionDep
from service.paging import Page
from service.photos.service import photo_public
from service.photos.store import MediaStoreDep

router = APIRouter(prefix="/api/v1/supervision", tags=["supervision"], responses=ERRORS)


def _office(user: Supervisor) -> uuid.UUID:
    if user.office_id is None:  # the database's check makes this impossible
        raise AssertionError("a supervisor is bound to an office")
    return user.office_id


def _case(case: Case, position: tuple[float, float] | None, now: datetime) -> SupervisedCasePublic:
    lon, lat = position if position is not None else (None, None)
    return SupervisedCasePublic(**case_public(case, now).model_dump(), lon=lon, lat=lat)


@router.get(
    "/cases", response_model=list[SupervisedCasePublic],
    summary="The cases my office supervises, newest first",
)  # fmt: skip
def my_cases(
    session: SessionDep,
    user: Supervisor,
    page: Page,
    state: CaseState | None = None,
    overdue: bool | None = Query(None, description="true: only those past the supervision deadline"),
) -> list[SupervisedCasePublic]:
    now = utcnow()
    rows = cases.list_supervised(
        session=session, office_id=_office(user), state=state, overdue=overdue, now=now,
        limit=page.fetch, before_number=page.after_value(int),
    )  # fmt: skip
    shown = page.cut(rows, key=lambda c: (c.number,))
    places = cases.positions(session, shown)
    return [_case(c, places.get(c.id), now) for c in shown]


@router.get(
    "/cases/{case_id}", response_model=SupervisedCaseDetailPublic,
    summary="One of my office's cases: its progress and results (another case: 404)",
)  # fmt: skip
def my_case(
    case_id: uuid.UUID, session: SessionDep, user: Supervisor, store: MediaStoreDep
) -> SupervisedCaseDetailPublic:
    now = utcnow()
    case = cases.get_supervised(session=session, office_id=_office(user), case_id=case_id)
    found = cases.supervised_detail(session=session, case_row=case)
    return _detail_public(found, store, now)


def _detail_public(
    found: cases.SupervisedDetail, store: MediaStore, now: datetime
) -> SupervisedCaseDetailPublic:
    base = case_detail_public(found.detail, store)  # never with the caller
    dispatches = []
    for d in found.detail.dispatches:
        check_in, handling = cases.clock_colours(d, now)
        dispatches.append(
            SupervisedDispatchPublic(
                **dispatch_public(d).model_dump(),
                unit_name=found.unit_names.get(d.unit_id, ""),
                check_in_colour=check_in.value,
                handling_colour=handling.value,
            )
        )
    return SupervisedCaseDetailPublic(
        case=_case(found.detail.case, found.position, now),
        description=found.description,
        report_photos=[photo_public(p, store) for p in found.report_photos],
        dispatches=dispatches,
        events=base.events,
        dispatch_photos=base.dispatch_photos,
        verifications=base.verifications,
    )
