"""Indicator formulas, including the 天门 bulletin's published figures."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta
from decimal import Decimal

import pytest

from service.cases.indicators import INDICATOR_LABELS, IndicatorCounts, Indicators, percent, rate


def test_tianmen_bulletin() -> None:
    # 天门: 应结案 972, 结案 911, 按期结案 737 → 结案率 93.72 %, 按期结案率 75.82 %
    result = IndicatorCounts(due_for_closure=972, closed=911, closed_on_time=737).indicators()
    assert percent(result.closure_rate) == Decimal("93.72")
    assert percent(result.on_time_closure_rate) == Decimal("75.82")


def test_all_rates_from_a_seeded_history() -> None:
    counts = IndicatorCounts(
        reported=120,
        filed=100,
        dispatched=80,
        accurately_dispatched=76,
        checked_in_on_time=72,
        due_for_handling=78,
        handled=75,
        handled_on_time=60,
        due_for_closure=78,
        closed=70,
        closed_on_time=56,
        reworked=6,
        handling_seconds=75 * 5 * 3600,
    )
    result = counts.indicators()
    assert (result.reported, result.filed, result.dispatched) == (120, 100, 80)
    assert result.accurate_dispatch_rate == Decimal("0.95")
    assert result.on_time_check_in_rate == Decimal("0.9")
    assert percent(result.handling_rate) == Decimal("96.15")  # 75/78
    assert percent(result.on_time_handling_rate) == Decimal("76.92")  # 60/78
    assert percent(result.closure_rate) == Decimal("89.74")  # 70/78
    assert percent(result.on_time_closure_rate) == Decimal("71.79")  # 56/78
    assert result.rework_rate == Decimal("0.08")  # 6/75
    assert result.mean_handling_time == timedelta(hours=5)


def test_zero_denominators_give_none() -> None:
    result = IndicatorCounts().indicators()
    rates = [getattr(result, f.name) for f in fields(Indicators) if f.name.endswith("rate")]
    assert len(rates) == 7
    assert all(r is None for r in rates)
    assert result.mean_handling_time is None
    assert percent(None) is None


def test_counts_add_up_across_units() -> None:
    police = IndicatorCounts(dispatched=3, accurately_dispatched=3, handled=2, handling_seconds=7200)
    market = IndicatorCounts(dispatched=1, accurately_dispatched=0, handled=1, handling_seconds=3600)
    street = (police + market).indicators()
    assert street.accurate_dispatch_rate == Decimal("0.75")
    assert street.mean_handling_time == timedelta(hours=1)  # (7200 + 3600) s / 3


def test_rounding_is_half_up() -> None:
    assert percent(rate(1, 8)) == Decimal("12.50")
    assert percent(rate(1, 8), places=1) == Decimal("12.5")
    assert percent(rate(1, 16), places=1) == Decimal("6.3")  # 6.25 → 6.3, not banker's 6.2


def test_negative_counts_refused() -> None:
    with pytest.raises(ValueError):
        IndicatorCounts(closed=-1)
    with pytest.raises(ValueError):
        rate(-1, 3)


def test_labels_cover_every_indicator() -> None:
    assert set(INDICATOR_LABELS) == {f.name for f in fields(Indicators)}
