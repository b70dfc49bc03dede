"""The case workflow's service API in one place (keyword-only functions; no HTTP).

The work is split by stage: `triage` (queue, file, void, merge, hold, resume, close), `dispatching`
(suggested units, whistle with its limits), `dispatch_decisions` (extension decisions, send-back
rejection, withdrawal and reassignment), `department` (check in, result, extension request, send
back), `verification` (核查 tasks, one per case visit) and `verification_decision` (the outcomes),
`evaluation` (scores and unit lists), `board` (SLA clocks), `stats` (indicators). Every transition goes
through `workflow`.
"""

from __future__ import annotations

from service.cases.board import BoardRow, ClockEvent, board, overdue, red_first, turned_red
from service.cases.department import (
    check_in,
    get_my_dispatch,
    list_my_dispatches,
    request_extension,
    send_back,
    submit_result,
)
from service.cases.detail import CaseDetail, case_detail, list_cases
from service.cases.dispatch_decisions import (
    charged,
    decide_extension,
    reassign_dispatch,
    reject_send_back,
    withdraw_dispatch,
)
from service.cases.dispatching import Suggestion, UnitRef, WhistleLimits, dispatch_case, suggest_units
from service.cases.evaluation import (
    UnitListEntry,
    evaluate_dispatch,
    finalise_no_shows,
    list_evaluations,
    unit_lists,
)
from service.cases.sources import CaseOrigin
from service.cases.stats import GroupBy, IndicatorRow, indicator_rows
from service.cases.stats import to_csv as indicators_csv
from service.cases.supervising import (
    SupervisedDetail,
    SupervisionView,
    clock_colours,
    get_supervised,
    is_overdue,
    list_supervised,
    positions,
    supervise_case,
    supervised_detail,
    supervision_of,
)
from service.cases.triage import (
    QueueFilters,
    QueuePage,
    QueueRow,
    act_on_case,
    file_report,
    get_case,
    list_queue,
    merge_case,
    merge_report,
    void_report,
)
from service.cases.verification import (
    ItemView,
    TaskView,
    assign_verification,
    find_verifier,
    get_task,
    list_tasks,
    verifier_candidates,
)
from service.cases.verification_decision import (
    Outcome,
    check_decidable,
    check_verifiable,
    decide_task,
    verify,
)

__all__ = [
    "BoardRow",
    "CaseDetail",
    "CaseOrigin",
    "ClockEvent",
    "GroupBy",
    "IndicatorRow",
    "ItemView",
    "Outcome",
    "QueueFilters",
    "QueuePage",
    "QueueRow",
    "Suggestion",
    "SupervisedDetail",
    "SupervisionView",
    "TaskView",
    "UnitListEntry",
    "UnitRef",
    "WhistleLimits",
    "act_on_case",
    "assign_verification",
    "board",
    "case_detail",
    "charged",
    "check_decidable",
    "check_in",
    "check_verifiable",
    "clock_colours",
    "decide_extension",
    "decide_task",
    "dispatch_case",
    "evaluate_dispatch",
    "file_report",
    "finalise_no_shows",
    "find_verifier",
    "get_case",
    "get_my_dispatch",
    "get_supervised",
    "get_task",
    "indicator_rows",
    "indicators_csv",
    "is_overdue",
    "list_cases",
    "list_evaluations",
    "list_my_dispatches",
    "list_queue",
    "list_supervised",
    "list_tasks",
    "merge_case",
    "merge_report",
    "overdue",
    "positions",
    "reassign_dispatch",
    "red_first",
    "reject_send_back",
    "request_extension",
    "send_back",
    "submit_result",
    "suggest_units",
    "supervise_case",
    "supervised_detail",
    "supervision_of",
    "turned_red",
    "unit_lists",
    "verifier_candidates",
    "verify",
    "void_report",
    "withdraw_dispatch",
]
