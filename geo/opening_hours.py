"""Weekly opening hours of a station: a small structured form, its parser, and minute-of-week ranges.

Stored form (JSON, one key per weekday, each a list of ``[open, close]`` times)::

    {"mon": [["08:00", "20:00"]], "tue": [...], ..., "sun": []}

``close`` may be ``"24:00"``; a close at or before the open time runs past midnight into the next day
(``["18:00", "02:00"]``). A missing or empty day is closed. The compact text form used in CSV files::

    24/7
    mon-fri 08:30-17:30; sat,sun 09:00-16:00
    daily 18:00-02:00

The database keeps, next to the JSON, the same hours as half-open minute-of-week ranges (0 = Monday
00:00, 10080 = the next Monday) in an ``int4multirange`` column, so that "open now" is one ``@>`` test
in SQL, evaluated inside the nearest-station KNN scan.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
_TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")

WeeklyJson = dict[str, list[list[str]]]


class OpeningHoursError(ValueError):
    """The hours cannot be understood; the message says which part."""


@dataclass(frozen=True)
class OpeningHours:
    """Per weekday, a tuple of (open minute, close minute) of that day; close > open, close may pass 1440."""

    days: tuple[tuple[tuple[int, int], ...], ...]

    @property
    def always_open(self) -> bool:
        return self.week_ranges() == [(0, MINUTES_PER_WEEK)]

    def to_json(self) -> WeeklyJson:
        out: WeeklyJson = {}
        for day, spans in zip(DAYS, self.days, strict=True):
            out[day] = [
                [_fmt(start), _fmt(end if end <= MINUTES_PER_DAY else end - MINUTES_PER_DAY)]
                for start, end in spans
            ]
        return out

    def week_ranges(self) -> list[tuple[int, int]]:
        """Merged, sorted half-open minute-of-week ranges; a span past Sunday midnight wraps to Monday."""
        raw: list[tuple[int, int]] = []
        for index, spans in enumerate(self.days):
            base = index * MINUTES_PER_DAY
            for start, end in spans:
                lo, hi = base + start, base + end
                if hi <= MINUTES_PER_WEEK:
                    raw.append((lo, hi))
                else:
                    raw.append((lo, MINUTES_PER_WEEK))
                    raw.append((0, hi - MINUTES_PER_WEEK))
        raw.sort()
        merged: list[tuple[int, int]] = []
        for lo, hi in raw:
            if merged and lo <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
            else:
                merged.append((lo, hi))
        return merged

    def is_open(self, local_time: datetime) -> bool:
        minute = minute_of_week(local_time)
        return any(lo <= minute < hi for lo, hi in self.week_ranges())


def minute_of_week(local_time: datetime) -> int:
    """Minutes since Monday 00:00 of the local (already converted) wall-clock time."""
    return local_time.weekday() * MINUTES_PER_DAY + local_time.hour * 60 + local_time.minute


def _fmt(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _minute(text: str) -> int:
    match = _TIME.match(text.strip())
    if not match:
        raise OpeningHoursError(f"time {text!r} is not HH:MM")
    value = int(match.group(1)) * 60 + int(match.group(2))
    if value > MINUTES_PER_DAY:
        raise OpeningHoursError(f"time {text!r} is past 24:00")
    return value


def _span(open_text: str, close_text: str) -> tuple[int, int]:
    start, end = _minute(open_text), _minute(close_text)
    if start == MINUTES_PER_DAY:
        raise OpeningHoursError(f"opening time {open_text!r} cannot be 24:00")
    if end <= start:
        end += MINUTES_PER_DAY  # runs past midnight
    return start, end


def from_json(data: Mapping[str, object]) -> OpeningHours:
    """Parse the stored JSON form; unknown day keys and malformed spans are refused."""
    unknown = set(data) - set(DAYS)
    if unknown:
        raise OpeningHoursError(f"unknown day(s) {sorted(unknown)}; use {', '.join(DAYS)}")
    days: list[tuple[tuple[int, int], ...]] = []
    for day in DAYS:
        spans = data.get(day, [])
        if not isinstance(spans, list):
            raise OpeningHoursError(f"{day}: expected a list of [open, close] pairs")
        parsed = []
        for span in spans:
            if not (
                isinstance(span, list | tuple) and len(span) == 2 and all(isinstance(t, str) for t in span)
            ):
                raise OpeningHoursError(f"{day}: {span!r} is not an [open, close] pair of HH:MM")
            parsed.append(_span(span[0], span[1]))
        days.append(tuple(sorted(parsed)))
    return OpeningHours(tuple(days))


def _day_set(text: str) -> list[int]:
    text = text.strip().lower()
    if text in ("daily", "everyday", "mon-sun"):
        return list(range(7))
    indexes: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            first, last = (p.strip() for p in part.split("-", 1))
            if first not in DAYS or last not in DAYS:
                raise OpeningHoursError(f"day range {part!r}: use mon..sun")
            a, b = DAYS.index(first), DAYS.index(last)
            indexes += list(range(a, b + 1)) if a <= b else [*range(a, 7), *range(0, b + 1)]
        elif part in DAYS:
            indexes.append(DAYS.index(part))
        else:
            raise OpeningHoursError(f"unknown day {part!r}; use mon..sun, ranges like mon-fri, or daily")
    return indexes


def parse_compact(text: str) -> OpeningHours:
    """Parse the CSV form: ``24/7`` or ``<days> HH:MM-HH:MM[,HH:MM-HH:MM]; ...``."""
    text = text.strip()
    if not text:
        raise OpeningHoursError("opening hours are empty; write 24/7 or e.g. 'daily 08:00-20:00'")
    if text.lower() in ("24/7", "24h", "00:00-24:00"):
        return OpeningHours(tuple(((0, MINUTES_PER_DAY),) for _ in DAYS))
    days: list[list[tuple[int, int]]] = [[] for _ in DAYS]
    for clause in filter(None, (c.strip() for c in text.split(";"))):
        pieces = clause.split(None, 1)
        if len(pieces) != 2:
            raise OpeningHoursError(f"clause {clause!r}: expected '<days> HH:MM-HH:MM'")
        for span in pieces[1].split(","):
            if "-" not in span:
                raise OpeningHoursError(f"clause {clause!r}: {span.strip()!r} is not HH:MM-HH:MM")
            open_text, close_text = span.split("-", 1)
            parsed = _span(open_text, close_text)
            for index in _day_set(pieces[0]):
                days[index].append(parsed)
    return OpeningHours(tuple(tuple(sorted(d)) for d in days))


def parse(value: object) -> OpeningHours:
    """Either form: a JSON object (dict) or the compact text."""
    if isinstance(value, Mapping):
        return from_json(value)
    if isinstance(value, str):
        return parse_compact(value)
    raise OpeningHoursError(f"opening hours must be an object or text, not {type(value).__name__}")
