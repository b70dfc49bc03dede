"""Traffic-light clocks (红黄绿灯) for dispatches, and a gap-free feed of deadlines turning red.

A clock runs from its start to its deadline in its limit's unit. Its colour at an instant:

* green while less than 80 % of the limit is used,
* yellow from 80 % up to and including the deadline itself,
* red once the deadline has passed (wall-clock: a work-hour deadline passed on Friday 17:30 is red
  on Saturday although no work hour has gone by).

A stopped clock (the unit reported in, the result arrived) keeps the colour it had when it stopped.
Each dispatch has two clocks from the same start (the whistle): report-in and handling.

Using 80 % of a work-hour or work-day limit takes the work calendar, which SQL does not have. So the
instant a clock turns yellow is computed here once, when its deadline is set (`yellow_instant`), and
stored beside the deadline (`dispatches.check_in_yellow_at`, `handling_yellow_at`). Then the colour is
one comparison of the clock's reading with two stored instants — `RULE` — which Python (`colour_of`,
the SLA board) and SQL (`colour_rank_sql`, the map's tiles and city-zoom counts) both apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, TypeVar

from service.cases.calendar import WorkCalendar, microseconds_between
from service.cases.deadlines import LimitUnit, elapsed

YELLOW_FROM = Decimal("0.8")
# The yellow instant of a limit with no length: before any reading a clock can show.
ALWAYS_YELLOW = datetime(1970, 1, 1, tzinfo=UTC)


class Colour(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


# The rule, first match wins (else green): the clock's reading is past the deadline → red; at or past
# the yellow instant → yellow. SQL ranks colours 1 (green), 2 (yellow), 3 (red) so that max() is worst.
RULE: tuple[tuple[Colour, str, str], ...] = (
    (Colour.RED, ">", "deadline"),
    (Colour.YELLOW, ">=", "yellow_at"),
)
RANK: dict[Colour, int] = {Colour.GREEN: 1, Colour.YELLOW: 2, Colour.RED: 3}
_COMPARE = {
    ">": lambda a, b: microseconds_between(b, a) > 0,
    ">=": lambda a, b: microseconds_between(b, a) >= 0,
}


def colour_of(reading: datetime, *, yellow_at: datetime, deadline: datetime) -> Colour:
    """The colour a clock shows at `reading` (now, or when it stopped if that was earlier)."""
    bounds = {"deadline": deadline, "yellow_at": yellow_at}
    for colour, op, bound in RULE:
        if _COMPARE[op](reading, bounds[bound]):
            return colour
    return Colour.GREEN


def colour_rank_sql(*, reading: str, yellow_at: str, deadline: str) -> str:
    """`RULE` as a SQL expression over the given column expressions: the colour's rank (1, 2 or 3)."""
    bounds = {"deadline": deadline, "yellow_at": yellow_at}
    whens = " ".join(f"WHEN {reading} {op} {bounds[bound]} THEN {RANK[colour]}" for colour, op, bound in RULE)
    return f"(CASE {whens} ELSE {RANK[Colour.GREEN]} END)"


def reading(stopped_at: datetime | None, now: datetime) -> datetime:
    """What a clock shows at `now`: `now`, or when it stopped if that was earlier."""
    if stopped_at is not None and microseconds_between(stopped_at, now) > 0:
        return stopped_at
    return now


def reading_sql(*, stopped_at: str, now: str) -> str:
    """SQL of `Clock.reading_at`: now, or when the clock stopped if that was earlier."""
    return f"least(coalesce({stopped_at}, {now}), {now})"


@dataclass(frozen=True)
class Clock:
    start: datetime
    deadline: datetime
    unit: LimitUnit
    stopped_at: datetime | None = None

    def reading_at(self, now: datetime) -> datetime:
        """The instant the clock shows: `now`, or when it stopped if that was earlier."""
        return reading(self.stopped_at, now)

    def is_overdue(self, now: datetime) -> bool:
        return microseconds_between(self.deadline, self.reading_at(now)) > 0

    def used_fraction(self, now: datetime, calendar: WorkCalendar) -> Decimal | None:
        """Share of the limit used (may exceed 1); None for a limit with no length at all."""
        total = elapsed(self.start, self.deadline, self.unit, calendar)
        if total == 0:
            return None
        return elapsed(self.start, self.reading_at(now), self.unit, calendar) / total

    def yellow_at(self, calendar: WorkCalendar, *, yellow_from: Decimal = YELLOW_FROM) -> datetime:
        """The first instant (to the microsecond) at which `yellow_from` of the limit is used; for a
        limit with no length, `ALWAYS_YELLOW` (such a clock is yellow until it is red)."""
        total_us = microseconds_between(self.start, self.deadline)
        if total_us <= 0 or elapsed(self.start, self.deadline, self.unit, calendar) == 0:
            return ALWAYS_YELLOW
        running = Clock(self.start, self.deadline, self.unit)
        start = self.start.astimezone(UTC)
        low, high = 0, total_us  # used(start + low) < yellow_from <= used(start + high): bisect to 1 µs
        while high - low > 1:
            middle = (low + high) // 2
            used = running.used_fraction(start + timedelta(microseconds=middle), calendar)
            if used is not None and used >= yellow_from:
                high = middle
            else:
                low = middle
        return start + timedelta(microseconds=high)

    def colour(self, now: datetime, calendar: WorkCalendar, *, yellow_at: datetime | None = None) -> Colour:
        """The colour at `now`; `yellow_at` when the caller has it stored (else computed)."""
        yellow = yellow_at if yellow_at is not None else self.yellow_at(calendar)
        return colour_of(self.reading_at(now), yellow_at=yellow, deadline=self.deadline)


@dataclass(frozen=True)
class DispatchClocks:
    check_in: Clock
    handling: Clock

    def colours(self, now: datetime, calendar: WorkCalendar) -> tuple[Colour, Colour]:
        return self.check_in.colour(now, calendar), self.handling.colour(now, calendar)


def dispatch_clocks(
    *,
    dispatched_at: datetime,
    check_in_deadline: datetime,
    check_in_unit: LimitUnit,
    handling_deadline: datetime,
    handling_unit: LimitUnit,
    responded_at: datetime | None = None,
    result_at: datetime | None = None,
) -> DispatchClocks:
    """Both clocks of one dispatch.

    `responded_at` stops the report-in clock: the check-in, or a send-back before any check-in.
    `result_at` stops the handling clock: the pending or accepted result (on rework the service clears
    it and the clock runs on against the same deadline). `handling_deadline` includes extensions.
    """
    return DispatchClocks(
        check_in=Clock(dispatched_at, check_in_deadline, check_in_unit, responded_at),
        handling=Clock(dispatched_at, handling_deadline, handling_unit, result_at),
    )


class Deadline(Protocol):
    @property
    def deadline(self) -> datetime: ...

    @property
    def stopped_at(self) -> datetime | None: ...


T = TypeVar("T", bound=Deadline)


def turned_red(items: Iterable[T], *, since: datetime, until: datetime) -> Iterator[T]:
    """The clocks that turned red in the window [since, until).

    A clock turns red the instant after its deadline, unless it stopped at or before the deadline.
    A clock that stopped late still turned red (it was late), even if it stopped before the job ran.
    With half-open windows, a job that passes each run's `until` as the next run's `since` reports
    every deadline exactly once, however irregularly it runs; the same test as SQL:
    `deadline >= :since AND deadline < :until AND (stopped_at IS NULL OR stopped_at > deadline)`.
    """
    for item in items:
        deadline = item.deadline
        in_window = microseconds_between(since, deadline) >= 0 and microseconds_between(deadline, until) > 0
        if not in_window:
            continue
        stopped = item.stopped_at
        if stopped is None or microseconds_between(deadline, stopped) > 0:
            yield item
