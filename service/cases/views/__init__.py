"""HTTP routers of the case workflow, by audience. Thin: parse, call `service.cases.service`, commit,
answer; the workflow itself writes the case log and the audit log.

- the console (指挥中心, `/api/v1/console`): `console_triage` (the queue; file, void, merge a report),
  `console_cases` (cases, case actions, the whistle, extension and send-back decisions, verification by
  hand), `console_board` (SLA board, overdue and turned-red clocks, evaluations, unit lists, indicators,
  the live feed), `console_command` (what the caller commands; escalate, take over);
- the departments (部门端, `/api/v1/department`): `department`;
- the grid workers' verification (核查, `/api/v1/verification`): `verification`;
- supervision (督办): `console_supervision` (the console puts a case under a supervising office) and
  `supervision` (the supervising office's read-only view of its cases, `/api/v1/supervision`).

`common` holds the role dependencies and the load-or-404 ones; `presenters` turns rows into answers.
The permission-matrix test reads each route's roles from its `require_roles` dependency.
"""

from service.cases.views import (
    console_board,
    console_cases,
    console_command,
    console_supervision,
    console_triage,
    department,
    supervision,
    verification,
)

ROUTERS = (
    console_triage.router,
    console_cases.router,
    console_board.router,
    console_command.router,
    console_supervision.router,
    department.router,
    verification.router,
    supervision.router,
)

__all__ = ["ROUTERS"]
