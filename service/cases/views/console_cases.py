"""The console's cases: the list, one case with its log, case actions (void, hold, resume, close, merge),
the whistle (吹哨) with suggested units and its own limits, extension and send-back decisions,
withdrawal and reassignment (撤回/改派), verification by hand."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from service.cases import service as cases
from service.cases.command import check_readable
from service.cases.schemas import (
    AssignVerificationRequest,
    CaseDetailPublic,
    CasePublic,
    CaseSource,
    DispatchPublic,
    DispatchRequest,
    ExtensionDecision,
    LimitRequest,
    MergeRequest,
    NoteRequest,
    ReasonRequest,
    ReassignPublic,
    ReassignRequest,
    SuggestionPublic,
    UnitRefPublic,
    VerificationTaskPublic,
    VerifierPublic,
    WithdrawRequest,
)
from service.cases.states import Action, CaseState
from service.cases.views.common import (
    ERRORS,
    Commander,
    CommandersCase,
    CommandersCommand,
    ConsoleCommand,
    ReadableCase,
)
from service.cases.views.presenters import case_detail_public, case_public, dispatch_public, tasks_public
from service.deps import ClientDep, SessionDep
from service.paging import Page
from service.photos.store import MediaStoreDep

router = APIRouter(prefix="/api/v1/console", tags=["console"], responses=ERRORS)


@router.get("/cases", response_model=list[CasePublic], summary="Cases, newest first")
def list_cases(
    session: SessionDep,
    command: ConsoleCommand,
    page: Page,
    state: CaseState | None = None,
    street: str | None = Query(None, max_length=12),
    source: CaseSource | None = Query(None, description="Only the cases from this source"),
    supervised: bool | None = Query(None, description="true: only cases under supervision (督办)"),
) -> list[CasePublic]:
    rows = cases.list_cases(
        session=session,
        state=state,
        street_code=street,
        limit=page.fetch,
        before_number=page.after_value(int),
        source=source,
        supervised=supervised,
        command=command,
    )
    return [case_public(c) for c in page.cut(rows, key=lambda c: (c.number,))]


@router.get("/cases/{case_id}", response_model=CaseDetailPublic, summary="A case with its log")
def get_case(case: ReadableCase, session: SessionDep, store: MediaStoreDep) -> CaseDetailPublic:
    return case_detail_public(cases.case_detail(session=session, case=case), store, with_caller=True)


def _case_action(action: Action, summary: str, body_model: type[NoteRequest] | type[ReasonRequest]) -> None:
    path = f"/cases/{{case_id}}/{action.value}"

    if body_model is ReasonRequest:

        @router.post(path, response_model=CasePublic, summary=summary, name=f"case_{action.value}")
        def with_reason(
            case_id: uuid.UUID, body: ReasonRequest, session: SessionDep, user: Commander, client: ClientDep
        ) -> CasePublic:
            case = cases.act_on_case(
                session=session, case_id=case_id, action=action, by=user, note=body.reason, client=client
            )
            session.commit()
            return case_public(case)

    else:

        @router.post(path, response_model=CasePublic, summary=summary, name=f"case_{action.value}")
        def with_note(
            case_id: uuid.UUID, body: NoteRequest, session: SessionDep, user: Commander, client: ClientDep
        ) -> CasePublic:
            case = cases.act_on_case(
                session=session, case_id=case_id, action=action, by=user, note=body.note, client=client
            )
            session.commit()
            return case_public(case)


_case_action(Action.VOID, "Void a filed or held case (作废), with the reason", ReasonRequest)
_case_action(Action.HOLD, "Park a filed case (挂账)", NoteRequest)
_case_action(Action.RESUME, "Resume a held case", NoteRequest)
_case_action(Action.CLOSE, "Close a filed case settled without a dispatch (自处理)", NoteRequest)


@router.post("/cases/{case_id}/merge", response_model=CasePublic, summary="Merge a duplicate case")
def merge_case(
    case_id: uuid.UUID, body: MergeRequest, session: SessionDep, user: Commander, client: ClientDep
) -> CasePublic:
    case = cases.merge_case(
        session=session, case_id=case_id, into_case_id=body.into_case_id, by=user, note=body.note,
        client=client,
    )  # fmt: skip
    session.commit()
    return case_public(case)


@router.get(
    "/cases/{case_id}/suggestion", response_model=SuggestionPublic, summary="The router's suggested units"
)
def suggestion(case: CommandersCase, session: SessionDep) -> SuggestionPublic:
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


@router.post(
    "/cases/{case_id}/dispatch", response_model=list[DispatchPublic], status_code=status.HTTP_201_CREATED,
    summary="Blow the whistle (吹哨): dispatch to one or several units (joint enforcement)",
)  # fmt: skip
def dispatch_case(
    case_id: uuid.UUID, body: DispatchRequest, session: SessionDep, user: Commander, client: ClientDep
) -> list[DispatchPublic]:
    created = cases.dispatch_case(
        session=session, case_id=case_id, unit_ids=body.unit_ids, by=user, note=body.note, client=client,
        limits=_limits(body.check_in_limit, body.handling_limit),
    )  # fmt: skip
    session.commit()
    return [dispatch_public(d) for d in created]


def _limits(check_in: LimitRequest | None, handling: LimitRequest | None) -> cases.WhistleLimits | None:
    if check_in is None and handling is None:
        return None
    return cases.WhistleLimits(
        check_in=check_in.limit() if check_in else None, handling=handling.limit() if handling else None
    )


@router.post(
    "/dispatches/{dispatch_id}/withdraw", response_model=DispatchPublic,
    summary="Withdraw a running dispatch (撤回), with the reason; the case closes when every remaining "
    "dispatch is closed, and returns to the whistle step when none remains",
)  # fmt: skip
def withdraw(
    dispatch_id: uuid.UUID, body: WithdrawRequest, session: SessionDep, user: Commander, client: ClientDep
) -> DispatchPublic:
    d = cases.withdraw_dispatch(
        session=session, dispatch_id=dispatch_id, by=user, reason=body.reason, client=client
    )
    session.commit()
    return dispatch_public(d)


@router.post(
    "/dispatches/{dispatch_id}/reassign", response_model=ReassignPublic, status_code=status.HTTP_201_CREATED,
    summary="Reassign a running dispatch (改派): withdraw it and whistle the case to another unit, with the "
    "same reason",
)  # fmt: skip
def reassign(
    dispatch_id: uuid.UUID, body: ReassignRequest, session: SessionDep, user: Commander, client: ClientDep
) -> ReassignPublic:
    old, new = cases.reassign_dispatch(
        session=session, dispatch_id=dispatch_id, unit_id=body.unit_id, by=user, reason=body.reason,
        limits=_limits(body.check_in_limit, body.handling_limit), client=client,
    )  # fmt: skip
    session.commit()
    return ReassignPublic(withdrawn=dispatch_public(old), dispatch=dispatch_public(new))


@router.post(
    "/dispatches/{dispatch_id}/extension/grant", response_model=DispatchPublic, summary="Grant an extension"
)
def grant_extension(
    dispatch_id: uuid.UUID, body: ExtensionDecision, session: SessionDep, user: Commander, client: ClientDep
) -> DispatchPublic:
    d = cases.decide_extension(
        session=session, dispatch_id=dispatch_id, grant=True, by=user, note=body.note, amount=body.amount,
        unit=body.unit, client=client,
    )  # fmt: skip
    session.commit()
    return dispatch_public(d)


@router.post(
    "/dispatches/{dispatch_id}/extension/deny", response_model=DispatchPublic, summary="Deny an extension"
)
def deny_extension(
    dispatch_id: uuid.UUID, body: NoteRequest, session: SessionDep, user: Commander, client: ClientDep
) -> DispatchPublic:
    d = cases.decide_extension(
        session=session, dispatch_id=dispatch_id, grant=False, by=user, note=body.note, client=client
    )
    session.commit()
    return dispatch_public(d)


@router.get(
    "/cases/{case_id}/verifiers", response_model=list[VerifierPublic],
    summary="Grid workers who may verify this case, the closest first (for starting verification by hand)",
)  # fmt: skip
def verifiers(
    case_id: uuid.UUID,
    session: SessionDep,
    command: CommandersCommand,
    # Small by nature (the grid workers of one community): a bounded limit, no cursor.
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[VerifierPublic]:
    # The case is loaded here, not by a dependency: a bad `limit` is 422 before an unknown case is 404.
    case = cases.get_case(session=session, case_id=case_id)
    check_readable(command, case)
    found = cases.verifier_candidates(session=session, case=case, limit=limit)
    return [VerifierPublic(**v.__dict__) for v in found]


@router.post(
    "/dispatches/{dispatch_id}/send-back/reject", response_model=DispatchPublic,
    summary="Reject a send-back (退回不成立): the item is the unit's; it handles it, and loses points",
)  # fmt: skip
def reject_send_back(
    dispatch_id: uuid.UUID, body: ReasonRequest, session: SessionDep, user: Commander, client: ClientDep
) -> DispatchPublic:
    d = cases.reject_send_back(
        session=session, dispatch_id=dispatch_id, by=user, reason=body.reason, client=client
    )
    session.commit()
    return dispatch_public(d)


@router.post(
    "/dispatches/{dispatch_id}/verification", response_model=VerificationTaskPublic,
    status_code=status.HTTP_201_CREATED, summary="Start verification by hand, naming the grid worker",
)  # fmt: skip
def assign_verification(
    dispatch_id: uuid.UUID, body: AssignVerificationRequest, session: SessionDep, store: MediaStoreDep,
    user: Commander, client: ClientDep,
) -> VerificationTaskPublic:  # fmt: skip
    task = cases.assign_verification(
        session=session, dispatch_id=dispatch_id, assignee_id=body.assignee_id, by=user, client=client
    )
    session.commit()
    return tasks_public(session, store, [cases.get_task(session=session, task_id=task.id)])[0]
