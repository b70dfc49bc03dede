"""Time-limit arithmetic: when a limit runs out, and how much of it has been used.

Four units, as the city-management standards use them (CJ/T 315, local 立结案标准):

* `urgent_hours` (紧急工作时): a continuous clock, nights, weekends and holidays included.
* `natural_days` (自然日): continuous too; N days = N × 24 hours from the start.
* `work_hours` (工作时): only time inside work periods on workdays counts. A dispatch at 19:00 on a
  Friday starts counting at 08:30 on Monday; a limit used up exactly at 12:00 expires at 12:00.
* `work_days` (工作日): whole workdays. Counting starts on the start day only if the start is at or
  before that day's first work period (a workday not yet begun is a whole day); otherwise, and on a
  day off, it starts on the next workday. The deadline is the end of work hours on the Nth counted
  workday. A fraction of a workday is that fraction of the next counted day's work hours, counted
  from its first work period (1.5 work days dispatched on Monday 10:00 → Wednesday 13:30 with the
  default hours: 3.5 h before lunch, 0.5 h after).

`elapsed` measures in the same unit, so `elapsed(start, add_limit(start, n)) == n` (deadlines are
rounded to the microsecond; amounts with up to 8 decimals are exact). A granted extension moves a
deadline by its own amount and unit, counted from the deadline in force (`extend`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum

from service.cases.calendar import WorkCalendar, microseconds_between

_HOUR_US = 3_600_000_000
_DAY_US = 24 * _HOUR_US


class LimitUnit(StrEnum):
    URGENT_HOURS = "urgent_hours"
    WORK_HOURS = "work_hours"
    WORK_DAYS = "work_days"
    NATURAL_DAYS = "natural_days"


LIMIT_UNIT_LABELS = {
    LimitUnit.URGENT_HOURS: "紧急工作时",
    LimitUnit.WORK_HOURS: "工作时",
    LimitUnit.WORK_DAYS: "工作日",
    LimitUnit.NATURAL_DAYS: "自然日",
}


def to_amount(amount: Decimal | float | int) -> Decimal:
    """A non-negative finite Decimal; floats go through `str` so 1.1 stays 1.1."""
    value = Decimal(str(amount)) if isinstance(amount, float) else Decimal(amount)
    if not value.is_finite() or value < 0:
        raise ValueError(f"a time limit must be a finite non-negative amount, not {amount!r}")
    return value


@dataclass(frozen=True)
class Limit:
    """An amount of time in one unit, e.g. a category's handling limit or a granted extension."""

    amount: Decimal
    unit: LimitUnit

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_amount(self.amount))

    def after(self, start: datetime, calendar: WorkCalendar) -> datetime:
        return add_limit(start, self.amount, self.unit, calendar)


def _us(amount: Decimal, scale: int) -> int:
    return int((amount * scale).to_integral_value(rounding=ROUND_HALF_EVEN))


def _plus(moment: datetime, microseconds: int, calendar: WorkCalendar) -> datetime:
    # In UTC, then back to local: aware + timedelta would otherwise be wall-clock arithmetic.
    utc = moment.astimezone(UTC) + timedelta(microseconds=microseconds)
    return utc.astimezone(calendar.tz)


def _first_counted_workday(start: datetime, calendar: WorkCalendar) -> date:
    local = calendar.local(start)
    periods = calendar.periods_on(local.date())
    if periods and local <= periods[0][0]:
        return local.date()
    return calendar.next_workday(local.date())


def _add_work_microseconds(start: datetime, microseconds: int, calendar: WorkCalendar) -> datetime:
    local = calendar.local(start)
    if microseconds == 0:
        return local
    day = local.date()
    while True:
        for period_start, period_end in calendar.periods_on(day):
            if period_end <= local:
                continue
            begin = max(period_start, local)
            available = microseconds_between(begin, period_end)
            if available >= microseconds:
                return _plus(begin, microseconds, calendar)
            microseconds -= available
        day += timedelta(days=1)


def _add_work_days(start: datetime, amount: Decimal, calendar: WorkCalendar) -> datetime:
    whole = math.floor(amount)
    fraction = amount - whole
    if whole == 0 and fraction == 0:
        return calendar.local(start)
    days = calendar.workdays_from(_first_counted_workday(start, calendar))
    last = None
    for _ in range(whole):
        last = next(days)
    if fraction == 0:
        assert last is not None
        return calendar.periods_on(last)[-1][1]
    partial_day = next(days)
    day_start = calendar.periods_on(partial_day)[0][0]
    return _add_work_microseconds(day_start, _us(fraction, calendar.workday_microseconds), calendar)


def add_limit(
    start: datetime, amount: Decimal | float | int, unit: LimitUnit, calendar: WorkCalendar
) -> datetime:
    """The instant at which `amount` of `unit`, counted from `start`, runs out (in calendar time)."""
    value = to_amount(amount)
    if unit is LimitUnit.URGENT_HOURS:
        return _plus(calendar.local(start), _us(value, _HOUR_US), calendar)
    if unit is LimitUnit.NATURAL_DAYS:
        return _plus(calendar.local(start), _us(value, _DAY_US), calendar)
    if unit is LimitUnit.WORK_HOURS:
        return _add_work_microseconds(start, _us(value, _HOUR_US), calendar)
    return _add_work_days(start, value, calendar)


def _elapsed_work_days(start: datetime, now: datetime, calendar: WorkCalendar) -> Decimal:
    until = calendar.local(now)
    total = Decimal(0)
    for day in calendar.workdays_from(_first_counted_workday(start, calendar)):
        if day > until.date():
            break
        periods = calendar.periods_on(day)
        day_end = min(periods[-1][1], until)
        worked = calendar.work_microseconds(periods[0][0], day_end)
        total += Decimal(worked) / Decimal(calendar.workday_microseconds)
    return total


def elapsed(start: datetime, now: datetime, unit: LimitUnit, calendar: WorkCalendar) -> Decimal:
    """How much of a `unit` limit started at `start` is used at `now` (0 before the start)."""
    if microseconds_between(start, now) <= 0:
        return Decimal(0)
    if unit is LimitUnit.URGENT_HOURS:
        return Decimal(microseconds_between(start, now)) / _HOUR_US
    if unit is LimitUnit.NATURAL_DAYS:
        return Decimal(microseconds_between(start, now)) / _DAY_US
    if unit is LimitUnit.WORK_HOURS:
        return Decimal(calendar.work_microseconds(start, now)) / _HOUR_US
    return _elapsed_work_days(start, now, calendar)


def extend(deadline: datetime, extension: Limit, calendar: WorkCalendar) -> datetime:
    """A deadline moved by a granted extension, counted from the deadline it replaces."""
    return extension.after(deadline, calendar)


@dataclass(frozen=True)
class DispatchDeadlines:
    """Both deadlines of one dispatch; both clocks start when the whistle blows (派遣)."""

    check_in: datetime
    handling: datetime


def dispatch_deadlines(
    *,
    dispatched_at: datetime,
    check_in: Limit,
    handling: Limit,
    calendar: WorkCalendar,
    extensions: Sequence[Limit] = (),
) -> DispatchDeadlines:
    """The report-in deadline and the handling deadline, the latter moved by each granted extension.

    The handling clock starts at the dispatch, not at the check-in (GB/T 30428's timer starts at 派遣),
    and a rework does not restart it: lateness is judged on the whole handling of the dispatch.
    """
    handling_deadline = handling.after(dispatched_at, calendar)
    for extension in extensions:
        handling_deadline = extend(handling_deadline, extension, calendar)
    return DispatchDeadlines(check_in=check_in.after(dispatched_at, calendar), handling=handling_deadline)


# A whistle may set its own limits instead of the category's (自定时限), within these maxima per unit;
# amounts are positive with at most two decimals, and the handling deadline may not come before the
# report-in deadline (`whistle_limits_problem`).
WHISTLE_LIMIT_MAXIMA: dict[LimitUnit, Decimal] = {
    LimitUnit.URGENT_HOURS: Decimal(168),
    LimitUnit.WORK_HOURS: Decimal(160),
    LimitUnit.WORK_DAYS: Decimal(60),
    LimitUnit.NATURAL_DAYS: Decimal(90),
}


def whistle_limit_problem(amount: Decimal, unit: LimitUnit) -> str | None:
    """Why a limit set by hand is refused (in Chinese, for the 422), or None when it is acceptable."""
    if not amount.is_finite() or amount <= 0:
        return "时限须大于 0"
    most = WHISTLE_LIMIT_MAXIMA[unit]
    if amount > most:
        return f"时限以{LIMIT_UNIT_LABELS[unit]}计不能超过 {most}"
    if amount != amount.quantize(Decimal("0.01")):
        return "时限最多保留两位小数"
    return None


def whistle_limits_problem(deadlines: DispatchDeadlines) -> str | None:
    """Why a whistle's pair of limits is refused: handling may not end before the report-in limit."""
    if microseconds_between(deadlines.check_in, deadlines.handling) < 0:
        return "处置时限不能短于报到时限"
    return None
