"""The work calendar and the shipped 2025/2026 holiday arrangements."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from service.cases.calendar import (
    DEFAULT_CALENDAR_CSV,
    SHANGHAI,
    DayKind,
    SpecialDay,
    WorkCalendar,
    WorkPeriod,
    default_calendar,
    read_special_days,
)

CAL = default_calendar()
WEEKDAYS = "一二三四五六日"


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def test_shipped_file_counts() -> None:
    rows = read_special_days(DEFAULT_CALENDAR_CSV)
    holidays = [r for r in rows if r.kind is DayKind.HOLIDAY]
    workdays = [r for r in rows if r.kind is DayKind.WORKDAY]
    # 2025: 1 + 8 + 3 + 5 + 3 + 8; 2026: 3 + 9 + 3 + 5 + 3 + 3 + 7
    assert len(holidays) == 28 + 33
    assert len(workdays) == 5 + 6
    assert CAL.covered_years == frozenset({2025, 2026})


# (first day, last day, make-up workdays, weekday of the first day as the notice prints it)
NOTICES = [
    (date(2025, 1, 1), date(2025, 1, 1), [], "三"),
    (date(2025, 1, 28), date(2025, 2, 4), [date(2025, 1, 26), date(2025, 2, 8)], "二"),
    (date(2025, 4, 4), date(2025, 4, 6), [], "五"),
    (date(2025, 5, 1), date(2025, 5, 5), [date(2025, 4, 27)], "四"),
    (date(2025, 5, 31), date(2025, 6, 2), [], "六"),
    (date(2025, 10, 1), date(2025, 10, 8), [date(2025, 9, 28), date(2025, 10, 11)], "三"),
    (date(2026, 1, 1), date(2026, 1, 3), [date(2026, 1, 4)], "四"),
    (date(2026, 2, 15), date(2026, 2, 23), [date(2026, 2, 14), date(2026, 2, 28)], "日"),
    (date(2026, 4, 4), date(2026, 4, 6), [], "六"),
    (date(2026, 5, 1), date(2026, 5, 5), [date(2026, 5, 9)], "五"),
    (date(2026, 6, 19), date(2026, 6, 21), [], "五"),
    (date(2026, 9, 25), date(2026, 9, 27), [], "五"),
    (date(2026, 10, 1), date(2026, 10, 7), [date(2026, 9, 20), date(2026, 10, 10)], "四"),
]


@pytest.mark.parametrize(("first", "last", "makeups", "weekday"), NOTICES)
def test_notice_blocks(first: date, last: date, makeups: list[date], weekday: str) -> None:
    assert WEEKDAYS[first.weekday()] == weekday  # catches a mistyped date against the notice's weekday
    day = first
    while day <= last:
        assert not CAL.is_workday(day), day
        special = CAL.special_day(day)
        assert special is not None and special.kind is DayKind.HOLIDAY
        day += timedelta(days=1)
    assert CAL.is_workday(day) or day.weekday() >= 5  # the block ends where it says
    for makeup in makeups:
        assert makeup.weekday() >= 5
        assert CAL.is_workday(makeup)


def test_every_listed_day_belongs_to_a_notice_block() -> None:
    listed = {r.day for r in read_special_days(DEFAULT_CALENDAR_CSV)}
    expected: set[date] = set()
    for first, last, makeups, _ in NOTICES:
        expected |= {first + timedelta(days=i) for i in range((last - first).days + 1)}
        expected |= set(makeups)
    assert listed == expected


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (date(2026, 11, 23), True),  # ordinary Monday
        (date(2026, 11, 21), False),  # ordinary Saturday
        (date(2026, 11, 22), False),  # ordinary Sunday
        (date(2026, 10, 10), True),  # Saturday make-up workday
        (date(2026, 1, 4), True),  # Sunday make-up workday
        (date(2026, 10, 5), False),  # Monday inside 国庆
        (date(2026, 10, 8), True),  # Thursday after 国庆
        (date(2025, 10, 8), False),  # 2025's 国庆+中秋 ran to the 8th
        (date(2027, 1, 1), True),  # no 2027 data: weekly rule only (a Friday)
    ],
)
def test_is_workday(day: date, workday: bool) -> None:
    assert CAL.is_workday(day) is workday


def test_covers() -> None:
    assert CAL.covers(date(2026, 12, 31))
    assert not CAL.covers(date(2027, 1, 1))


def test_periods_on_a_workday_and_a_holiday() -> None:
    assert CAL.periods_on(date(2026, 10, 1)) == []
    assert CAL.periods_on(date(2026, 10, 10)) == [
        (at(2026, 10, 10, 8, 30), at(2026, 10, 10, 12)),
        (at(2026, 10, 10, 13), at(2026, 10, 10, 17, 30)),
    ]
    assert CAL.workday_microseconds == 8 * 3_600_000_000


def test_next_workday_skips_holiday_block() -> None:
    assert CAL.next_workday(date(2026, 9, 30)) == date(2026, 10, 8)
    assert CAL.next_workday(date(2026, 10, 9)) == date(2026, 10, 10)
    assert CAL.next_workday(date(2026, 2, 13)) == date(2026, 2, 14)
    assert CAL.next_workday(date(2026, 2, 14)) == date(2026, 2, 24)


def test_work_time_between_instants() -> None:
    hour = 3_600_000_000
    assert CAL.work_microseconds(at(2026, 11, 23, 11), at(2026, 11, 23, 14)) == 2 * hour  # lunch excluded
    assert CAL.work_microseconds(at(2026, 11, 20, 17), at(2026, 11, 23, 9)) == hour  # weekend excluded
    assert CAL.work_microseconds(at(2026, 11, 23, 14), at(2026, 11, 23, 11)) == 0
    # the same instant given in UTC
    assert CAL.work_microseconds(datetime(2026, 11, 23, 3, tzinfo=UTC), at(2026, 11, 23, 14)) == 2 * hour


def test_local_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="naive"):
        CAL.local(datetime(2026, 11, 23, 9))


def test_configurable_hours_and_csv(tmp_path: Path) -> None:
    path = tmp_path / "cal.csv"
    path.write_text(
        "# a comment line\ndate,kind,name\n2030-05-01,holiday,劳动节\n2030-05-04,workday,调休\n",
        encoding="utf-8",
    )
    cal = WorkCalendar.from_csv(path, work_periods=[WorkPeriod(time(9), time(17))])
    assert cal.workday_microseconds == 8 * 3_600_000_000
    assert not cal.is_workday(date(2030, 5, 1))
    assert cal.is_workday(date(2030, 5, 4))  # a Saturday
    assert cal.covered_years == frozenset({2030})
    assert cal.periods_on(date(2030, 5, 2)) == [
        (datetime(2030, 5, 2, 9, tzinfo=SHANGHAI), datetime(2030, 5, 2, 17, tzinfo=SHANGHAI))
    ]


def test_csv_needs_its_columns(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("day,type\n2030-05-01,holiday\n", encoding="utf-8")
    with pytest.raises(ValueError, match="columns"):
        read_special_days(path)


@pytest.mark.parametrize(
    "periods",
    [
        [],
        [WorkPeriod(time(13), time(17)), WorkPeriod(time(8), time(12))],
        [WorkPeriod(time(8), time(12)), WorkPeriod(time(11), time(17))],
    ],
)
def test_bad_work_periods(periods: list[WorkPeriod]) -> None:
    with pytest.raises(ValueError):
        WorkCalendar(work_periods=periods)


def test_bad_period_and_special_days() -> None:
    with pytest.raises(ValueError):
        WorkPeriod(time(12), time(8))
    with pytest.raises(ValueError, match="not a weekend"):
        WorkCalendar(special_days=[SpecialDay(date(2030, 5, 6), DayKind.WORKDAY, "x")])
    with pytest.raises(ValueError, match="twice"):
        WorkCalendar(
            special_days=[
                SpecialDay(date(2030, 5, 1), DayKind.HOLIDAY, "x"),
                SpecialDay(date(2030, 5, 1), DayKind.HOLIDAY, "y"),
            ]
        )
