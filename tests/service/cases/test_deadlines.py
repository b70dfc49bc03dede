"""Deadline arithmetic with hand-computed values (default hours 08:30–12:00, 13:00–17:30)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.cases.calendar import SHANGHAI, default_calendar
from service.cases.deadlines import (
    DispatchDeadlines,
    Limit,
    LimitUnit,
    add_limit,
    dispatch_deadlines,
    elapsed,
    extend,
)

CAL = default_calendar()
U = LimitUnit


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


CASES = [
    # work hours
    ("weekend", at(2026, 11, 20, 16), "4", U.WORK_HOURS, at(2026, 11, 23, 11)),
    ("after hours friday", at(2026, 11, 20, 19), "2", U.WORK_HOURS, at(2026, 11, 23, 10, 30)),
    ("lunch break", at(2026, 11, 25, 11), "2", U.WORK_HOURS, at(2026, 11, 25, 14)),
    ("ends exactly at noon", at(2026, 11, 25, 10), "2", U.WORK_HOURS, at(2026, 11, 25, 12)),
    ("before work", at(2026, 11, 25, 7), "1", U.WORK_HOURS, at(2026, 11, 25, 9, 30)),
    ("国庆 2026", at(2026, 9, 30, 16), "4", U.WORK_HOURS, at(2026, 10, 8, 11)),
    ("make-up Saturday 10-10", at(2026, 10, 9, 17), "2", U.WORK_HOURS, at(2026, 10, 10, 10)),
    ("make-up Sunday 01-04", at(2025, 12, 31, 17), "3", U.WORK_HOURS, at(2026, 1, 4, 11)),
    ("dispatched on a holiday", at(2026, 10, 3, 10), "1", U.WORK_HOURS, at(2026, 10, 8, 9, 30)),
    ("fractional hours", at(2026, 11, 23, 11, 30), "1.25", U.WORK_HOURS, at(2026, 11, 23, 13, 45)),
    ("whole workday", at(2026, 11, 23, 8, 30), "8", U.WORK_HOURS, at(2026, 11, 23, 17, 30)),
    # work days
    ("during a workday: from tomorrow", at(2026, 11, 23, 10), "1", U.WORK_DAYS, at(2026, 11, 24, 17, 30)),
    ("before work: today counts", at(2026, 11, 23, 8), "1", U.WORK_DAYS, at(2026, 11, 23, 17, 30)),
    ("at 08:30 sharp: today counts", at(2026, 11, 23, 8, 30), "1", U.WORK_DAYS, at(2026, 11, 23, 17, 30)),
    ("over a weekend", at(2026, 11, 20, 14), "3", U.WORK_DAYS, at(2026, 11, 25, 17, 30)),
    ("over 国庆 to make-up Sat", at(2026, 9, 30, 10), "3", U.WORK_DAYS, at(2026, 10, 10, 17, 30)),
    ("春节 2026", at(2026, 2, 13, 10), "2", U.WORK_DAYS, at(2026, 2, 24, 17, 30)),
    ("holiday start", at(2026, 10, 3, 10), "1", U.WORK_DAYS, at(2026, 10, 8, 17, 30)),
    (
        "one and a half days",
        at(2026, 11, 23, 10),
        "1.5",
        U.WORK_DAYS,
        at(2026, 11, 25, 13, 30),
    ),  # 3.5 h + 0.5 h
    ("half a day", at(2026, 11, 23, 10), "0.5", U.WORK_DAYS, at(2026, 11, 24, 13, 30)),
    # continuous clocks
    ("urgent on a holiday", at(2026, 10, 1, 10), "3", U.URGENT_HOURS, at(2026, 10, 1, 13)),
    ("urgent over midnight", at(2026, 9, 30, 22), "3.5", U.URGENT_HOURS, at(2026, 10, 1, 1, 30)),
    ("natural days over 国庆", at(2026, 9, 30, 10), "2", U.NATURAL_DAYS, at(2026, 10, 2, 10)),
    ("zero", at(2026, 11, 21, 10), "0", U.WORK_HOURS, at(2026, 11, 21, 10)),
]


@pytest.mark.parametrize(
    ("start", "amount", "unit", "deadline"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_add_limit(start: datetime, amount: str, unit: LimitUnit, deadline: datetime) -> None:
    result = add_limit(start, Decimal(amount), unit, CAL)
    assert result == deadline
    assert result.tzinfo == SHANGHAI
    assert elapsed(start, result, unit, CAL) == Decimal(amount)


def test_start_given_in_utc() -> None:
    friday_evening = datetime(2026, 11, 20, 11, tzinfo=UTC)  # 19:00 in Shanghai
    assert add_limit(friday_evening, 2, U.WORK_HOURS, CAL) == at(2026, 11, 23, 10, 30)


def test_float_amounts() -> None:
    assert add_limit(at(2026, 11, 23, 9), 0.1, U.URGENT_HOURS, CAL) == at(2026, 11, 23, 9, 6)
    assert add_limit(at(2026, 11, 23, 9), 1.1, U.URGENT_HOURS, CAL) == at(2026, 11, 23, 10, 6)


@pytest.mark.parametrize("amount", [Decimal(-1), Decimal("NaN"), float("inf"), -0.5])
def test_bad_amounts(amount: Decimal | float) -> None:
    with pytest.raises(ValueError):
        add_limit(at(2026, 11, 23, 9), amount, U.WORK_HOURS, CAL)


def test_naive_start_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        add_limit(datetime(2026, 11, 23, 9), 1, U.URGENT_HOURS, CAL)


@pytest.mark.parametrize(
    ("start", "now", "unit", "used"),
    [
        (at(2026, 11, 20, 16), at(2026, 11, 23, 11), U.WORK_HOURS, "4"),
        (at(2026, 11, 20, 16), at(2026, 11, 22, 11), U.WORK_HOURS, "1.5"),  # Sunday: clock stands still
        (at(2026, 11, 23, 10), at(2026, 11, 23, 16), U.WORK_DAYS, "0"),  # the dispatch day is free
        (at(2026, 11, 23, 10), at(2026, 11, 24, 13), U.WORK_DAYS, "0.4375"),  # 3.5 h of 8
        (at(2026, 11, 23, 10), at(2026, 11, 26, 8), U.WORK_DAYS, "2"),
        (at(2026, 9, 30, 10), at(2026, 10, 7, 23), U.WORK_DAYS, "0"),  # all of 国庆 is free
        (at(2026, 9, 30, 10), at(2026, 10, 1, 10), U.URGENT_HOURS, "24"),
        (at(2026, 9, 30, 10), at(2026, 10, 1, 22), U.NATURAL_DAYS, "1.5"),
        (at(2026, 9, 30, 10), at(2026, 9, 30, 9), U.URGENT_HOURS, "0"),  # before the start
    ],
)
def test_elapsed(start: datetime, now: datetime, unit: LimitUnit, used: str) -> None:
    assert elapsed(start, now, unit, CAL) == Decimal(used)


def test_dispatch_deadlines_with_extensions() -> None:
    # Thu 2026-09-24 15:00; Fri 09-25 is 中秋, so the three work days are Mon 28, Tue 29, Wed 30.
    dispatched = at(2026, 9, 24, 15)
    plain = dispatch_deadlines(
        dispatched_at=dispatched,
        check_in=Limit(Decimal(2), U.WORK_HOURS),
        handling=Limit(Decimal(3), U.WORK_DAYS),
        calendar=CAL,
    )
    assert plain == DispatchDeadlines(check_in=at(2026, 9, 24, 17), handling=at(2026, 9, 30, 17, 30))
    extended = dispatch_deadlines(
        dispatched_at=dispatched,
        check_in=Limit(Decimal(2), U.WORK_HOURS),
        handling=Limit(Decimal(3), U.WORK_DAYS),
        calendar=CAL,
        extensions=[Limit(Decimal(2), U.WORK_DAYS), Limit(Decimal(4), U.URGENT_HOURS)],
    )
    # two work days after 09-30 17:30 skip 国庆: Thu 10-08, Fri 10-09; then four continuous hours
    assert extended.handling == at(2026, 10, 9, 21, 30)
    assert extended.check_in == plain.check_in


def test_extend() -> None:
    assert extend(at(2026, 11, 23, 12), Limit(Decimal(1), U.WORK_DAYS), CAL) == at(2026, 11, 24, 17, 30)
    assert extend(at(2026, 11, 23, 12), Limit(Decimal(2), U.WORK_HOURS), CAL) == at(2026, 11, 23, 15)


def test_limit_normalises_amount() -> None:
    assert Limit(1.5, U.WORK_DAYS).amount == Decimal("1.5")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Limit(Decimal(-2), U.WORK_DAYS)


starts = st.datetimes(
    min_value=datetime(2024, 12, 20), max_value=datetime(2026, 12, 20), timezones=st.just(SHANGHAI)
)
hours = st.decimals(min_value=0, max_value=120, places=2)
days = st.decimals(min_value=0, max_value=25, places=2)


def amounts_for(unit: LimitUnit) -> st.SearchStrategy[Decimal]:
    return days if unit in (U.WORK_DAYS, U.NATURAL_DAYS) else hours


@settings(deadline=None, max_examples=300)
@given(unit=st.sampled_from(LimitUnit), data=st.data(), start=starts)
def test_elapsed_inverts_add_limit(unit: LimitUnit, data: st.DataObject, start: datetime) -> None:
    amount = data.draw(amounts_for(unit))
    assert elapsed(start, add_limit(start, amount, unit, CAL), unit, CAL) == amount


@settings(deadline=None, max_examples=300)
@given(
    unit=st.sampled_from(LimitUnit),
    data=st.data(),
    first=starts,
    gap=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)),
)
def test_later_start_never_gives_an_earlier_deadline(
    unit: LimitUnit, data: st.DataObject, first: datetime, gap: timedelta
) -> None:
    amount = data.draw(amounts_for(unit))
    assert add_limit(first, amount, unit, CAL) <= add_limit(first + gap, amount, unit, CAL)


@settings(deadline=None, max_examples=300)
@given(unit=st.sampled_from(LimitUnit), data=st.data(), start=starts)
def test_more_time_never_gives_an_earlier_deadline(
    unit: LimitUnit, data: st.DataObject, start: datetime
) -> None:
    a, b = sorted([data.draw(amounts_for(unit)), data.draw(amounts_for(unit))])
    assert add_limit(start, a, unit, CAL) <= add_limit(start, b, unit, CAL)


@settings(deadline=None, max_examples=200)
@given(
    unit=st.sampled_from(LimitUnit),
    start=starts,
    a=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
    b=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
)
def test_elapsed_grows_with_time(unit: LimitUnit, start: datetime, a: timedelta, b: timedelta) -> None:
    early, late = sorted([a, b])
    assert elapsed(start, start + early, unit, CAL) <= elapsed(start, start + late, unit, CAL)
