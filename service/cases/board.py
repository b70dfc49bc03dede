"""The SLA board (红黄绿灯): running clocks with colours evaluated on read, overdue list, turned-red feed.

Colours are never stored: a read compares each clock's reading with its stored yellow instant and
deadline (`sla.colour_of`, the rule the map's tiles apply in SQL), so no job has to run for a clock to
turn yellow or red. The turned-red detection is a half-open time window over the stored deadlines
(`sla.turned_red`'s SQL form, `TURNED_RED_SQL`, which the live feed runs too), so a poller that passes
each run's `until` as the next run's `since` reports every deadline passing exactly once, however
irregularly it runs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from service.cases import sla
from service.cases.states import LIVE_DISPATCH_STATES, values
from service.cases.workflow import utcnow

LIVE_STATES = values(LIVE_DISPATCH_STATES)


@dataclass(frozen=True)
class BoardRow:
    dispatch_id: uuid.UUID
    case_id: uuid.UUID
    case_number: int
    category_code: str
    street_code: str | None
    unit_id: uuid.UUID
    unit_name: str
    state: str
    check_in_deadline: datetime
    handling_deadline: datetime
    check_in_colour: sla.Colour
    handling_colour: sla.Colour

    @property
    def colour(self) -> sla.Colour:
        return max(self.check_in_colour, self.handling_colour, key=sla.RANK.__getitem__)


_BOARD_SQL = text(
    """
    SELECT d.id, d.case_id, c.number, c.category_code, c.street_code, d.unit_id, u.name, d.state,
           d.check_in_deadline, d.check_in_yellow_at, d.handling_deadline, d.handling_yellow_at,
           coalesce(d.checked_in_at, d.sent_back_at) AS responded_at, d.result_at
    FROM dispatches d
    JOIN cases c ON c.id = d.case_id
    JOIN department_units u ON u.id = d.unit_id
    WHERE d.state = ANY(:states)
      AND (CAST(:street AS text) IS NULL OR c.street_code = :street)
      AND (CAST(:unit AS uuid) IS NULL OR d.unit_id = :unit)
    ORDER BY d.handling_deadline, d.id
    LIMIT :limit
    """
)


def board(
    *,
    session: Session,
    now: datetime | None = None,
    street_code: str | None = None,
    unit_id: uuid.UUID | None = None,
    limit: int = 500,
) -> list[BoardRow]:
    """Live dispatches with both clocks' colours, red first, then yellow, then green."""
    now = now or utcnow()
    rows = session.execute(
        _BOARD_SQL,
        {"states": LIVE_STATES, "street": street_code, "unit": unit_id, "limit": limit},
    ).all()
    out = []
    for row in rows:
        check_in_colour = sla.colour_of(
            sla.reading(row.responded_at, now),
            yellow_at=row.check_in_yellow_at,
            deadline=row.check_in_deadline,
        )
        handling_colour = sla.colour_of(
            sla.reading(row.result_at, now), yellow_at=row.handling_yellow_at, deadline=row.handling_deadline
        )
        out.append(
            BoardRow(
                dispatch_id=row.id,
                case_id=row.case_id,
                case_number=row.number,
                category_code=row.category_code,
                street_code=row.street_code,
                unit_id=row.unit_id,
                unit_name=row.name,
                state=row.state,
                check_in_deadline=row.check_in_deadline,
                handling_deadline=row.handling_deadline,
                check_in_colour=check_in_colour,
                handling_colour=handling_colour,
            )
        )
    out.sort(key=lambda r: -sla.RANK[r.colour])
    return out


@dataclass(frozen=True)
class ClockEvent:
    """A clock past its deadline: which dispatch, which clock, when it was due."""

    dispatch_id: uuid.UUID
    case_id: uuid.UUID
    unit_id: uuid.UUID
    clock: str  # check_in | handling
    deadline: datetime


_OVERDUE_SQL = text(
    """
    SELECT id, case_id, unit_id, 'check_in' AS clock, check_in_deadline AS deadline FROM dispatches
    WHERE state = 'dispatched' AND check_in_deadline < :now
    UNION ALL
    SELECT id, case_id, unit_id, 'handling', handling_deadline FROM dispatches
    WHERE state IN ('dispatched', 'checked_in', 'extension_requested') AND handling_deadline < :now
    ORDER BY deadline, id, clock
    LIMIT :limit
    """
)

# The SQL form of `sla.turned_red` for both clocks: due in [since, until) and not stopped by then.
TURNED_RED_SQL = text(
    """
    SELECT id, case_id, unit_id, 'check_in' AS clock, check_in_deadline AS deadline FROM dispatches
    WHERE check_in_deadline >= :since AND check_in_deadline < :until
      AND (coalesce(checked_in_at, sent_back_at) IS NULL
           OR coalesce(checked_in_at, sent_back_at) > check_in_deadline)
    UNION ALL
    SELECT id, case_id, unit_id, 'handling', handling_deadline FROM dispatches
    WHERE handling_deadline >= :since AND handling_deadline < :until
      AND (coalesce(result_at, sent_back_at) IS NULL OR coalesce(result_at, sent_back_at) > handling_deadline)
    ORDER BY deadline, id, clock
    """
)


def overdue(*, session: Session, now: datetime | None = None, limit: int = 500) -> list[ClockEvent]:
    """Running clocks past their deadline (unanswered whistles, unhandled dispatches), oldest first."""
    rows = session.execute(_OVERDUE_SQL, {"now": now or utcnow(), "limit": limit}).all()
    return [ClockEvent(*row) for row in rows]


def turned_red(*, session: Session, since: datetime, until: datetime) -> list[ClockEvent]:
    """Clocks whose deadline passed in [since, until) while they were still running."""
    rows = session.execute(TURNED_RED_SQL, {"since": since, "until": until}).all()
    return [ClockEvent(*row) for row in rows]
