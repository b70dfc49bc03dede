"""The work calendar behind work-hour and work-day time limits.

A day is a workday when it is a make-up workday (调休上班), or a weekday that is not a public holiday.
Work hours are a few periods of local time (default 08:30–12:00 and 13:00–17:30, 8 hours), the same on
every workday. All instants are timezone-aware; the calendar's zone (Asia/Shanghai) decides which local
day and which work period an instant falls in.

Holidays come from a CSV (`data/calendar-cn.csv`, rows `date,kind,name`, `#` comment lines) so the
next year's State Council notice is a data change, not a code change.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_CALENDAR_CSV = Path(__file__).parent / "data" / "calendar-cn.csv"


class DayKind(StrEnum):
    HOLIDAY = "holiday"
    WORKDAY = "workday"


@dataclass(frozen=True)
class WorkPeriod:
    """One stretch of work hours within a day, `start` inclusive, `end` exclusive."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("work periods are local wall-clock times without a timezone")
        if not self.start < self.end:
            raise ValueError(f"work period must end after it starts: {self.start}–{self.end}")


DEFAULT_WORK_PERIODS: tuple[WorkPeriod, ...] = (
    WorkPeriod(time(8, 30), time(12, 0)),
    WorkPeriod(time(13, 0), time(17, 30)),
)


@dataclass(frozen=True)
class SpecialDay:
    day: date
    kind: DayKind
    name: str


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: deadlines need timezone-aware instants")
    return moment.astimezone(UTC)


def microseconds_between(start: datetime, end: datetime) -> int:
    """Real elapsed microseconds (computed in UTC, so never fooled by wall-clock arithmetic)."""
    delta = _utc(end) - _utc(start)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


class WorkCalendar:
    def __init__(
        self,
        *,
        special_days: Iterable[SpecialDay] = (),
        work_periods: Sequence[WorkPeriod] = DEFAULT_WORK_PERIODS,
        tz: ZoneInfo = SHANGHAI,
        covered_years: Iterable[int] | None = None,
    ) -> None:
        periods = tuple(work_periods)
        if not periods:
            raise ValueError("a work calendar needs at least one work period")
        for earlier, later in pairwise(periods):
            if later.start < earlier.end:
                raise ValueError("work periods must be sorted and must not overlap")
        self.work_periods = periods
        self.tz = tz
        self._special: dict[date, SpecialDay] = {}
        for special in special_days:
            if special.day in self._special:
                raise ValueError(f"{special.day} is listed twice")
            if special.kind is DayKind.WORKDAY and special.day.weekday() < 5:
                raise ValueError(f"make-up workday {special.day} is not a weekend day")
            self._special[special.day] = special
        years = covered_years if covered_years is not None else {d.year for d in self._special}
        self.covered_years = frozenset(years)
        self.workday_microseconds = sum(
            microseconds_between(
                datetime.combine(date(2000, 1, 3), p.start, tzinfo=UTC),
                datetime.combine(date(2000, 1, 3), p.end, tzinfo=UTC),
            )
            for p in periods
        )

    @classmethod
    def from_csv(
        cls,
        path: Path,
        *,
        work_periods: Sequence[WorkPeriod] = DEFAULT_WORK_PERIODS,
        tz: ZoneInfo = SHANGHAI,
    ) -> WorkCalendar:
        return cls(special_days=read_special_days(path), work_periods=work_periods, tz=tz)

    def special_day(self, day: date) -> SpecialDay | None:
        return self._special.get(day)

    def covers(self, day: date) -> bool:
        """Whether the official arrangement for `day`'s year is loaded (else: weekly rule only)."""
        return day.year in self.covered_years

    def is_workday(self, day: date) -> bool:
        special = self._special.get(day)
        if special is not None:
            return special.kind is DayKind.WORKDAY
        return day.weekday() < 5

    def local(self, moment: datetime) -> datetime:
        """`moment` in the calendar's zone; refuses naive datetimes."""
        return _utc(moment).astimezone(self.tz)

    def periods_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The work periods of `day` as aware instants; empty on a day off."""
        if not self.is_workday(day):
            return []
        return [
            (datetime.combine(day, p.start, tzinfo=self.tz), datetime.combine(day, p.end, tzinfo=self.tz))
            for p in self.work_periods
        ]

    def workdays_from(self, day: date) -> Iterator[date]:
        """Workdays on or after `day`, in order, without end."""
        while True:
            if self.is_workday(day):
                yield day
            day += timedelta(days=1)

    def next_workday(self, day: date) -> date:
        """The first workday strictly after `day`."""
        return next(self.workdays_from(day + timedelta(days=1)))

    def work_microseconds(self, start: datetime, end: datetime) -> int:
        """Work time between two instants (0 when `end` is not after `start`)."""
        if microseconds_between(start, end) <= 0:
            return 0
        day, last = self.local(start).date(), self.local(end).date()
        total = 0
        while day <= last:
            for period_start, period_end in self.periods_on(day):
                lo = max(_utc(period_start), _utc(start))
                hi = min(_utc(period_end), _utc(end))
                if hi > lo:
                    total += microseconds_between(lo, hi)
            day += timedelta(days=1)
        return total


def read_special_days(path: Path) -> list[SpecialDay]:
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.DictReader(lines)
    if reader.fieldnames is None or not {"date", "kind", "name"} <= set(reader.fieldnames):
        raise ValueError(f"{path}: expected the columns date,kind,name")
    return [
        SpecialDay(day=date.fromisoformat(row["date"]), kind=DayKind(row["kind"]), name=row["name"])
        for row in reader
    ]


@lru_cache(maxsize=1)
def default_calendar() -> WorkCalendar:
    """China's calendar with the shipped holiday arrangements and the default work hours."""
    return WorkCalendar.from_csv(DEFAULT_CALENDAR_CSV)
