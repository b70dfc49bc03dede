"""Scores and lists with hand-computed values.

The dispatch used throughout: whistled Mon 2026-11-23 09:00; report in within 2 work hours (deadline
11:00); handle within 2 work days (Tue 24 and Wed 25 are the counted days, deadline Wed 17:30).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from service.cases.calendar import SHANGHAI, default_calendar
from service.cases.deadlines import LimitUnit
from service.cases.scoring import (
    DispatchFacts,
    LateBand,
    ListKind,
    Rule,
    ScoringRules,
    classify,
    score,
    unit_lists,
)

CAL = default_calendar()


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


BASE = DispatchFacts(
    dispatched_at=at(2026, 11, 23, 9),
    check_in_deadline=at(2026, 11, 23, 11),
    handling_deadline=at(2026, 11, 25, 17, 30),
    handling_unit=LimitUnit.WORK_DAYS,
)
CLOSED_AT = at(2026, 12, 7, 9)  # evaluation time, well after everything


def good(**changes: object) -> DispatchFacts:
    facts = replace(
        BASE, checked_in_at=at(2026, 11, 23, 10), result_at=at(2026, 11, 24, 15), result_photo_count=1
    )
    return replace(facts, **changes)  # type: ignore[arg-type]


def points(
    facts: DispatchFacts, as_of: datetime = CLOSED_AT, rules: ScoringRules | None = None
) -> list[tuple[Rule, Decimal]]:
    return [(d.rule, d.points) for d in score(facts, as_of=as_of, calendar=CAL, rules=rules).deductions]


def test_perfect_dispatch() -> None:
    evaluation = score(good(), as_of=CLOSED_AT, calendar=CAL)
    assert evaluation.score == 100
    assert evaluation.deductions == ()
    assert classify(good(), as_of=CLOSED_AT) is ListKind.PRAISE


def test_late_check_in() -> None:
    facts = good(checked_in_at=at(2026, 11, 23, 11, 30))
    assert points(facts) == [(Rule.LATE_CHECK_IN, Decimal(-10))]
    assert score(facts, as_of=CLOSED_AT, calendar=CAL).score == 90
    assert classify(facts, as_of=CLOSED_AT) is ListKind.INTERVIEW


def test_check_in_exactly_at_the_deadline_is_on_time() -> None:
    assert points(good(checked_in_at=at(2026, 11, 23, 11))) == []


@pytest.mark.parametrize(
    ("result_at", "deducted", "total"),
    [
        # Thu 08:30–10:00 = 1.5 h = 0.1875 day overdue of a 2-day limit = 9.375 % → first band
        (at(2026, 11, 26, 10), -10, 90),
        # exactly 25 %: 0.5 day = 4 h → Thu 13:30; still the first band (bands are inclusive)
        (at(2026, 11, 26, 13, 30), -10, 90),
        # Thu full + Fri 7.5 h = 1.9375 days = 96.875 % → second band
        (at(2026, 11, 27, 17), -20, 80),
        # Thu, Fri and Mon full = 3 days = 150 % → third band
        (at(2026, 11, 30, 17, 30), -40, 60),
        # Thu 07:00: late by the wall clock, no work time overdue → first band
        (at(2026, 11, 26, 7), -10, 90),
    ],
)
def test_late_handling_bands(result_at: datetime, deducted: int, total: int) -> None:
    facts = good(result_at=result_at)
    assert points(facts) == [(Rule.LATE_HANDLING, Decimal(deducted))]
    assert score(facts, as_of=CLOSED_AT, calendar=CAL).score == total
    assert classify(facts, as_of=CLOSED_AT) is ListKind.REMINDER


def test_late_handling_reason_names_the_overdue_share() -> None:
    (deduction,) = score(good(result_at=at(2026, 11, 26, 10)), as_of=CLOSED_AT, calendar=CAL).deductions
    assert deduction.reason == "超期处置，超出时限的 9.4%"


def test_no_show_still_open() -> None:
    # As of Mon 11-30 12:00: never reported in (−30); handling overdue Thu + Fri + Mon 3.5 h
    # = 2.4375 days = 121.875 % (−40).
    as_of = at(2026, 11, 30, 12)
    assert points(BASE, as_of) == [(Rule.NO_CHECK_IN, Decimal(-30)), (Rule.LATE_HANDLING, Decimal(-40))]
    assert score(BASE, as_of=as_of, calendar=CAL).score == 30
    assert classify(BASE, as_of=as_of) is ListKind.INTERVIEW


def test_not_yet_due() -> None:
    as_of = at(2026, 11, 23, 10, 59)
    assert score(BASE, as_of=as_of, calendar=CAL).score == 100
    assert classify(BASE, as_of=as_of) is None
    checked_in = replace(BASE, checked_in_at=at(2026, 11, 23, 10))
    assert classify(checked_in, as_of=at(2026, 11, 25, 17, 30)) is None
    assert classify(checked_in, as_of=at(2026, 11, 25, 17, 31)) is ListKind.REMINDER


def test_rework_and_missing_photo() -> None:
    facts = good(rework_count=2, result_photo_count=0)
    assert points(facts) == [(Rule.REWORK, Decimal(-20)), (Rule.MISSING_RESULT_PHOTO, Decimal(-10))]
    evaluation = score(facts, as_of=CLOSED_AT, calendar=CAL)
    assert evaluation.score == 70
    assert evaluation.breakdown() == [
        {"rule": "rework", "points": "-20", "reason": "核查未通过返工 2 次"},
        {"rule": "missing_result_photo", "points": "-10", "reason": "处置结果未附照片"},
    ]
    assert classify(facts, as_of=CLOSED_AT) is ListKind.PRAISE  # accepted result still in time


def test_floor_at_zero_keeps_the_full_breakdown() -> None:
    facts = replace(BASE, result_at=at(2026, 12, 4, 17), rework_count=3, result_photo_count=0)
    evaluation = score(facts, as_of=CLOSED_AT, calendar=CAL)
    assert [d.points for d in evaluation.deductions] == [Decimal(v) for v in (-30, -40, -30, -10)]
    assert evaluation.score == 0


@pytest.mark.parametrize(
    ("sent_back_at", "wrong", "expected", "total", "kind"),
    [
        (at(2026, 11, 23, 10, 30), False, [], 100, None),
        (at(2026, 11, 23, 10, 30), True, [(Rule.WRONG_SEND_BACK, Decimal(-5))], 95, None),
        (
            at(2026, 11, 23, 12),
            True,
            [(Rule.LATE_CHECK_IN, Decimal(-10)), (Rule.WRONG_SEND_BACK, Decimal(-5))],
            85,
            ListKind.INTERVIEW,
        ),
    ],
)
def test_send_back(
    sent_back_at: datetime,
    wrong: bool,
    expected: list[tuple[Rule, Decimal]],
    total: int,
    kind: ListKind | None,
) -> None:
    facts = replace(BASE, sent_back_at=sent_back_at, wrong_send_back=wrong)
    assert points(facts) == expected  # no handling deduction for a dispatch that left the unit
    assert score(facts, as_of=CLOSED_AT, calendar=CAL).score == total
    assert classify(facts, as_of=CLOSED_AT) is kind


def test_checked_in_then_sent_back_uses_the_check_in_time() -> None:
    facts = replace(BASE, checked_in_at=at(2026, 11, 23, 10), sent_back_at=at(2026, 11, 27, 10))
    assert points(facts) == []
    assert classify(facts, as_of=CLOSED_AT) is None


def test_custom_rules() -> None:
    rules = ScoringRules(
        late_check_in=Decimal(5),
        late_handling_bands=(LateBand(Decimal("0.5"), Decimal(15)), LateBand(None, Decimal(25))),
        rework_each=Decimal("2.5"),
    )
    facts = good(checked_in_at=at(2026, 11, 23, 12), result_at=at(2026, 11, 27, 17), rework_count=1)
    # 96.875 % overdue is beyond the 50 % band
    assert points(facts, rules=rules) == [
        (Rule.LATE_CHECK_IN, Decimal(-5)),
        (Rule.LATE_HANDLING, Decimal(-25)),
        (Rule.REWORK, Decimal("-2.5")),
    ]
    assert score(facts, as_of=CLOSED_AT, calendar=CAL, rules=rules).score == Decimal("67.5")


def test_rules_from_toml_and_json(tmp_path: Path) -> None:
    toml = tmp_path / "rules.toml"
    toml.write_text(
        "no_check_in = 50\nrework_each = 0.5\n\n"
        "[[late_handling_bands]]\nup_to = 0.1\npoints = 5\n\n[[late_handling_bands]]\npoints = 30\n",
        encoding="utf-8",
    )
    rules = ScoringRules.load(toml)
    assert rules.no_check_in == 50
    assert rules.rework_each == Decimal("0.5")
    assert rules.late_check_in == 10  # default kept
    assert rules.late_handling_bands == (LateBand(Decimal("0.1"), Decimal(5)), LateBand(None, Decimal(30)))

    as_json = tmp_path / "rules.json"
    as_json.write_text(json.dumps(rules.to_mapping()), encoding="utf-8")
    assert ScoringRules.load(as_json) == rules
    assert ScoringRules.from_mapping(ScoringRules().to_mapping()) == ScoringRules()


@pytest.mark.parametrize(
    "data",
    [
        {"late_check_in": -1},
        {"late_check_in": True},
        {"late_check_in": "ten"},
        {"bonus": 5},
        {"late_handling_bands": [{"up_to": 1, "points": 10}]},
        {"late_handling_bands": [{"up_to": 1, "points": 10}, {"up_to": 0.5, "points": 5}, {"points": 40}]},
        {"late_handling_bands": [{"points": 10}, {"points": 40}]},
        {"late_handling_bands": [{"up_to": 1}]},
        {"late_handling_bands": "steep"},
        {"floor": 200},
    ],
)
def test_bad_rules(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ScoringRules.from_mapping(data)


def test_rules_file_type(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("x: 1", encoding="utf-8")
    with pytest.raises(ValueError, match=r"\.toml or \.json"):
        ScoringRules.load(path)


def test_unit_lists_worst_dispatch_decides() -> None:
    classified = [
        ("北京路派出所", ListKind.PRAISE),
        ("市市场监督管理局", ListKind.PRAISE),
        ("北京路派出所", ListKind.REMINDER),
        ("船营区城管大队", ListKind.INTERVIEW),
        ("船营区城管大队", ListKind.PRAISE),
        ("德胜街道综合执法队", None),
    ]
    assert unit_lists(classified) == {
        ListKind.PRAISE: ["市市场监督管理局"],
        ListKind.REMINDER: ["北京路派出所"],
        ListKind.INTERVIEW: ["船营区城管大队"],
    }
