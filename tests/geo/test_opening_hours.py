"""Opening hours: the compact and JSON forms, overnight spans, minute-of-week ranges, errors."""

from __future__ import annotations

from datetime import datetime

import pytest

from geo.opening_hours import MINUTES_PER_WEEK, OpeningHoursError, from_json, parse, parse_compact


def test_always_open_is_one_whole_week_range() -> None:
    hours = parse_compact("24/7")
    assert hours.always_open
    assert hours.week_ranges() == [(0, MINUTES_PER_WEEK)]
    assert hours.to_json()["sun"] == [["00:00", "24:00"]]


def test_weekday_and_weekend_clauses() -> None:
    hours = parse_compact("mon-fri 08:30-17:30; sat,sun 09:00-16:00")
    assert not hours.always_open
    assert hours.to_json()["wed"] == [["08:30", "17:30"]]
    assert hours.to_json()["sat"] == [["09:00", "16:00"]]
    assert hours.is_open(datetime(2026, 11, 25, 8, 30))  # a Wednesday, at opening
    assert not hours.is_open(datetime(2026, 11, 25, 17, 30))  # closing time is excluded
    assert not hours.is_open(datetime(2026, 11, 28, 8, 59))  # Saturday, before 09:00


def test_a_span_past_midnight_runs_into_the_next_day_and_sunday_wraps_to_monday() -> None:
    hours = parse_compact("daily 18:00-02:00")
    assert hours.is_open(datetime(2026, 11, 24, 1, 59))  # Tuesday night from Monday evening
    assert not hours.is_open(datetime(2026, 11, 24, 2, 0))
    assert hours.is_open(datetime(2026, 11, 23, 0, 30))  # Monday 00:30 from Sunday evening
    ranges = hours.week_ranges()
    assert ranges[0] == (0, 120) and ranges[-1] == (MINUTES_PER_WEEK - 360, MINUTES_PER_WEEK)
    assert hours.to_json()["mon"] == [["18:00", "02:00"]]


def test_json_form_round_trips() -> None:
    hours = parse_compact("daily 10:00-14:00,17:00-02:00")
    assert from_json(hours.to_json()) == hours
    assert parse(hours.to_json()) == hours


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "empty"),
        ("mon-fri 8:00-17:00", "HH:MM"),
        ("someday 08:00-17:00", "unknown day"),
        ("mon 25:00-26:00", "HH:MM"),
        ("mon 08:00", "HH:MM-HH:MM"),
        ({"monday": [["08:00", "17:00"]]}, "unknown day"),
        ({"mon": [["08:00"]]}, "pair"),
        (42, "object or text"),
    ],
)
def test_malformed_hours_are_refused_with_a_reason(value: object, message: str) -> None:
    with pytest.raises(OpeningHoursError, match=message):
        parse(value)
