"""Indicator counts from SQL aggregates, turned into the standard's rates by `indicators.py`.

Groups: `unit` (department unit), `kind` (department, e.g. 公安), `street`, `district`; a period is
[since, until). What is counted where:

* dispatch counts (派遣数 and everything after it) take the dispatches whistled in the period, grouped
  by the dispatch's unit / its unit's kind / the case's street and district (copied onto the dispatch);
* 准确派遣数: dispatches neither sent back nor withdrawn (撤回/改派); 应处置数 = 应结案数: dispatches
  not sent back, and not withdrawn unless the withdrawal came after a deadline the unit had missed
  (a no-show, or no result by the handling deadline: it stays the unit's, unclosed);
* 处置数: with a result (pending verification or accepted); 按期处置数: that result by the handling
  deadline (extensions included); 结案数: closed after verification; 按期结案数: closed by the handling
  deadline; 返工数: handled dispatches reworked at least once; handling time: dispatch → result;
* 上报数 and 立案数 by street/district: reports made and cases filed in the period in that place; by
  unit/kind: the cases whistled to it in the period (its dispatches), for both.

A district's or a street's command sees its division only (`service.cases.command`): every statement
carries the division's condition (true for the city); the unit and kind rollups have no place, so a
division's unit and kind rows are aggregated from its dispatches.

A period of whole local days (Asia/Shanghai midnights, as every bulletin uses) is answered from the
daily rollups `indicator_unit_days` / `indicator_place_days`, which a trigger on `dispatches` keeps
exact (migration 0004_cases): a month is ~30 rows per unit instead of the month's dispatches. Any
other period is aggregated from the dispatches themselves; both give the same counts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.orm import Session

from service.cases.calendar import default_calendar
from service.cases.command import CITY, Command, scope_sql
from service.cases.indicators import INDICATOR_LABELS, IndicatorCounts, Indicators, percent


class GroupBy(StrEnum):
    UNIT = "unit"
    KIND = "kind"
    STREET = "street"
    DISTRICT = "district"


# A withdrawn dispatch charged to its unit (withdrawn after a deadline it had missed): still due. The
# rollups' trigger applies the same rules (0015_joint_workflow); `dispatch_decisions.charged` is the
# Python side of `_CHARGED`.
_CHARGED = (
    "(d.state = 'withdrawn' AND coalesce((d.checked_in_at IS NULL AND d.withdrawn_at > d.check_in_deadline) "
    "OR (d.result_at IS NULL AND d.withdrawn_at > d.handling_deadline), false))"
)
_DUE = f"(d.state NOT IN ('sent_back', 'withdrawn') OR {_CHARGED})"
_DISPATCH_COUNTS = f"""
    count(*) AS dispatched,
    count(*) FILTER (WHERE d.state NOT IN ('sent_back', 'withdrawn')) AS accurately_dispatched,
    count(*) FILTER (WHERE d.checked_in_at <= d.check_in_deadline) AS checked_in_on_time,
    count(*) FILTER (WHERE {_DUE}) AS due,
    count(*) FILTER (WHERE {_DUE} AND d.result_at IS NOT NULL) AS handled,
    count(*) FILTER (WHERE {_DUE} AND d.result_at <= d.handling_deadline) AS handled_on_time,
    count(*) FILTER (WHERE d.state = 'closed') AS closed,
    count(*) FILTER (WHERE d.state = 'closed' AND d.closed_at <= d.handling_deadline) AS closed_on_time,
    count(*) FILTER (WHERE {_DUE} AND d.result_at IS NOT NULL AND d.rework_count > 0) AS reworked,
    coalesce(sum(extract(epoch FROM d.result_at - d.dispatched_at))
        FILTER (WHERE {_DUE} AND d.result_at IS NOT NULL), 0) AS handling_seconds
"""

_KEYS = {
    GroupBy.UNIT: ("d.unit_id", ""),
    GroupBy.KIND: ("u.kind_code", "JOIN department_units u ON u.id = d.unit_id"),
    GroupBy.STREET: ("d.street_code", ""),
    GroupBy.DISTRICT: ("d.district_code", ""),
}

# Fixed statements (no user input in the SQL text): one per grouping.
DISPATCH_SQL = {
    group: text(
        f"SELECT {key} AS key, {_DISPATCH_COUNTS} "
        f"FROM dispatches d {join} WHERE d.dispatched_at >= :since AND d.dispatched_at < :until "
        f"AND {scope_sql('d.district_code', 'd.street_code')} GROUP BY 1"
    )
    for group, (key, join) in _KEYS.items()
}

_COUNT_COLUMNS = (
    "dispatched", "accurately_dispatched", "checked_in_on_time", "due", "handled", "handled_on_time",
    "closed", "closed_on_time", "reworked", "handling_seconds",
)  # fmt: skip
_SUMS = ", ".join(f"sum(r.{c}) AS {c}" for c in _COUNT_COLUMNS)
_PLACE_SCOPE = scope_sql("r.district_code", "r.street_code")
_ROLLUPS = {
    GroupBy.UNIT: ("r.unit_id", "indicator_unit_days r", "true"),
    GroupBy.KIND: (
        "u.kind_code",
        "indicator_unit_days r JOIN department_units u ON u.id = r.unit_id",
        "true",
    ),
    GroupBy.STREET: ("nullif(r.street_code, '')", "indicator_place_days r", _PLACE_SCOPE),
    GroupBy.DISTRICT: ("nullif(r.district_code, '')", "indicator_place_days r", _PLACE_SCOPE),
}
ROLLUP_SQL = {
    group: text(
        f"SELECT {key} AS key, {_SUMS} FROM {source} "
        f"WHERE r.day >= :first_day AND r.day < :end_day AND {scope} GROUP BY 1 HAVING sum(r.dispatched) <> 0"
    )
    for group, (key, source, scope) in _ROLLUPS.items()
}
# The rollups that carry a place (a division's unit and kind rows come from its dispatches instead).
_PLACE_ROLLUPS = frozenset({GroupBy.STREET, GroupBy.DISTRICT})


def whole_days(since: datetime, until: datetime) -> tuple[date, date] | None:
    """The local days [first, end) when both ends are local midnights, else None."""
    tz = default_calendar().tz
    start, end = since.astimezone(tz), until.astimezone(tz)
    if start.timetz().replace(tzinfo=None) != time(0) or end.timetz().replace(tzinfo=None) != time(0):
        return None
    return start.date(), end.date()


_PLACE_COLUMN = {GroupBy.STREET: "street_code", GroupBy.DISTRICT: "district_code"}
REPORTED_SQL = {
    group: text(
        f"SELECT {column} AS key, count(*) FROM reports "
        f"WHERE created_at >= :since AND created_at < :until AND {scope_sql('district_code', 'street_code')} "
        "GROUP BY 1"
    )
    for group, column in _PLACE_COLUMN.items()
}
FILED_SQL = {
    group: text(
        f"SELECT {column} AS key, count(*) FROM cases "
        f"WHERE filed_at >= :since AND filed_at < :until AND {scope_sql('district_code', 'street_code')} "
        "GROUP BY 1"
    )
    for group, column in _PLACE_COLUMN.items()
}

_NAMES = {
    GroupBy.UNIT: "SELECT id::text AS key, name FROM department_units",
    GroupBy.KIND: "SELECT code AS key, name FROM department_kinds",
    GroupBy.STREET: "SELECT code::text AS key, name FROM streets WHERE valid_to IS NULL",
    GroupBy.DISTRICT: "SELECT code::text AS key, name FROM districts WHERE valid_to IS NULL",
}
_NAMES_SQL = {group: text(sql) for group, sql in _NAMES.items()}


def _named(group: GroupBy, counts: TextClause) -> TextClause:
    """The counts with each group's name joined in: one round trip instead of two."""
    return text(
        f"SELECT c.*, n.name FROM ({counts.text}) AS c "
        f"LEFT JOIN ({_NAMES[group]}) AS n ON n.key = c.key::text"
    )


NAMED_DISPATCH_SQL = {group: _named(group, sql) for group, sql in DISPATCH_SQL.items()}
NAMED_ROLLUP_SQL = {group: _named(group, sql) for group, sql in ROLLUP_SQL.items()}


@dataclass(frozen=True)
class IndicatorRow:
    key: str | None  # unit id, kind code, street or district code (None: no place, e.g. unrouted)
    name: str
    counts: IndicatorCounts
    indicators: Indicators


def _counts(row: Any, reported: int, filed: int) -> IndicatorCounts:
    return IndicatorCounts(
        reported=reported,
        filed=filed,
        dispatched=int(row.dispatched),
        accurately_dispatched=int(row.accurately_dispatched),
        checked_in_on_time=int(row.checked_in_on_time),
        due_for_handling=int(row.due),
        handled=int(row.handled),
        handled_on_time=int(row.handled_on_time),
        due_for_closure=int(row.due),
        closed=int(row.closed),
        closed_on_time=int(row.closed_on_time),
        reworked=int(row.reworked),
        handling_seconds=int(Decimal(row.handling_seconds).to_integral_value()),
    )


def indicator_rows(
    *, session: Session, group_by: GroupBy, since: datetime, until: datetime, command: Command = CITY
) -> list[IndicatorRow]:
    """One row per unit / kind / street / district with activity in the period in the division, ordered
    by key."""
    params = {"since": since, "until": until, **command.params}
    days = whole_days(since, until)
    if days is not None and (command.is_city or group_by in _PLACE_ROLLUPS):
        found = session.execute(
            NAMED_ROLLUP_SQL[group_by], {"first_day": days[0], "end_day": days[1], **command.params}
        )
    else:
        found = session.execute(NAMED_DISPATCH_SQL[group_by], params)
    dispatch_rows = {None if row.key is None else str(row.key): row for row in found}
    names = {key: row.name or "" for key, row in dispatch_rows.items()}
    reported: dict[str | None, int] = {}
    filed: dict[str | None, int] = {}
    if group_by in REPORTED_SQL:
        reported = {k: n for k, n in session.execute(REPORTED_SQL[group_by], params).all()}
        filed = {k: n for k, n in session.execute(FILED_SQL[group_by], params).all()}
    keys = set(dispatch_rows) | set(reported) | set(filed)
    if keys - set(names) - {None}:  # places with reports but no dispatch: look their names up
        names |= {k: n for k, n in session.execute(_NAMES_SQL[group_by]).all() if k not in names}
    out = []
    for key in sorted(keys, key=lambda k: (k is None, k or "")):
        row = dispatch_rows.get(key)
        if group_by in REPORTED_SQL:
            counts = (
                _counts(row, reported.get(key, 0), filed.get(key, 0))
                if row is not None
                else IndicatorCounts(reported=reported.get(key, 0), filed=filed.get(key, 0))
            )
        else:
            assert row is not None
            counts = _counts(row, int(row.dispatched), int(row.dispatched))
        name = names.get(key, "") if key is not None else "未定位"
        out.append(IndicatorRow(key=key, name=name, counts=counts, indicators=counts.indicators()))
    return out


_RATE_FIELDS = [f.name for f in fields(Indicators) if f.name.endswith("_rate")]


def to_csv(rows: Iterable[IndicatorRow], group_by: GroupBy) -> str:
    """CSV with a header row in Chinese labels (UTF-8 with BOM so spreadsheet programs read it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    count_fields = [f.name for f in fields(IndicatorCounts)]
    writer.writerow(
        [group_by.value, "名称", *count_fields, *(f"{INDICATOR_LABELS[f]}(%)" for f in _RATE_FIELDS),
         "平均处置时长(小时)"]
    )  # fmt: skip
    for row in rows:
        mean = row.indicators.mean_handling_time
        writer.writerow(
            [
                row.key or "",
                row.name,
                *(getattr(row.counts, f) for f in count_fields),
                *(_fmt(percent(getattr(row.indicators, f))) for f in _RATE_FIELDS),
                "" if mean is None else f"{mean.total_seconds() / 3600:.2f}",
            ]
        )
    return "\ufeff" + buffer.getvalue()


def _fmt(value: Decimal | None) -> str:
    return "" if value is None else str(value)
