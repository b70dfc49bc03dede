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
from decimal import Decimal

from sqlalchemy import TextClause, text
from sqlalchemy.orm import Session

from service.cases import sla
from service.cases.command import CITY, Command, scope_sql
from service.cases.states import LIVE_DISPATCH_STATES, values
from service.cases.workflow import utcnow

LIVE_STATES = values(LIVE_DISPATCH_STATES)
ClockKey = tuple[datetime, uuid.UUID, str]


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
    # The limits the clocks run on: (amount, unit, set by hand in the whistle).
    check_in_limit: tuple[Decimal, str, bool] = (Decimal(0), "", False)
    handling_limit: tuple[Decimal, str, bool] = (Decimal(0), "", False)
    supervised: bool = False  # its case is under supervision (督办)

    @property
    def colour(self) -> sla.Colour:
        return max(self.check_in_colour, self.handling_colour, key=sla.RANK.__getitem__)

    @property
    def key(self) -> tuple[datetime, uuid.UUID]:
        """Where the row sits in the board's pages (read by urgency of the handling deadline)."""
        return self.handling_deadline, self.dispatch_id


_BOARD_SQL = text(
    f"""
    SELECT d.id, d.case_id, c.number, c.category_code, c.street_code, d.unit_id, u.name, d.state,
           d.check_in_deadline, d.check_in_yellow_at, d.handling_deadline, d.handling_yellow_at,
           coalesce(d.checked_in_at, d.sent_back_at) AS responded_at, d.result_at,
           d.check_in_amount, d.check_in_unit, d.check_in_custom,
           d.handling_amount, d.handling_unit, d.handling_custom,
           EXISTS (SELECT 1 FROM case_supervisions s WHERE s.case_id = c.id) AS supervised
    FROM dispatches d
    JOIN cases c ON c.id = d.case_id
    JOIN department_units u ON u.id = d.unit_id
    WHERE d.state = ANY(:states)
      AND (CAST(:street AS text) IS NULL OR c.street_code = :street)
      AND {scope_sql("c.district_code", "c.street_code")}
      AND (CAST(:unit AS uuid) IS NULL OR d.unit_id = :unit)
      AND (CAST(:after_deadline AS timestamptz) IS NULL
           OR (d.handling_deadline, d.id) > (CAST(:after_deadline AS timestamptz), CAST(:after_id AS uuid)))
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
    after: tuple[datetime, uuid.UUID] | None = None,
    command: Command = CITY,
) -> list[BoardRow]:
    """Live dispatches with both clocks' colours, red first, then yellow, then green: the `limit`
    most urgent handling deadlines (after the key `after`: handling deadline, dispatch; `BoardRow.key`)."""
    now = now or utcnow()
    after_deadline, after_id = after or (None, None)
    rows = session.execute(
        _BOARD_SQL,
        {
            "states": LIVE_STATES, "street": street_code, "unit": unit_id, "limit": limit,
            "after_deadline": after_deadline, "after_id": after_id, **command.params,
        },
    ).all()  # fmt: skip
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
                check_in_limit=(row.check_in_amount, row.check_in_unit, row.check_in_custom),
                handling_limit=(row.handling_amount, row.handling_unit, row.handling_custom),
                supervised=row.supervised,
            )
        )
    return red_first(out)


def red_first(rows: list[BoardRow]) -> list[BoardRow]:
    """Red, then yellow, then green; in each colour by urgency (the order rows come in)."""
    return sorted(rows, key=lambda r: -sla.RANK[r.colour])


@dataclass(frozen=True)
class ClockEvent:
    """A clock past its deadline: which dispatch, which clock, when it was due."""

    dispatch_id: uuid.UUID
    case_id: uuid.UUID
    unit_id: uuid.UUID
    clock: str  # check_in | handling
    deadline: datetime
    district_code: str | None
    street_code: str | None

    @property
    def key(self) -> tuple[datetime, uuid.UUID, str]:
        """Where the clock sits in its list's pages (by deadline)."""
        return self.deadline, self.dispatch_id, self.clock


_OVERDUE_SQL = text(
    """
    SELECT id, case_id, unit_id, 'check_in' AS clock, check_in_deadline AS deadline, district_code,
           street_code FROM dispatches
    WHERE state = 'dispatched' AND check_in_deadline < :now
    UNION ALL
    SELECT id, case_id, unit_id, 'handling', handling_deadline, district_code, street_code FROM dispatches
    WHERE state IN ('dispatched', 'checked_in', 'extension_requested') AND handling_deadline < :now
    """
)

# The SQL form of `sla.turned_red` for both clocks: due in [since, until) and not stopped by then.
TURNED_RED_SQL = text(
    """
    SELECT id, case_id, unit_id, 'check_in' AS clock, check_in_deadline AS deadline, district_code,
           street_code FROM dispatches
    WHERE check_in_deadline >= :since AND check_in_deadline < :until
      AND (coalesce(checked_in_at, sent_back_at) IS NULL
           OR coalesce(checked_in_at, sent_back_at) > check_in_deadline)
    UNION ALL
    SELECT id, case_id, unit_id, 'handling', handling_deadline, district_code, street_code FROM dispatches
    WHERE handling_deadline >= :since AND handling_deadline < :until
      AND (coalesce(result_at, sent_back_at) IS NULL OR coalesce(result_at, sent_back_at) > handling_deadline)
    ORDER BY deadline, id, clock
    """
)


def _clock_page(
    session: Session, sql: TextClause, params: dict[str, object], after: ClockKey | None, limit: int | None,
    command: Command,
) -> list[ClockEvent]:  # fmt: skip
    """Clock events of `sql` in the division, by deadline (key: deadline, dispatch, clock), a page after
    `after`."""
    after_deadline, after_id, after_clock = after or (None, None, None)
    paged = text(
        f"SELECT * FROM ({sql.text}) AS clocks WHERE {scope_sql('district_code', 'street_code')} "
        "AND (CAST(:after_deadline AS timestamptz) IS NULL "
        "OR (deadline, id, clock) > (CAST(:after_deadline AS timestamptz), CAST(:after_id AS uuid), "
        "CAST(:after_clock AS text))) ORDER BY deadline, id, clock LIMIT :limit"
    )
    params = {
        **params, **command.params, "after_deadline": after_deadline, "after_id": after_id,
        "after_clock": after_clock,
    }  # fmt: skip
    return [ClockEvent(*row) for row in session.execute(paged, {**params, "limit": limit}).all()]


def overdue(
    *, session: Session, now: datetime | None = None, limit: int = 500, after: ClockKey | None = None,
    command: Command = CITY,
) -> list[ClockEvent]:  # fmt: skip
    """Running clocks past their deadline (unanswered whistles, unhandled dispatches), oldest first."""
    return _clock_page(session, _OVERDUE_SQL, {"now": now or utcnow()}, after, limit, command)


def turned_red(
    *,
    session: Session,
    since: datetime,
    until: datetime,
    limit: int | None = None,
    after: ClockKey | None = None,
    command: Command = CITY,
) -> list[ClockEvent]:
    """Clocks whose deadline passed in [since, until) while they were still running, oldest first."""
    return _clock_page(session, TURNED_RED_SQL, {"since": since, "until": until}, after, limit, command)
