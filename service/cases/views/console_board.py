"""The console's clocks and numbers: the SLA board (红黄绿灯), overdue and turned-red clocks, evaluations
and the praise/reminder/interview lists, indicators (also as CSV), and the live feed (server-sent events)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from service.cases import service as cases
from service.cases.events import CommandAudience
from service.cases.schemas import (
    BoardRowPublic,
    ClockEventPublic,
    EvaluationPublic,
    IndicatorsPublic,
    UnitListEntryPublic,
    UnitListsPublic,
)
from service.cases.scoring import ListKind
from service.cases.stats import GroupBy
from service.cases.views.common import ERRORS, FEED_ROUTE, Commander, ConsoleCommand, feed_response
from service.cases.views.presenters import board_row_public, indicator_public
from service.deps import ClientDep, SessionDep, SettingsDep
from service.errors import Invalid
from service.paging import Paging, paged
from service.params import FeedSeconds

router = APIRouter(prefix="/api/v1/console", tags=["console"], responses=ERRORS)
# The console's clock lists (board, overdue, turned red, evaluations): pages of up to 2000, 500 by default.
ClockPage = Annotated[Paging, Depends(paged(default=500, maximum=2000))]


def _aware(*moments: datetime) -> None:
    if any(m.tzinfo is None for m in moments):
        raise Invalid("times need an offset (ISO 8601, e.g. 2026-05-01T00:00:00+08:00)")
    if any(not 2000 <= m.year <= 2100 for m in moments):
        raise Invalid("times must lie between the years 2000 and 2100")


def _period(since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    until = until or datetime.now(UTC)
    _aware(until)
    since = since or until - timedelta(days=30)
    _aware(since)
    if since >= until:
        raise Invalid("since must be before until")
    return since, until


@router.get("/board", response_model=list[BoardRowPublic], summary="SLA board (红黄绿灯), red first")
def board(
    session: SessionDep,
    command: ConsoleCommand,
    page: ClockPage,
    street: str | None = Query(None, max_length=12),
    unit_id: uuid.UUID | None = None,
) -> list[BoardRowPublic]:
    """The `limit` most urgent handling deadlines, red first; the next page goes on by urgency."""
    rows = cases.board(
        session=session, street_code=street, unit_id=unit_id, limit=page.fetch,
        after=page.after(datetime, uuid.UUID), command=command,
    )  # fmt: skip
    kept = page.cut(sorted(rows, key=lambda r: r.key), key=lambda r: r.key)
    return [board_row_public(r) for r in cases.red_first(kept)]


@router.get("/overdue", response_model=list[ClockEventPublic], summary="Running clocks past due")
def overdue(session: SessionDep, command: ConsoleCommand, page: ClockPage) -> list[ClockEventPublic]:
    rows = cases.overdue(
        session=session, limit=page.fetch, after=page.after(datetime, uuid.UUID, str), command=command
    )
    return [ClockEventPublic(**e.__dict__) for e in page.cut(rows, key=lambda e: e.key)]


@router.get(
    "/turned-red", response_model=list[ClockEventPublic], summary="Deadlines that passed in [since, until)"
)
def turned_red(
    session: SessionDep,
    command: ConsoleCommand,
    page: ClockPage,
    since: datetime,
    until: datetime | None = None,
) -> list[ClockEventPublic]:
    until = until or datetime.now(UTC)
    _aware(since, until)
    rows = cases.turned_red(
        session=session,
        since=since,
        until=until,
        limit=page.fetch,
        after=page.after(datetime, uuid.UUID, str),
        command=command,
    )
    return [ClockEventPublic(**e.__dict__) for e in page.cut(rows, key=lambda e: e.key)]


@router.get("/evaluations", response_model=list[EvaluationPublic], summary="Stored scores (评价)")
def evaluations(
    session: SessionDep,
    command: ConsoleCommand,
    page: ClockPage,
    since: datetime | None = None,
    until: datetime | None = None,
    unit_id: uuid.UUID | None = None,
) -> list[EvaluationPublic]:
    since, until = _period(since, until)
    rows = cases.list_evaluations(
        session=session, since=since, until=until, unit_id=unit_id, limit=page.fetch,
        after=page.after(datetime, uuid.UUID), command=command,
    )  # fmt: skip
    kept = page.cut(rows, key=lambda e: (e.evaluated_at, e.dispatch_id))
    return [EvaluationPublic.model_validate(e) for e in kept]


@router.post(
    "/evaluations/no-shows", response_model=list[EvaluationPublic],
    summary="Score every dispatch unanswered past its report-in deadline (未报到)",
)  # fmt: skip
def finalise_no_shows(session: SessionDep, user: Commander, client: ClientDep) -> list[EvaluationPublic]:
    rows = cases.finalise_no_shows(session=session, by=user, client=client)
    out = [EvaluationPublic.model_validate(e) for e in rows]
    session.commit()
    return out


@router.get(
    "/unit-lists", response_model=UnitListsPublic, summary="Praise / reminder / interview lists for a period"
)
def unit_lists(
    session: SessionDep, command: ConsoleCommand, since: datetime | None = None, until: datetime | None = None
) -> UnitListsPublic:
    since, until = _period(since, until)
    lists = cases.unit_lists(session=session, since=since, until=until, command=command)

    def entries(kind: ListKind) -> list[UnitListEntryPublic]:
        return [UnitListEntryPublic(**e.__dict__) for e in lists[kind]]

    return UnitListsPublic(
        since=since,
        until=until,
        praise=entries(ListKind.PRAISE),
        reminder=entries(ListKind.REMINDER),
        interview=entries(ListKind.INTERVIEW),
    )


@router.get("/indicators", response_model=IndicatorsPublic, summary="Indicators (综合评价) by group")
def indicators(
    session: SessionDep,
    command: ConsoleCommand,
    group_by: GroupBy = GroupBy.UNIT,
    since: datetime | None = None,
    until: datetime | None = None,
) -> IndicatorsPublic:
    since, until = _period(since, until)
    rows = cases.indicator_rows(session=session, group_by=group_by, since=since, until=until, command=command)
    return IndicatorsPublic(
        group_by=group_by.value, since=since, until=until, rows=[indicator_public(r) for r in rows]
    )


@router.get(
    "/indicators.csv", response_class=Response, summary="Indicators as CSV",
    responses={200: {"content": {"text/csv": {}}}},
)  # fmt: skip
def indicators_csv(
    session: SessionDep,
    command: ConsoleCommand,
    group_by: GroupBy = GroupBy.UNIT,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Response:
    since, until = _period(since, until)
    rows = cases.indicator_rows(session=session, group_by=group_by, since=since, until=until, command=command)
    name = f"indicators-{group_by.value}-{since:%Y%m%d}-{until:%Y%m%d}.csv"
    return Response(
        cases.indicators_csv(rows, group_by),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/feed",
    summary="Live feed (server-sent events): new reports, state changes, deadlines turning red",
    **FEED_ROUTE,
)
def feed(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    command: ConsoleCommand,
    heartbeat_s: FeedSeconds = 15.0,
    red_check_s: FeedSeconds = 5.0,
) -> StreamingResponse:
    return feed_response(
        request, session, settings.database.url, CommandAudience(command), heartbeat_s=heartbeat_s,
        red_check_s=red_check_s,
    )  # fmt: skip
