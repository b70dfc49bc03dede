"""Traffic-light clocks (红黄绿灯) for dispatches, and a gap-free feed of deadlines turning red.

A clock runs from its start to its deadline in its limit's unit. Its colour at an instant:

* green while less than 80 % of the limit is used,
* yellow from 80 % up to and including the deadline itself,
* red once the deadline has passed (wall-clock: a work-hour deadline passed on Friday 17:30 is red
  on Saturday although no work hour has gone by).

A stopped clock (the unit reported in, the result arrived) keeps the colour it had when it stopped.
Each dispatch has two clocks from the same start (the whistle): report-in and handling.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, TypeVar

from service.cases.calendar import WorkCalendar, microseconds_between
from service.cases.deadlines import LimitUnit, elapsed

YELLOW_FROM = Decimal("0.8")


class Colour(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


@dataclass(frozen=True)
class Clock:
    start: datetime
    deadline: datetime
    unit: LimitUnit
    stopped_at: datetime | None = None

    def reading_at(self, now: datetime) -> datetime:
        """The instant the clock shows: `now`, or when it stopped if that was earlier."""
        if self.stopped_at is not None and microseconds_between(self.stopped_at, now) > 0:
            return self.stopped_at
        return now

    def is_overdue(self, now: datetime) -> bool:
        return microseconds_between(self.deadline, self.reading_at(now)) > 0

    def used_fraction(self, now: datetime, calendar: WorkCalendar) -> Decimal | None:
        """Share of the limit used (may exceed 1); None for a limit with no length at all."""
        total = elapsed(self.start, self.deadline, self.unit, calendar)
        if total == 0:
            return None
        return elapsed(self.start, self.reading_at(now), self.unit, calendar) / total

    def colour(self, now: datetime, calendar: WorkCalendar, *, yellow_from: Decimal = YELLOW_FROM) -> Colour:
        if self.is_overdue(now):
            return Colour.RED
        used = self.used_fraction(now, calendar)
        if used is None or used >= yellow_from:
            return Colour.YELLOW
        return Colour.GREEN


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
