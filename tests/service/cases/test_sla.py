"""Clock colours and the red-deadline feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.cases.calendar import SHANGHAI, default_calendar
from service.cases.deadlines import LimitUnit, add_limit
from service.cases.sla import Clock, Colour, dispatch_clocks, turned_red

CAL = default_calendar()
U = LimitUnit


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


# 10 urgent hours from Mon 08:00: 80 % is 16:00, the deadline 18:00.
URGENT = Clock(at(2026, 11, 23, 8), at(2026, 11, 23, 18), U.URGENT_HOURS)


@pytest.mark.parametrize(
    ("now", "colour", "used"),
    [
        (at(2026, 11, 23, 8), Colour.GREEN, "0"),
        (at(2026, 11, 23, 15, 59), Colour.GREEN, None),
        (at(2026, 11, 23, 16), Colour.YELLOW, "0.8"),
        (at(2026, 11, 23, 18), Colour.YELLOW, "1"),
        (at(2026, 11, 23, 18, 1), Colour.RED, None),
    ],
)
def test_urgent_clock_colours(now: datetime, colour: Colour, used: str | None) -> None:
    assert URGENT.colour(now, CAL) is colour
    if used is not None:
        assert URGENT.used_fraction(now, CAL) == Decimal(used)


def test_work_hour_clock_stands_still_over_the_weekend_but_turns_red_after_the_deadline() -> None:
    # 5 work hours from Fri 2026-11-20 13:00: deadline Mon 09:00 (4.5 h Friday + 0.5 h Monday).
    deadline = add_limit(at(2026, 11, 20, 13), 5, U.WORK_HOURS, CAL)
    assert deadline == at(2026, 11, 23, 9)
    clock = Clock(at(2026, 11, 20, 13), deadline, U.WORK_HOURS)
    assert clock.used_fraction(at(2026, 11, 21, 12), CAL) == Decimal("0.9")
    assert clock.colour(at(2026, 11, 21, 12), CAL) is Colour.YELLOW  # 4.5 of 5 hours used on Saturday
    assert clock.colour(at(2026, 11, 20, 16), CAL) is Colour.GREEN  # 3 of 5 hours
    assert clock.colour(at(2026, 11, 23, 9), CAL) is Colour.YELLOW
    assert clock.colour(at(2026, 11, 23, 9, 1), CAL) is Colour.RED

    # A Friday-17:30 deadline is red on Saturday though no work hour passed since.
    friday = Clock(at(2026, 11, 20, 13), at(2026, 11, 20, 17, 30), U.WORK_HOURS)
    assert friday.used_fraction(at(2026, 11, 21, 10), CAL) == Decimal(1)
    assert friday.colour(at(2026, 11, 21, 10), CAL) is Colour.RED


def test_stopped_clock_keeps_its_colour() -> None:
    on_time = Clock(URGENT.start, URGENT.deadline, U.URGENT_HOURS, stopped_at=at(2026, 11, 23, 10))
    assert on_time.colour(at(2026, 11, 30), CAL) is Colour.GREEN
    late = Clock(URGENT.start, URGENT.deadline, U.URGENT_HOURS, stopped_at=at(2026, 11, 23, 19))
    assert late.colour(at(2026, 11, 30), CAL) is Colour.RED
    assert late.colour(at(2026, 11, 23, 17), CAL) is Colour.YELLOW  # before it stopped


def test_zero_length_limit() -> None:
    clock = Clock(at(2026, 11, 21, 10), at(2026, 11, 21, 10), U.WORK_HOURS)
    assert clock.used_fraction(at(2026, 11, 21, 10), CAL) is None
    assert clock.colour(at(2026, 11, 21, 10), CAL) is Colour.YELLOW
    assert clock.colour(at(2026, 11, 21, 10, 1), CAL) is Colour.RED


def test_dispatch_has_two_clocks() -> None:
    clocks = dispatch_clocks(
        dispatched_at=at(2026, 11, 23, 13),
        check_in_deadline=at(2026, 11, 23, 15),
        check_in_unit=U.WORK_HOURS,
        handling_deadline=at(2026, 11, 25, 17, 30),
        handling_unit=U.WORK_DAYS,
        responded_at=at(2026, 11, 23, 14),
    )
    # Tue 17:00: reported in on time (green, stopped at 50 %); handling: 1 day minus 0.5 h of 2 days.
    assert clocks.colours(at(2026, 11, 24, 17), CAL) == (Colour.GREEN, Colour.GREEN)
    assert clocks.handling.used_fraction(at(2026, 11, 24, 17), CAL) == Decimal("7.5") / 16
    assert clocks.colours(at(2026, 11, 25, 16), CAL) == (Colour.GREEN, Colour.YELLOW)
    assert clocks.colours(at(2026, 11, 26, 9), CAL) == (Colour.GREEN, Colour.RED)


@dataclass(frozen=True)
class Item:
    name: str
    deadline: datetime
    stopped_at: datetime | None = None


T0 = at(2026, 11, 23, 9)
ITEMS = [
    Item("before the window", T0 - timedelta(minutes=1)),
    Item("at since", T0),
    Item("inside", T0 + timedelta(minutes=5)),
    Item("at until", T0 + timedelta(minutes=10)),
    Item("stopped in time", T0 + timedelta(minutes=5), stopped_at=T0 + timedelta(minutes=5)),
    Item("stopped late", T0 + timedelta(minutes=6), stopped_at=T0 + timedelta(minutes=7)),
]


def test_turned_red_window_is_half_open() -> None:
    found = [i.name for i in turned_red(ITEMS, since=T0, until=T0 + timedelta(minutes=10))]
    assert found == ["at since", "inside", "stopped late"]


def test_turned_red_accepts_clocks() -> None:
    assert list(turned_red([URGENT], since=at(2026, 11, 23, 17), until=at(2026, 11, 23, 19))) == [URGENT]


@settings(deadline=None, max_examples=200)
@given(
    offsets=st.lists(st.integers(min_value=0, max_value=10_000), max_size=30),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=10),
)
def test_contiguous_windows_report_every_deadline_once(offsets: list[int], cuts: list[int]) -> None:
    items = [Item(str(n), T0 + timedelta(seconds=s)) for n, s in enumerate(offsets)]
    bounds = [T0, *sorted(T0 + timedelta(seconds=c) for c in cuts), T0 + timedelta(seconds=10_001)]
    reported = [
        item.name for since, until in pairwise(bounds) for item in turned_red(items, since=since, until=until)
    ]
    assert sorted(reported) == sorted(i.name for i in items)


def _colour_by_share(clock: Clock, now: datetime) -> Colour:
    """The rule as the standard states it: red past the deadline, yellow from 80 % of the limit used."""
    if clock.is_overdue(now):
        return Colour.RED
    used = clock.used_fraction(now, CAL)
    return Colour.YELLOW if used is None or used >= Decimal("0.8") else Colour.GREEN


@settings(deadline=None, max_examples=300)
@given(
    start_minute=st.integers(min_value=0, max_value=60 * 24 * 60),
    start_us=st.integers(min_value=0, max_value=59_999_999),
    unit=st.sampled_from(list(U)),
    amount=st.decimals(min_value=0, max_value=12, places=2),
    after=st.integers(min_value=-3_600, max_value=30 * 86_400),
)
def test_the_stored_yellow_instant_gives_the_colour_of_the_used_share(
    start_minute: int, start_us: int, unit: LimitUnit, amount: Decimal, after: int
) -> None:
    start = at(2026, 9, 1) + timedelta(minutes=start_minute, microseconds=start_us)
    clock = Clock(start, add_limit(start, amount, unit, CAL), unit)
    yellow = clock.yellow_at(CAL)
    probes = (start + timedelta(seconds=after), yellow, yellow - timedelta(microseconds=1), clock.deadline)
    for now in probes:
        if now >= start - timedelta(hours=1):  # a reading the clock can show (an hour of clock skew)
            assert clock.colour(now, CAL, yellow_at=yellow) is _colour_by_share(clock, now)
