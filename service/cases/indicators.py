"""The city-management standard's indicators (GB/T 30428.4 综合评价) from plain counts.

Counts come from wherever they are cheapest (SQL aggregates in the service, a list of outcomes in
tests); the formulas live here once. Every rate is a fraction (0.9372…), None when its denominator
is zero; `percent` rounds one for display (93.72).

| indicator | formula |
|---|---|
| 准确派遣率 accurate-dispatch rate | 准确派遣数 / 派遣数 (accurate: not sent back or redispatched) |
| 按时报到率 on-time check-in rate | 按时报到数 / 派遣数 |
| 处置率 handling rate | 处置数 / 应处置数 |
| 按期处置率 on-time handling rate | 按期处置数 / 应处置数 |
| 结案率 closure rate | 结案数 / 应结案数 |
| 按期结案率 on-time closure rate | 按期结案数 / 应结案数 |
| 返工率 rework rate | 返工数 / 处置数 (dispatches reworked at least once) |
| 平均处置时长 mean handling time | total handling time / 处置数 |

Cases on hold (缓办/挂账) are not due: leave them out of 应处置数 and 应结案数 when counting (金华's
variant subtracts 缓办数 from the denominators; doing it at counting time keeps one formula).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal


def rate(numerator: int, denominator: int) -> Decimal | None:
    if numerator < 0 or denominator < 0:
        raise ValueError("counts cannot be negative")
    if denominator == 0:
        return None
    return Decimal(numerator) / Decimal(denominator)


def percent(value: Decimal | None, places: int = 2) -> Decimal | None:
    """A rate as a percentage rounded half-up, as the bulletins print it (911/972 → 93.72)."""
    if value is None:
        return None
    return (value * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class IndicatorCounts:
    """Counts for one unit, department, street or district over one period; they add up."""

    reported: int = 0  # 上报数
    filed: int = 0  # 立案数
    dispatched: int = 0  # 派遣数
    accurately_dispatched: int = 0  # 准确派遣数
    checked_in_on_time: int = 0  # 按时报到数
    due_for_handling: int = 0  # 应处置数
    handled: int = 0  # 处置数
    handled_on_time: int = 0  # 按期处置数
    due_for_closure: int = 0  # 应结案数
    closed: int = 0  # 结案数
    closed_on_time: int = 0  # 按期结案数
    reworked: int = 0  # 返工数
    handling_seconds: int = 0  # total handling time of the handled dispatches

    def __post_init__(self) -> None:
        # Read the instance dict directly: this runs for every row of every indicator query.
        for name, value in self.__dict__.items():
            if value < 0:
                raise ValueError(f"{name} cannot be negative")

    def __add__(self, other: IndicatorCounts) -> IndicatorCounts:
        return IndicatorCounts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    def indicators(self) -> Indicators:
        mean = None if self.handled == 0 else timedelta(seconds=self.handling_seconds / self.handled)
        return Indicators(
            reported=self.reported,
            filed=self.filed,
            dispatched=self.dispatched,
            accurate_dispatch_rate=rate(self.accurately_dispatched, self.dispatched),
            on_time_check_in_rate=rate(self.checked_in_on_time, self.dispatched),
            handling_rate=rate(self.handled, self.due_for_handling),
            on_time_handling_rate=rate(self.handled_on_time, self.due_for_handling),
            closure_rate=rate(self.closed, self.due_for_closure),
            on_time_closure_rate=rate(self.closed_on_time, self.due_for_closure),
            rework_rate=rate(self.reworked, self.handled),
            mean_handling_time=mean,
        )


@dataclass(frozen=True)
class Indicators:
    reported: int
    filed: int
    dispatched: int
    accurate_dispatch_rate: Decimal | None
    on_time_check_in_rate: Decimal | None
    handling_rate: Decimal | None
    on_time_handling_rate: Decimal | None
    closure_rate: Decimal | None
    on_time_closure_rate: Decimal | None
    rework_rate: Decimal | None
    mean_handling_time: timedelta | None


INDICATOR_LABELS = {
    "reported": "上报数",
    "filed": "立案数",
    "dispatched": "派遣数",
    "accurate_dispatch_rate": "准确派遣率",
    "on_time_check_in_rate": "按时报到率",
    "handling_rate": "处置率",
    "on_time_handling_rate": "按期处置率",
    "closure_rate": "结案率",
    "on_time_closure_rate": "按期结案率",
    "rework_rate": "返工率",
    "mean_handling_time": "平均处置时长",
}
