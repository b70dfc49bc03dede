"""一事一案一评价: one 100-point score per dispatch, and the praise / reminder / interview lists.

The article (聚焦评): streets score each department's handling of each whistled case on 100 points and
report it to supervision; "对及时报到有效处理的通报表扬；对及时报到但没有按时处理的给予提醒提示；
对没有及时报到的约谈单位主要领导". The deductions are configurable (`ScoringRules`, loadable from TOML
or JSON); the defaults:

| rule | points | when |
|---|---|---|
| late_check_in | −10 | the unit answered (checked in, or sent back) after the report-in deadline |
| no_check_in | −30 | no answer at all and the report-in deadline has passed (replaces late_check_in) |
| late_handling | −10 / −20 / −40 | accepted result late, overdue by ≤ 25 % / ≤ 100 % / more of the limit |
| rework | −10 each | each failed verification (返工) |
| missing_result_photo | −10 | the accepted result carries no photo |
| wrong_send_back | −5 | the unit said "not ours" and the command center found it was |

A correct send-back costs the unit nothing; it counts against the dispatcher's 准确派遣率 instead. A
withdrawn dispatch (撤回/改派) is judged as it stood at the withdrawal (`DispatchFacts.until`).

The score never falls below the floor (0). Overdue is measured in the handling limit's own unit, so a
result on Saturday morning for a Friday 17:30 work-hour deadline is late (wall clock) but in the
first band (no work time overdue).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from service.cases.calendar import WorkCalendar, microseconds_between
from service.cases.deadlines import LimitUnit, elapsed


class Rule(StrEnum):
    LATE_CHECK_IN = "late_check_in"
    NO_CHECK_IN = "no_check_in"
    LATE_HANDLING = "late_handling"
    REWORK = "rework"
    MISSING_RESULT_PHOTO = "missing_result_photo"
    WRONG_SEND_BACK = "wrong_send_back"


class ListKind(StrEnum):
    """The periodic lists per unit: 通报表扬, 提醒提示, 约谈主要领导."""

    PRAISE = "praise"
    REMINDER = "reminder"
    INTERVIEW = "interview"


def _decimal(value: object, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError(f"{name} must be a number, not {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{name} must be a number, not {value!r}") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"{name} must be a finite non-negative number, not {value!r}")
    return number


@dataclass(frozen=True)
class LateBand:
    """Deduction for handling overdue by at most `up_to` of the limit (None: any amount)."""

    up_to: Decimal | None
    points: Decimal


DEFAULT_LATE_BANDS = (
    LateBand(Decimal("0.25"), Decimal(10)),
    LateBand(Decimal(1), Decimal(20)),
    LateBand(None, Decimal(40)),
)


@dataclass(frozen=True)
class ScoringRules:
    full_marks: Decimal = Decimal(100)
    floor: Decimal = Decimal(0)
    late_check_in: Decimal = Decimal(10)
    no_check_in: Decimal = Decimal(30)
    late_handling_bands: tuple[LateBand, ...] = DEFAULT_LATE_BANDS
    rework_each: Decimal = Decimal(10)
    missing_result_photo: Decimal = Decimal(10)
    wrong_send_back: Decimal = Decimal(5)

    def __post_init__(self) -> None:
        if self.full_marks <= 0 or not 0 <= self.floor <= self.full_marks:
            raise ValueError("need full_marks > 0 and 0 <= floor <= full_marks")
        bands = self.late_handling_bands
        if not bands or bands[-1].up_to is not None:
            raise ValueError("late_handling_bands must end with a band without up_to (any overdue)")
        limits = [b.up_to for b in bands[:-1]]
        if any(u is None for u in limits):
            raise ValueError("only the last late-handling band may omit up_to")
        given = [u for u in limits if u is not None]
        if given != sorted(set(given)):
            raise ValueError("late_handling_bands must have strictly increasing up_to")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ScoringRules:
        """Rules from a parsed TOML/JSON document; keys left out keep their defaults."""
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown scoring rules: {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key == "late_handling_bands":
                if not isinstance(value, list):
                    raise ValueError("late_handling_bands must be a list of {up_to, points}")
                values[key] = tuple(_band(item) for item in value)
            else:
                values[key] = _decimal(value, key)
        return cls(**values)

    @classmethod
    def load(cls, path: Path) -> ScoringRules:
        if path.suffix == ".toml":
            return cls.from_mapping(tomllib.loads(path.read_text(encoding="utf-8")))
        if path.suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError(f"{path}: expected a JSON object")
            return cls.from_mapping(data)
        raise ValueError(f"{path}: scoring rules are read from .toml or .json")

    def to_mapping(self) -> dict[str, Any]:
        """A JSON-ready copy, to store beside each evaluation (which rules produced this score)."""
        out: dict[str, Any] = {
            name: str(getattr(self, name))
            for name in self.__dataclass_fields__
            if name != "late_handling_bands"
        }
        out["late_handling_bands"] = [
            {"points": str(b.points)} | ({} if b.up_to is None else {"up_to": str(b.up_to)})
            for b in self.late_handling_bands
        ]
        return out


def _band(item: object) -> LateBand:
    if not isinstance(item, dict) or not set(item) <= {"up_to", "points"} or "points" not in item:
        raise ValueError(f"a late-handling band is {{up_to, points}}, not {item!r}")
    up_to = item.get("up_to")
    return LateBand(
        up_to=None if up_to is None else _decimal(up_to, "up_to"), points=_decimal(item["points"], "points")
    )


@dataclass(frozen=True)
class DispatchFacts:
    """What happened to one dispatch, as the evaluation needs it.

    `result_at` is when the accepted result (the one that passed 核查) was submitted; None while no
    result has passed. `handling_deadline` includes granted extensions. `withdrawn_at`: the command
    center took the dispatch back (撤回); the unit's obligations stop there (`until`).
    """

    dispatched_at: datetime
    check_in_deadline: datetime
    handling_deadline: datetime
    handling_unit: LimitUnit
    checked_in_at: datetime | None = None
    result_at: datetime | None = None
    sent_back_at: datetime | None = None
    wrong_send_back: bool = False
    rework_count: int = 0
    result_photo_count: int = 0
    withdrawn_at: datetime | None = None

    def until(self, as_of: datetime) -> datetime:
        """How far open obligations count: `as_of`, or the withdrawal when that came first."""
        if self.withdrawn_at is not None and microseconds_between(self.withdrawn_at, as_of) > 0:
            return self.withdrawn_at
        return as_of

    @property
    def responded_at(self) -> datetime | None:
        """The unit's first answer to the whistle: its check-in, or a send-back without one."""
        return self.checked_in_at if self.checked_in_at is not None else self.sent_back_at


@dataclass(frozen=True)
class Deduction:
    rule: Rule
    points: Decimal  # negative: what this rule took off
    reason: str


@dataclass(frozen=True)
class Evaluation:
    score: Decimal
    deductions: tuple[Deduction, ...] = field(default_factory=tuple)

    def breakdown(self) -> list[dict[str, str]]:
        """The deductions as JSON-ready rows (rule, points, reason), to store with the score."""
        return [{"rule": d.rule.value, "points": str(d.points), "reason": d.reason} for d in self.deductions]


def _after(moment: datetime, deadline: datetime) -> bool:
    return microseconds_between(deadline, moment) > 0


def _overdue_fraction(facts: DispatchFacts, end: datetime, calendar: WorkCalendar) -> Decimal | None:
    limit = elapsed(facts.dispatched_at, facts.handling_deadline, facts.handling_unit, calendar)
    if limit == 0:
        return None
    return elapsed(facts.handling_deadline, end, facts.handling_unit, calendar) / limit


def _late_band(fraction: Decimal | None, rules: ScoringRules) -> LateBand:
    for band in rules.late_handling_bands:
        if band.up_to is None or (fraction is not None and fraction <= band.up_to):
            return band
    raise AssertionError("validated rules end with an open band")


def score(
    facts: DispatchFacts, *, as_of: datetime, calendar: WorkCalendar, rules: ScoringRules | None = None
) -> Evaluation:
    """The dispatch's score at `as_of` (normally when it closes); open obligations count up to `as_of`."""
    rules = rules or ScoringRules()
    deductions: list[Deduction] = []
    as_of = facts.until(as_of)

    responded = facts.responded_at
    if responded is None:
        if _after(as_of, facts.check_in_deadline):
            deductions.append(Deduction(Rule.NO_CHECK_IN, -rules.no_check_in, "报到时限内未报到"))
    elif _after(responded, facts.check_in_deadline):
        deductions.append(Deduction(Rule.LATE_CHECK_IN, -rules.late_check_in, "超过报到时限才报到"))

    if facts.sent_back_at is None:
        end = facts.result_at or as_of
        if _after(end, facts.handling_deadline):
            fraction = _overdue_fraction(facts, end, calendar)
            band = _late_band(fraction, rules)
            share = "" if fraction is None else f"，超出时限的 {(fraction * 100).quantize(Decimal('0.1'))}%"
            what = "超期处置" if facts.result_at is not None else "逾期未处置"
            deductions.append(Deduction(Rule.LATE_HANDLING, -band.points, what + share))

    if facts.rework_count:
        deductions.append(
            Deduction(
                Rule.REWORK,
                -rules.rework_each * facts.rework_count,
                f"核查未通过返工 {facts.rework_count} 次",
            )
        )
    if facts.result_at is not None and facts.result_photo_count == 0:
        deductions.append(
            Deduction(Rule.MISSING_RESULT_PHOTO, -rules.missing_result_photo, "处置结果未附照片")
        )
    if facts.wrong_send_back:
        deductions.append(
            Deduction(Rule.WRONG_SEND_BACK, -rules.wrong_send_back, "退回理由不成立（属本单位职责）")
        )

    total = rules.full_marks + sum((d.points for d in deductions), Decimal(0))
    return Evaluation(score=max(rules.floor, total), deductions=tuple(deductions))


def classify(facts: DispatchFacts, *, as_of: datetime) -> ListKind | None:
    """Which list this dispatch puts its unit on, or None (not yet due, or sent back in time).

    Interview: no answer by the report-in deadline (late or never). Reminder: answered in time but the
    accepted result came after the handling deadline, or none has come and the deadline has passed.
    Praise: answered in time and the accepted result came in time (a rework does not forfeit praise
    when the accepted result is still on time; it costs points instead). A withdrawn dispatch is
    judged as it stood when it was withdrawn.
    """
    as_of = facts.until(as_of)
    responded = facts.responded_at
    if responded is None:
        return ListKind.INTERVIEW if _after(as_of, facts.check_in_deadline) else None
    if _after(responded, facts.check_in_deadline):
        return ListKind.INTERVIEW
    if facts.sent_back_at is not None:
        return None
    if facts.result_at is None:
        return ListKind.REMINDER if _after(as_of, facts.handling_deadline) else None
    return ListKind.REMINDER if _after(facts.result_at, facts.handling_deadline) else ListKind.PRAISE


_SEVERITY = [ListKind.PRAISE, ListKind.REMINDER, ListKind.INTERVIEW]
U = TypeVar("U", bound=Hashable)


def unit_lists(classified: Iterable[tuple[U, ListKind | None]]) -> dict[ListKind, list[U]]:
    """The period's lists from (unit, list) pairs of its dispatches; a unit's worst dispatch decides.

    Units appear in the order first classified; a unit with only unclassified dispatches is on no list.
    """
    worst: dict[U, ListKind] = {}
    for unit, kind in classified:
        if kind is None:
            continue
        current = worst.get(unit)
        if current is None or _SEVERITY.index(kind) > _SEVERITY.index(current):
            worst[unit] = kind
    lists: dict[ListKind, list[U]] = {kind: [] for kind in ListKind}
    for unit, kind in worst.items():
        lists[kind].append(unit)
    return lists
