"""The case workflow's service API in one place (keyword-only functions; no HTTP).

The work is split by stage: `triage` (queue, file, void, merge, hold, resume, close), `dispatching`
(suggested units, whistle, extension decisions), `department` (check in, result, extension request,
send back), `verification` (核查), `evaluation` (scores and unit lists), `board` (SLA clocks),
`stats` (indicators). Every transition goes through `workflow`.
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
from service.cases.dispatching import (
    Suggestion,
    UnitRef,
    decide_extension,
    dispatch_case,
    reject_send_back,
    suggest_units,
)
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
    TaskView,
    assign_verification,
    check_verifiable,
    find_verifier,
    get_task,
    list_tasks,
    verifier_candidates,
    verify,
)

__all__ = [
    "BoardRow",
    "CaseDetail",
    "CaseOrigin",
    "ClockEvent",
    "GroupBy",
    "IndicatorRow",
    "QueueFilters",
    "QueuePage",
    "QueueRow",
    "Suggestion",
    "SupervisedDetail",
    "SupervisionView",
    "TaskView",
    "UnitListEntry",
    "UnitRef",
    "act_on_case",
    "assign_verification",
    "board",
    "case_detail",
    "check_in",
    "check_verifiable",
    "clock_colours",
    "decide_extension",
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
]
