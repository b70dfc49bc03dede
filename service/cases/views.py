"""HTTP routers of the case workflow: console (指挥中心), department (部门端), verification (核查).

Thin: parse, call `service.cases.service`, commit, answer. Every state change is also written to the
audit log. Roles per endpoint are in `ENDPOINT_ROLES`-style `require_roles` dependencies below; the
permission-matrix test reads them from the routes.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile, status
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from media.storage import MediaStore
from service.accounts.models import Role, User
from service.audit import service as audit
from service.audit.service import ClientInfo
from service.cases import service as cases
from service.cases import states
from service.cases.case_photos import RecordedPhoto, dispatch_photos, result_photos, verification_photos
from service.cases.events import feed_stream
from service.cases.models import Case, CaseEvent, Dispatch, VerificationTask
from service.cases.photos import process_case_photos
from service.cases.schemas import (
    AssignVerificationRequest,
    BoardRowPublic,
    CaseDetailPublic,
    CaseEventPublic,
    CasePublic,
    ClockEventPublic,
    DispatchPhotoPublic,
    DispatchPublic,
    DispatchRequest,
    EvaluationPublic,
    ExtensionDecision,
    ExtensionRequest,
    FileRequest,
    IndicatorRowPublic,
    IndicatorsPublic,
    MergeRequest,
    NoteRequest,
    QueueItemPublic,
    QueuePagePublic,
    ReasonRequest,
    SuggestionPublic,
    UnitListEntryPublic,
    UnitListsPublic,
    UnitRefPublic,
    VerificationPublic,
    VerificationTaskPublic,
    VerifierPublic,
)
from service.cases.scoring import ListKind
from service.cases.states import Action, CaseState, DispatchState
from service.cases.stats import GroupBy
from service.db import refs
from service.deps import ClientDep, SessionDep, SettingsDep, require_roles
from service.errors import ErrorResponse, Invalid
from service.media_store import MediaStoreDep
from service.reports.schemas import FlagPublic, PhotoPublic
from service.reports.service import media_url
from service.settings import Settings

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse},
    403: {"model": ErrorResponse},
    404: {"model": ErrorResponse},
    409: {"model": ErrorResponse, "description": "Not allowed in the current state; `details.allowed`."},
    422: {"model": ErrorResponse},
}

console_router = APIRouter(prefix="/api/v1/console", tags=["console"], responses=ERRORS)
department_router = APIRouter(prefix="/api/v1/department", tags=["department"], responses=ERRORS)
verification_router = APIRouter(prefix="/api/v1/verification", tags=["verification"], responses=ERRORS)

Dispatcher = Annotated[User, Depends(require_roles(Role.dispatcher))]
ConsoleReader = Annotated[User, Depends(require_roles(Role.dispatcher, Role.admin))]
Whistler = Annotated[User, Depends(require_roles(Role.dispatcher, Role.street_team))]
UnitUser = Annotated[User, Depends(require_roles(Role.officer, Role.street_team))]
GridWorker = Annotated[User, Depends(require_roles(Role.grid_worker))]


# ---------------------------------------------------------------------------------------------------
# Converters


def case_public(case: Case) -> CasePublic:
    out = CasePublic.model_validate(case)
    out.allowed_actions = [a.value for a in states.allowed_actions(CaseState(case.state))]
    return out


def _amount(value: Decimal) -> str:
    """1.00 → "1", 1.50 → "1.5", 10 → "10"."""
    return format(Decimal(value).normalize(), "f")


def dispatch_public(d: Dispatch) -> DispatchPublic:
    return DispatchPublic(
        id=d.id,
        case_id=d.case_id,
        unit_id=d.unit_id,
        role=d.role,
        state=d.state,
        dispatched_at=d.dispatched_at,
        note=d.note,
        check_in_limit={"amount": _amount(d.check_in_amount), "unit": d.check_in_unit},
        handling_limit={"amount": _amount(d.handling_amount), "unit": d.handling_unit},
        check_in_deadline=d.check_in_deadline,
        handling_deadline=d.handling_deadline,
        checked_in_at=d.checked_in_at,
        result_at=d.result_at,
        result_note=d.result_note,
        result_photo_count=d.result_photo_count,
        extension_request=(
            {
                "amount": str(d.extension_amount),
                "unit": d.extension_unit or "",
                "reason": d.extension_reason or "",
            }
            if d.extension_amount is not None
            else None
        ),
        extensions=list(d.extensions or []),
        rework_count=d.rework_count,
        sent_back_at=d.sent_back_at,
        send_back_reason=d.send_back_reason,
        send_back_rejected_at=d.send_back_rejected_at,
        closed_at=d.closed_at,
        allowed_actions=[a.value for a in states.allowed_actions(DispatchState(d.state))],
    )


def _done(
    session: Session, user: User, client: Any, action: str, subject_type: str, subject_id: uuid.UUID,
    detail: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    """Audit the state change and commit the transaction (events, state and audit row together)."""
    audit.record(
        session=session,
        action=f"case.{action}",
        actor_id=user.id,
        actor_username=user.username,
        subject_type=subject_type,
        subject_id=str(subject_id),
        client=client,
        detail=detail or {},
    )
    session.commit()


# ---------------------------------------------------------------------------------------------------
# Console: triage


@console_router.get("/triage", response_model=QueuePagePublic, summary="Reports awaiting triage (待研判)")
def triage_queue(
    session: SessionDep,
    _user: ConsoleReader,
    street: str | None = Query(None, max_length=12),
    district: str | None = Query(None, max_length=6),
    category: str | None = Query(None, max_length=8),
    flag: str | None = Query(None, max_length=40, description="Only reports carrying this integrity flag."),
    unflagged: bool = False,
    min_age_minutes: int | None = Query(None, ge=0),
    max_age_minutes: int | None = Query(None, ge=0),
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
    page = cases.list_queue(session=session, filters=filters, order=order, limit=limit, cursor=cursor)
    return QueuePagePublic(
        items=[QueueItemPublic.model_validate(item) for item in page.items], next_cursor=page.next_cursor
    )


@console_router.post(
    "/triage/{report_id}/file", response_model=CasePublic, status_code=status.HTTP_201_CREATED,
    summary="File a report as a new case (立案), optionally correcting its category",
)  # fmt: skip
def file_report(
    report_id: uuid.UUID, body: FileRequest, session: SessionDep, user: Dispatcher, client: ClientDep
) -> CasePublic:
    case = cases.file_report(
        session=session, report_id=report_id, by=user, category_code=body.category_code, note=body.note
    )
    _done(session, user, client, "file", "report", report_id, {"case_id": str(case.id)})
    return case_public(case)


@console_router.post("/triage/{report_id}/void", response_model=CasePublic, summary="Void a report (作废)")
def void_report(
    report_id: uuid.UUID, body: ReasonRequest, session: SessionDep, user: Dispatcher, client: ClientDep
) -> CasePublic:
    case = cases.void_report(session=session, report_id=report_id, by=user, reason=body.reason)
    _done(session, user, client, "void", "report", report_id, {"case_id": str(case.id)})
    return case_public(case)


@console_router.post(
    "/triage/{report_id}/merge", response_model=CasePublic, summary="Merge a duplicate report into a case"
)
def merge_report(
    report_id: uuid.UUID, body: MergeRequest, session: SessionDep, user: Dispatcher, client: ClientDep
) -> CasePublic:
    case = cases.merge_report(
        session=session, report_id=report_id, into_case_id=body.into_case_id, by=user, note=body.note
    )
    _done(session, user, client, "merge", "report", report_id, {"case_id": str(case.id)})
    return case_public(case)


# ---------------------------------------------------------------------------------------------------
# Console: cases


@console_router.get("/cases", response_model=list[CasePublic], summary="Cases, newest first")
def list_cases(
    session: SessionDep,
    _user: ConsoleReader,
    state: CaseState | None = None,
    street: str | None = Query(None, max_length=12),
    limit: int = Query(100, ge=1, le=500),
) -> list[CasePublic]:
    stmt = select(Case).order_by(Case.number.desc()).limit(limit)
    if state is not None:
        stmt = stmt.where(Case.state == state.value)
    if street:
        stmt = stmt.where(Case.street_code == street)
    return [case_public(c) for c in session.scalars(stmt)]


@console_router.get("/cases/{case_id}", response_model=CaseDetailPublic, summary="A case with its log")
def get_case(
    case_id: uuid.UUID, session: SessionDep, store: MediaStoreDep, _user: ConsoleReader
) -> CaseDetailPublic:
    case = cases.get_case(session=session, case_id=case_id)
    return case_detail(session, store, case)


def case_detail(session: Session, store: MediaStore, case: Case) -> CaseDetailPublic:
    r = refs.reports.c
    merged = select(Case.id).where(Case.merged_into_id == case.id)
    report_ids = list(
        session.scalars(
            select(r.id).where(or_(r.case_id == case.id, r.case_id.in_(merged))).order_by(r.created_at)
        )
    )
    dispatches = session.scalars(
        select(Dispatch).where(Dispatch.case_id == case.id).order_by(Dispatch.dispatched_at, Dispatch.id)
    )
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))
    dispatch_list = list(dispatches)
    photos = dispatch_photos(session, [d.id for d in dispatch_list])
    tasks = session.scalars(
        select(VerificationTask)
        .where(VerificationTask.case_id == case.id)
        .order_by(VerificationTask.created_at, VerificationTask.id)
    )
    return CaseDetailPublic(
        case=case_public(case),
        report_ids=report_ids,
        dispatches=[dispatch_public(d) for d in dispatch_list],
        events=[CaseEventPublic.model_validate(e) for e in events],
        dispatch_photos=[
            DispatchPhotoPublic(
                **_photo_public(p.photo, store).model_dump(), dispatch_id=p.dispatch_id, kind=p.kind
            )
            for p in photos
        ],
        verifications=[
            VerificationPublic(
                id=t.id, dispatch_id=t.dispatch_id, assignee_id=t.assignee_id, state=t.state,
                created_at=t.created_at, done_at=t.done_at, note=t.note, photo_count=t.photo_count,
                flags=_flags_public(t),
            )
            for t in tasks
        ],
    )  # fmt: skip


def _case_action(action: Action, summary: str, body_model: type[NoteRequest] | type[ReasonRequest]) -> None:
    path = f"/cases/{{case_id}}/{action.value}"

    if body_model is ReasonRequest:

        @console_router.post(path, response_model=CasePublic, summary=summary, name=f"case_{action.value}")
        def with_reason(
            case_id: uuid.UUID, body: ReasonRequest, session: SessionDep, user: Dispatcher, client: ClientDep
        ) -> CasePublic:
            case = cases.act_on_case(
                session=session, case_id=case_id, action=action, by=user, note=body.reason
            )
            _done(session, user, client, action.value, "case", case_id)
            return case_public(case)

    else:

        @console_router.post(path, response_model=CasePublic, summary=summary, name=f"case_{action.value}")
        def with_note(
            case_id: uuid.UUID, body: NoteRequest, session: SessionDep, user: Dispatcher, client: ClientDep
        ) -> CasePublic:
            case = cases.act_on_case(session=session, case_id=case_id, action=action, by=user, note=body.note)
            _done(session, user, client, action.value, "case", case_id)
            return case_public(case)


_case_action(Action.VOID, "Void a filed or held case (作废), with the reason", ReasonRequest)
_case_action(Action.HOLD, "Park a filed case (挂账)", NoteRequest)
_case_action(Action.RESUME, "Resume a held case", NoteRequest)
_case_action(Action.CLOSE, "Close a filed case settled without a dispatch (自处理)", NoteRequest)


@console_router.post("/cases/{case_id}/merge", response_model=CasePublic, summary="Merge a duplicate case")
def merge_case(
    case_id: uuid.UUID, body: MergeRequest, session: SessionDep, user: Dispatcher, client: ClientDep
) -> CasePublic:
    case = cases.merge_case(
        session=session, case_id=case_id, into_case_id=body.into_case_id, by=user, note=body.note
    )
    _done(session, user, client, "merge", "case", case_id, {"into_case_id": str(body.into_case_id)})
    return case_public(case)


@console_router.get(
    "/cases/{case_id}/suggestion", response_model=SuggestionPublic, summary="The router's suggested units"
)
def suggestion(case_id: uuid.UUID, session: SessionDep, _user: Whistler) -> SuggestionPublic:
    case = cases.get_case(session=session, case_id=case_id)
    s = cases.suggest_units(session=session, case=case)
    return SuggestionPublic(
        case_id=s.case_id,
        category_code=s.category_code,
        category_name=s.category_name,
        on_street_list=s.on_street_list,
        street_code=s.street_code,
        units=[UnitRefPublic(**u.__dict__) for u in s.units],
        trace=s.trace,
    )


@console_router.post(
    "/cases/{case_id}/dispatch", response_model=list[DispatchPublic], status_code=status.HTTP_201_CREATED,
    summary="Blow the whistle (吹哨): dispatch to one or several units (joint enforcement)",
)  # fmt: skip
def dispatch_case(
    case_id: uuid.UUID, body: DispatchRequest, session: SessionDep, user: Whistler, client: ClientDep
) -> list[DispatchPublic]:
    created = cases.dispatch_case(
        session=session, case_id=case_id, unit_ids=body.unit_ids, by=user, note=body.note
    )
    _done(session, user, client, "dispatch", "case", case_id, {"dispatches": [str(d.id) for d in created]})
    return [dispatch_public(d) for d in created]


@console_router.post(
    "/dispatches/{dispatch_id}/extension/grant", response_model=DispatchPublic, summary="Grant an extension"
)
def grant_extension(
    dispatch_id: uuid.UUID, body: ExtensionDecision, session: SessionDep, user: Dispatcher, client: ClientDep
) -> DispatchPublic:
    d = cases.decide_extension(
        session=session, dispatch_id=dispatch_id, grant=True, by=user, note=body.note, amount=body.amount,
        unit=body.unit,
    )  # fmt: skip
    _done(session, user, client, "grant_extension", "dispatch", dispatch_id)
    return dispatch_public(d)


@console_router.post(
    "/dispatches/{dispatch_id}/extension/deny", response_model=DispatchPublic, summary="Deny an extension"
)
def deny_extension(
    dispatch_id: uuid.UUID, body: NoteRequest, session: SessionDep, user: Dispatcher, client: ClientDep
) -> DispatchPublic:
    d = cases.decide_extension(session=session, dispatch_id=dispatch_id, grant=False, by=user, note=body.note)
    _done(session, user, client, "deny_extension", "dispatch", dispatch_id)
    return dispatch_public(d)


@console_router.get(
    "/cases/{case_id}/verifiers", response_model=list[VerifierPublic],
    summary="Grid workers who may verify this case, the closest first (for starting verification by hand)",
)  # fmt: skip
def verifiers(case_id: uuid.UUID, session: SessionDep, _user: Dispatcher) -> list[VerifierPublic]:
    case = cases.get_case(session=session, case_id=case_id)
    return [VerifierPublic(**v.__dict__) for v in cases.verifier_candidates(session=session, case=case)]


@console_router.post(
    "/dispatches/{dispatch_id}/send-back/reject", response_model=DispatchPublic,
    summary="Reject a send-back (退回不成立): the item is the unit's; it handles it, and loses points",
)  # fmt: skip
def reject_send_back(
    dispatch_id: uuid.UUID, body: ReasonRequest, session: SessionDep, user: Dispatcher, client: ClientDep
) -> DispatchPublic:
    d = cases.reject_send_back(session=session, dispatch_id=dispatch_id, by=user, reason=body.reason)
    _done(session, user, client, "reject_send_back", "dispatch", dispatch_id)
    return dispatch_public(d)


@console_router.post(
    "/dispatches/{dispatch_id}/verification", response_model=VerificationTaskPublic,
    status_code=status.HTTP_201_CREATED, summary="Start verification by hand, naming the grid worker",
)  # fmt: skip
def assign_verification(
    dispatch_id: uuid.UUID, body: AssignVerificationRequest, session: SessionDep, store: MediaStoreDep,
    user: Dispatcher, client: ClientDep,
) -> VerificationTaskPublic:  # fmt: skip
    task = cases.assign_verification(
        session=session, dispatch_id=dispatch_id, assignee_id=body.assignee_id, by=user
    )
    _done(session, user, client, "start_verification", "dispatch", dispatch_id)
    return _tasks_public(session, store, [cases.get_task(session=session, task_id=task.id)])[0]


# ---------------------------------------------------------------------------------------------------
# Console: SLA board, evaluation, indicators, live feed


@console_router.get("/board", response_model=list[BoardRowPublic], summary="SLA board (红黄绿灯), red first")
def board(
    session: SessionDep,
    _user: ConsoleReader,
    street: str | None = Query(None, max_length=12),
    unit_id: uuid.UUID | None = None,
    limit: int = Query(500, ge=1, le=2000),
) -> list[BoardRowPublic]:
    rows = cases.board(session=session, street_code=street, unit_id=unit_id, limit=limit)
    return [
        BoardRowPublic(
            **{k: v for k, v in r.__dict__.items() if not k.endswith("_colour")},
            check_in_colour=r.check_in_colour.value,
            handling_colour=r.handling_colour.value,
            colour=r.colour.value,
        )
        for r in rows
    ]


@console_router.get("/overdue", response_model=list[ClockEventPublic], summary="Running clocks past due")
def overdue(
    session: SessionDep, _user: ConsoleReader, limit: int = Query(500, ge=1, le=2000)
) -> list[ClockEventPublic]:
    return [ClockEventPublic(**e.__dict__) for e in cases.overdue(session=session, limit=limit)]


@console_router.get(
    "/turned-red", response_model=list[ClockEventPublic], summary="Deadlines that passed in [since, until)"
)
def turned_red(
    session: SessionDep, _user: ConsoleReader, since: datetime, until: datetime | None = None
) -> list[ClockEventPublic]:
    until = until or datetime.now(UTC)
    _aware(since, until)
    return [
        ClockEventPublic(**e.__dict__) for e in cases.turned_red(session=session, since=since, until=until)
    ]


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


@console_router.get("/evaluations", response_model=list[EvaluationPublic], summary="Stored scores (评价)")
def evaluations(
    session: SessionDep,
    _user: ConsoleReader,
    since: datetime | None = None,
    until: datetime | None = None,
    unit_id: uuid.UUID | None = None,
) -> list[EvaluationPublic]:
    since, until = _period(since, until)
    rows = cases.list_evaluations(session=session, since=since, until=until, unit_id=unit_id)
    return [EvaluationPublic.model_validate(e) for e in rows]


@console_router.post(
    "/evaluations/no-shows", response_model=list[EvaluationPublic],
    summary="Score every dispatch unanswered past its report-in deadline (未报到)",
)  # fmt: skip
def finalise_no_shows(session: SessionDep, user: Dispatcher, client: ClientDep) -> list[EvaluationPublic]:
    rows = cases.finalise_no_shows(session=session)
    out = [EvaluationPublic.model_validate(e) for e in rows]
    _done(session, user, client, "finalise_no_shows", "evaluations", uuid.UUID(int=0), {"count": len(out)})
    return out


@console_router.get(
    "/unit-lists", response_model=UnitListsPublic, summary="Praise / reminder / interview lists for a period"
)
def unit_lists(
    session: SessionDep, _user: ConsoleReader, since: datetime | None = None, until: datetime | None = None
) -> UnitListsPublic:
    since, until = _period(since, until)
    lists = cases.unit_lists(session=session, since=since, until=until)

    def entries(kind: ListKind) -> list[UnitListEntryPublic]:
        return [UnitListEntryPublic(**e.__dict__) for e in lists[kind]]

    return UnitListsPublic(
        since=since,
        until=until,
        praise=entries(ListKind.PRAISE),
        reminder=entries(ListKind.REMINDER),
        interview=entries(ListKind.INTERVIEW),
    )


def _indicator_public(row: cases.IndicatorRow) -> IndicatorRowPublic:
    i = row.indicators
    mean = i.mean_handling_time
    return IndicatorRowPublic(
        key=row.key,
        name=row.name,
        counts=dict(row.counts.__dict__),
        reported=i.reported,
        filed=i.filed,
        dispatched=i.dispatched,
        accurate_dispatch_rate=i.accurate_dispatch_rate,
        on_time_check_in_rate=i.on_time_check_in_rate,
        handling_rate=i.handling_rate,
        on_time_handling_rate=i.on_time_handling_rate,
        closure_rate=i.closure_rate,
        on_time_closure_rate=i.on_time_closure_rate,
        rework_rate=i.rework_rate,
        mean_handling_hours=None if mean is None else round(mean.total_seconds() / 3600, 4),
    )


@console_router.get("/indicators", response_model=IndicatorsPublic, summary="Indicators (综合评价) by group")
def indicators(
    session: SessionDep,
    _user: ConsoleReader,
    group_by: GroupBy = GroupBy.UNIT,
    since: datetime | None = None,
    until: datetime | None = None,
) -> IndicatorsPublic:
    since, until = _period(since, until)
    rows = cases.indicator_rows(session=session, group_by=group_by, since=since, until=until)
    return IndicatorsPublic(
        group_by=group_by.value, since=since, until=until, rows=[_indicator_public(r) for r in rows]
    )


@console_router.get(
    "/indicators.csv", response_class=Response, summary="Indicators as CSV",
    responses={200: {"content": {"text/csv": {}}}},
)  # fmt: skip
def indicators_csv(
    session: SessionDep,
    _user: ConsoleReader,
    group_by: GroupBy = GroupBy.UNIT,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Response:
    since, until = _period(since, until)
    rows = cases.indicator_rows(session=session, group_by=group_by, since=since, until=until)
    name = f"indicators-{group_by.value}-{since:%Y%m%d}-{until:%Y%m%d}.csv"
    return Response(
        cases.indicators_csv(rows, group_by),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@console_router.get(
    "/feed", summary="Live feed (server-sent events): new reports, state changes, deadlines turning red",
    response_class=StreamingResponse, responses={200: {"content": {"text/event-stream": {}}}},
)  # fmt: skip
def feed(
    request: Request,
    settings: SettingsDep,
    _user: ConsoleReader,
    heartbeat_s: float = Query(15.0, ge=0.2, le=60),
    red_check_s: float = Query(5.0, ge=0.2, le=60),
) -> StreamingResponse:
    stream = feed_stream(
        request=request,
        database_url=settings.database.url,
        heartbeat_s=heartbeat_s,
        red_check_s=red_check_s,
    )
    return StreamingResponse(
        stream,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


# ---------------------------------------------------------------------------------------------------
# Department


@department_router.get("/dispatches", response_model=list[DispatchPublic], summary="My unit's dispatches")
def my_dispatches(
    session: SessionDep,
    user: UnitUser,
    state: Annotated[list[DispatchState] | None, Query()] = None,
    limit: int = Query(100, ge=1, le=500),
) -> list[DispatchPublic]:
    rows = cases.list_my_dispatches(session=session, user=user, states=state or (), limit=limit)
    return [dispatch_public(d) for d, _ in rows]


@department_router.get("/dispatches/{dispatch_id}", response_model=CaseDetailPublic, summary="One dispatch")
def my_dispatch(
    dispatch_id: uuid.UUID, session: SessionDep, store: MediaStoreDep, user: UnitUser
) -> CaseDetailPublic:
    d, case = cases.get_my_dispatch(session=session, user=user, dispatch_id=dispatch_id)
    detail = case_detail(session, store, case)
    # A unit sees its own dispatch and the case's own history, not the other units' work.
    detail.dispatches = [x for x in detail.dispatches if x.id == d.id]
    detail.events = [e for e in detail.events if e.dispatch_id in (None, d.id)]
    detail.dispatch_photos = [p for p in detail.dispatch_photos if p.dispatch_id == d.id]
    detail.verifications = [v for v in detail.verifications if v.dispatch_id == d.id]
    return detail


@department_router.post("/dispatches/{dispatch_id}/check-in", response_model=DispatchPublic, summary="报到")
def check_in(
    dispatch_id: uuid.UUID, body: NoteRequest, session: SessionDep, user: UnitUser, client: ClientDep
) -> DispatchPublic:
    d = cases.check_in(session=session, dispatch_id=dispatch_id, user=user, note=body.note)
    _done(session, user, client, "check_in", "dispatch", dispatch_id)
    return dispatch_public(d)


@department_router.post(
    "/dispatches/{dispatch_id}/result", response_model=DispatchPublic,
    summary="Submit the result (处置反馈) with photos (multipart: `note`, `photos` 0-9)",
)  # fmt: skip
def submit_result(
    dispatch_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    store: MediaStoreDep,
    user: UnitUser,
    client: ClientDep,
    note: Annotated[str, Form(max_length=2000)],
    photos: Annotated[list[UploadFile] | None, File()] = None,
) -> DispatchPublic:
    # Checked before the photos are processed: nothing is stored for a dispatch that is not ours.
    cases.get_my_dispatch(session=session, user=user, dispatch_id=dispatch_id)
    stored = process_case_photos(photos or [], settings, store)
    d = cases.submit_result(session=session, dispatch_id=dispatch_id, user=user, note=note, photos=stored)
    _done(session, user, client, "submit_result", "dispatch", dispatch_id, {"photos": len(stored)})
    return dispatch_public(d)


@department_router.post(
    "/dispatches/{dispatch_id}/extension", response_model=DispatchPublic, summary="Request an extension"
)
def request_extension(
    dispatch_id: uuid.UUID, body: ExtensionRequest, session: SessionDep, user: UnitUser, client: ClientDep
) -> DispatchPublic:
    d = cases.request_extension(
        session=session, dispatch_id=dispatch_id, user=user, amount=body.amount, unit=body.unit,
        reason=body.reason,
    )  # fmt: skip
    _done(session, user, client, "request_extension", "dispatch", dispatch_id)
    return dispatch_public(d)


@department_router.post(
    "/dispatches/{dispatch_id}/send-back", response_model=DispatchPublic, summary="Send back: not ours (退回)"
)
def send_back(
    dispatch_id: uuid.UUID, body: ReasonRequest, session: SessionDep, user: UnitUser, client: ClientDep
) -> DispatchPublic:
    d = cases.send_back(session=session, dispatch_id=dispatch_id, user=user, reason=body.reason)
    _done(session, user, client, "send_back", "dispatch", dispatch_id)
    return dispatch_public(d)


# ---------------------------------------------------------------------------------------------------
# Verification (grid workers)


def _flags_public(task: VerificationTask) -> list[FlagPublic]:
    return [FlagPublic(code=code, message=task.flag_notes.get(code, code)) for code in task.flags]


def _photo_public(photo: RecordedPhoto, store: MediaStore) -> PhotoPublic:
    return PhotoPublic(
        id=photo.id,
        sha256=photo.sha256,
        display_url=media_url(store, photo.display_key),
        thumb_url=media_url(store, photo.thumb_key),
    )


def _tasks_public(
    session: Session, store: MediaStore, views: list[cases.TaskView]
) -> list[VerificationTaskPublic]:
    """Each task with the unit's result photos (what to check) and the grid worker's own photos."""
    results = result_photos(session, [v.dispatch.id for v in views])
    taken = verification_photos(session, [v.task.id for v in views])
    return [
        VerificationTaskPublic(
            id=v.task.id,
            state=v.task.state,
            created_at=v.task.created_at,
            done_at=v.task.done_at,
            note=v.task.note,
            case=case_public(v.case),
            dispatch=dispatch_public(v.dispatch),
            result_photos=[_photo_public(p, store) for p in results[v.dispatch.id]],
            photos=[_photo_public(p, store) for p in taken[v.task.id]],
            flags=_flags_public(v.task),
        )
        for v in views
    ]


@verification_router.get(
    "/tasks", response_model=list[VerificationTaskPublic], summary="My verification tasks"
)
def my_tasks(
    session: SessionDep, store: MediaStoreDep, user: GridWorker, include_done: bool = False
) -> list[VerificationTaskPublic]:
    return _tasks_public(
        session, store, cases.list_tasks(session=session, user=user, include_done=include_done)
    )


def _decide(
    *,
    passed: bool,
    dispatch_id: uuid.UUID,
    note: str,
    photos: list[UploadFile] | None,
    session: Session,
    settings: Settings,
    store: MediaStore,
    user: User,
    client: ClientInfo,
) -> DispatchPublic:
    # Checked before the photos are processed: nothing is stored for a decision that will be refused.
    cases.check_verifiable(session=session, dispatch_id=dispatch_id, user=user, passed=passed, note=note)
    stored = process_case_photos(
        photos or [], settings, store, min_photos=settings.cases.verification_min_photos
    )
    d = cases.verify(
        session=session, dispatch_id=dispatch_id, user=user, passed=passed, note=note, photos=stored,
        far_from_case_m=settings.cases.verification_far_m,
    )  # fmt: skip
    action = "verify_pass" if passed else "verify_fail"
    _done(session, user, client, action, "dispatch", dispatch_id, {"photos": len(stored)})
    return dispatch_public(d)


@verification_router.post(
    "/dispatches/{dispatch_id}/pass", response_model=DispatchPublic,
    summary="Verification passed (核查通过); multipart: `note`, `photos` (on-site photos, "
    "`WHISTLE_CASES__VERIFICATION_MIN_PHOTOS` to 9)",
)  # fmt: skip
def verify_pass(
    dispatch_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    store: MediaStoreDep,
    user: GridWorker,
    client: ClientDep,
    note: Annotated[str, Form(max_length=2000)] = "",
    photos: Annotated[list[UploadFile] | None, File()] = None,
) -> DispatchPublic:
    return _decide(
        passed=True, dispatch_id=dispatch_id, note=note, photos=photos, session=session, settings=settings,
        store=store, user=user, client=client,
    )  # fmt: skip


@verification_router.post(
    "/dispatches/{dispatch_id}/fail", response_model=DispatchPublic,
    summary="Verification failed: rework (返工); multipart: `reason`, `photos` (on-site photos)",
)  # fmt: skip
def verify_fail(
    dispatch_id: uuid.UUID,
    session: SessionDep,
    settings: SettingsDep,
    store: MediaStoreDep,
    user: GridWorker,
    client: ClientDep,
    reason: Annotated[str, Form(min_length=1, max_length=2000)],
    photos: Annotated[list[UploadFile] | None, File()] = None,
) -> DispatchPublic:
    return _decide(
        passed=False, dispatch_id=dispatch_id, note=reason, photos=photos, session=session, settings=settings,
        store=store, user=user, client=client,
    )  # fmt: skip


ROUTERS = (console_router, department_router, verification_router)
