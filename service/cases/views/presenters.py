"""Rows of the case workflow as the APIs answer them (`schemas`): no queries of their own beyond the
service layer's."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from media.storage import MediaStore
from service.cases import service as cases
from service.cases import states
from service.cases.deadlines import LimitUnit
from service.cases.models import Case, Dispatch, VerificationTask
from service.cases.schemas import (
    BoardRowPublic,
    CallerPublic,
    CaseDetailPublic,
    CaseEventPublic,
    CasePublic,
    CheckInPositionPublic,
    DispatchPhotoPublic,
    DispatchPublic,
    IndicatorRowPublic,
    LimitPublic,
    SupervisionPublic,
    VerificationItemPublic,
    VerificationPublic,
    VerificationTaskPublic,
)
from service.cases.states import CaseState, DispatchState
from service.cases.supervising import supervision_of
from service.photos.schemas import FlagPublic
from service.photos.service import photo_public, result_photos, verification_photos

_COMPUTED = frozenset({"supervision", "allowed_actions"})
CASE_FIELDS = tuple(name for name in CasePublic.model_fields if name not in _COMPUTED)


def supervision_public(case: Case, now: datetime | None = None) -> SupervisionPublic | None:
    view = supervision_of(case, now)
    return None if view is None else SupervisionPublic(**view.__dict__)


def case_public(case: Case, now: datetime | None = None) -> CasePublic:
    """A case as every list and detail shows it, with its supervision (督办) read at `now`."""
    return CasePublic(
        **{name: getattr(case, name) for name in CASE_FIELDS},
        supervision=supervision_public(case, now),
        allowed_actions=[a.value for a in states.allowed_actions(CaseState(case.state))],
    )


def _amount(value: Decimal) -> str:
    """1.00 → "1", 1.50 → "1.5", 10 → "10"."""
    return format(Decimal(value).normalize(), "f")


def dispatch_public(d: Dispatch, *, case_supervision: SupervisionPublic | None = None) -> DispatchPublic:
    return DispatchPublic(
        case_supervision=case_supervision,
        id=d.id,
        case_id=d.case_id,
        unit_id=d.unit_id,
        role=d.role,
        state=d.state,
        dispatched_at=d.dispatched_at,
        note=d.note,
        check_in_limit=_limit(d.check_in_amount, d.check_in_unit, d.check_in_custom),
        handling_limit=_limit(d.handling_amount, d.handling_unit, d.handling_custom),
        check_in_deadline=d.check_in_deadline,
        handling_deadline=d.handling_deadline,
        checked_in_at=d.checked_in_at,
        check_in_position=(
            CheckInPositionPublic(lon=d.check_in_lon, lat=d.check_in_lat, accuracy_m=d.check_in_accuracy_m)
            if d.check_in_lon is not None and d.check_in_lat is not None
            else None
        ),
        check_in_distance_m=d.check_in_distance_m,
        check_in_far=d.check_in_far,
        check_in_position_error=d.check_in_position_error,
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
        withdrawn_at=d.withdrawn_at,
        withdraw_reason=d.withdraw_reason,
        reassigned_from_id=d.reassigned_from_id,
        allowed_actions=[a.value for a in states.allowed_actions(DispatchState(d.state))],
    )


def flags_public(task: VerificationTask) -> list[FlagPublic]:
    return [FlagPublic(code=code, message=task.flag_notes.get(code, code)) for code in task.flags]


def case_detail_public(
    detail: cases.CaseDetail, store: MediaStore, *, with_caller: bool = False
) -> CaseDetailPublic:
    """One case with everything about it; `with_caller` (the command center only) adds who called."""
    c = detail.case
    caller = None
    if with_caller and (c.caller_name or c.caller_phone):
        caller = CallerPublic(name=c.caller_name, phone=c.caller_phone)
    return CaseDetailPublic(
        case=case_public(detail.case),
        caller=caller,
        report_ids=detail.report_ids,
        dispatches=[dispatch_public(d) for d in detail.dispatches],
        events=[CaseEventPublic.model_validate(e) for e in detail.events],
        dispatch_photos=[
            DispatchPhotoPublic(
                **photo_public(p.photo, store).model_dump(), dispatch_id=p.dispatch_id, kind=p.kind
            )
            for p in detail.photos
        ],
        verifications=[
            VerificationPublic(
                id=t.id, dispatch_id=i.dispatch_id, assignee_id=t.assignee_id, state=_ITEM_STATES[i.outcome],
                task_state=t.state, created_at=t.created_at, done_at=i.decided_at, note=i.reason or t.note,
                photo_count=t.photo_count, flags=flags_public(t),
            )
            for t, i in detail.verifications
        ],
    )  # fmt: skip


# An item's outcome as the task states read (a pending unit is an open verification).
_ITEM_STATES = {"pending": "open", "passed": "passed", "failed": "failed", "cancelled": "cancelled"}


def tasks_public(
    session: Session, store: MediaStore, views: list[cases.TaskView]
) -> list[VerificationTaskPublic]:
    """Each task with every unit's result and its photos (what to check), and the grid worker's own."""
    results = result_photos(session, [i.dispatch.id for v in views for i in v.items])
    taken = verification_photos(session, [v.task.id for v in views])
    out = []
    for v in views:
        items = [
            VerificationItemPublic(
                dispatch=dispatch_public(i.dispatch), unit_name=i.unit_name, outcome=i.item.outcome,
                reason=i.item.reason, decided_at=i.item.decided_at,
                result_photos=[photo_public(p, store) for p in results[i.dispatch.id]],
            )
            for i in v.items
        ]  # fmt: skip
        out.append(
            VerificationTaskPublic(
                id=v.task.id,
                state=v.task.state,
                created_at=v.task.created_at,
                done_at=v.task.done_at,
                note=v.task.note,
                case=case_public(v.case),
                items=items,
                dispatch=items[0].dispatch,
                result_photos=[p for item in items for p in item.result_photos],
                photos=[photo_public(p, store) for p in taken[v.task.id]],
                flags=flags_public(v.task),
            )
        )
    return out


def _limit(amount: Decimal, unit: str, custom: bool) -> LimitPublic:
    return LimitPublic(amount=_amount(amount), unit=LimitUnit(unit), custom=bool(custom))


def board_row_public(r: cases.BoardRow) -> BoardRowPublic:
    return BoardRowPublic(
        **{k: v for k, v in r.__dict__.items() if not k.endswith(("_colour", "_limit"))},
        check_in_colour=r.check_in_colour.value,
        handling_colour=r.handling_colour.value,
        colour=r.colour.value,
        check_in_limit=_limit(*r.check_in_limit),
        handling_limit=_limit(*r.handling_limit),
    )


def indicator_public(row: cases.IndicatorRow) -> IndicatorRowPublic:
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
