"""`/api/v1/field/...`: what an officer or a street-team member reads on the phone (the unit acts
through `/api/v1/department/...`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from media.storage import MediaStore
from service.cases import service as cases
from service.cases.models import Case, Dispatch
from service.cases.views.common import ERRORS, FEED_ROUTE, MyDispatch, UnitUser, feed_response
from service.cases.views.presenters import case_detail_public, dispatch_public, supervision_public
from service.deps import SessionDep, SettingsDep
from service.field import queries
from service.field.feed import UnitAudience
from service.field.schemas import (
    ClockPublic,
    FieldCasePagePublic,
    FieldCasePublic,
    FieldHistoryPublic,
    FieldWhistlePublic,
    PartnerPublic,
    PlacePublic,
    ScorePublic,
)
from service.paging import Paging, paged
from service.params import FeedSeconds
from service.photos.service import media_url, photo_public, report_photos
from service.photos.store import MediaStoreDep

router = APIRouter(prefix="/api/v1/field", tags=["field"], responses=ERRORS)
FieldPage = Annotated[Paging, Depends(paged(default=50, maximum=200))]


@router.get("/whistles", response_model=list[FieldWhistlePublic], summary="My unit's live whistles (哨单)")
def whistles(
    session: SessionDep, user: UnitUser, store: MediaStoreDep, page: FieldPage
) -> list[FieldWhistlePublic]:
    """Most urgent first: a running clock (report in, then handling) by its deadline, then the ones
    handed in and waiting on verification; ties newest whistle first."""
    after = page.after(int, datetime, datetime, uuid.UUID)
    found = queries.whistles(session=session, unit_id=queries.unit_of(user), limit=page.fetch, after=after)
    rows = page.cut(found.rows, key=lambda row: queries.whistle_key(row[0]))
    return [_whistle(found, d, c, store) for d, c in rows]


@router.get(
    "/history", response_model=list[FieldHistoryPublic], summary="My unit's finished dispatches (已办)"
)
def history(
    session: SessionDep, user: UnitUser, store: MediaStoreDep, page: FieldPage
) -> list[FieldHistoryPublic]:
    """Closed, sent back or withdrawn, newest finished first, each with its score (评价) and items."""
    after = page.after(datetime, uuid.UUID)
    found = queries.history(session=session, unit_id=queries.unit_of(user), limit=page.fetch, after=after)
    rows = page.cut(found.rows, key=lambda row: (queries.finished_at(row[0]), row[0].id))
    return [
        FieldHistoryPublic(
            **_whistle(found, d, c, store).model_dump(),
            finished_at=queries.finished_at(d),
            evaluation=_score(found, d),
        )
        for d, c in rows
    ]


@router.get(
    "/dispatches/{dispatch_id}", response_model=FieldCasePagePublic, summary="The case page (案件详情)"
)
def case_page(
    mine: MyDispatch, session: SessionDep, user: UnitUser, store: MediaStoreDep
) -> FieldCasePagePublic:
    """The card, the reporter's photos and text, the unit's own photos, the log, the score once given.
    Another unit's dispatch is 404."""
    d, c = mine
    found = queries.one(session=session, unit_id=queries.unit_of(user), dispatch=d, case_=c)
    detail = case_detail_public(cases.case_detail(session=session, case=c), store)
    by_report = report_photos(session=session, report_ids=detail.report_ids)
    return FieldCasePagePublic(
        **_whistle(found, d, c, store).model_dump(),
        unit_name=found.names.units.get(d.unit_id, ""),
        photos=[photo_public(p, store) for r in detail.report_ids for p in by_report.get(r, [])],
        my_photos=[p for p in detail.dispatch_photos if p.dispatch_id == d.id],
        events=[e for e in detail.events if e.dispatch_id in (None, d.id)],
        evaluation=_score(found, d),
    )


@router.get("/feed", summary="Live feed of my unit (server-sent events): whistle | state | red", **FEED_ROUTE)
def feed(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: UnitUser,
    heartbeat_s: FeedSeconds = 15.0,
    red_check_s: FeedSeconds = 5.0,
) -> StreamingResponse:
    """`whistle`: a new dispatch to the unit (`dispatch_id`, `case_id`); `state`: a change to a case the
    unit works on; `red`: one of the unit's clocks passed its deadline. Same wire format as the console's."""
    audience = UnitAudience(queries.unit_of(user))
    return feed_response(
        request, session, settings.database.url, audience, heartbeat_s=heartbeat_s, red_check_s=red_check_s
    )


def _whistle(found: queries.Page, d: Dispatch, c: Case, store: MediaStore) -> FieldWhistlePublic:
    names, report = found.names, found.reports.get(c.primary_report_id)
    place = {
        level: names.places[level].get(code) if code else None
        for level, code in (
            ("district", c.district_code), ("street", c.street_code), ("community", c.community_code),
            ("grid", c.grid_code),
        )
    }  # fmt: skip
    clock = queries.running_clock(d)
    supervision = supervision_public(c)
    return FieldWhistlePublic(
        dispatch=dispatch_public(d, case_supervision=supervision),
        case=FieldCasePublic(
            id=c.id,
            number=c.number,
            state=c.state,
            category_code=c.category_code,
            category_name=names.categories.get(c.category_code, c.category_code),
            source=c.source,
            command_level=c.command_level,
            supervision=supervision,
        ),
        place=PlacePublic(**place, label=queries.place_label(**place)),
        lon=float(report.lon) if report is not None and report.lon is not None else None,
        lat=float(report.lat) if report is not None and report.lat is not None else None,
        description=report.text if report is not None else "",
        thumb_url=media_url(store, report.thumb_key) if report is not None and report.thumb_key else None,
        clock=ClockPublic(kind=clock[0], deadline=clock[1]) if clock is not None else None,
        partners=[
            PartnerPublic(
                unit_id=p.unit_id, unit_name=names.units.get(p.unit_id, ""), role=p.role, state=p.state
            )
            for p in found.partners.get(c.id, [])
        ],
    )


def _score(found: queries.Page, d: Dispatch) -> ScorePublic | None:
    e = found.scores.get(d.id)
    if e is None:
        return None
    return ScorePublic(score=e.score, reason=e.reason, breakdown=e.breakdown, evaluated_at=e.evaluated_at)
