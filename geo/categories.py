"""Event categories and the default rules that route them to department kinds.

Two files, both configuration (category numbering differs between cities, so nothing is hard-coded):

* ``geo/data/event-categories.csv``: ``major_code, major_name, minor_code, minor_name, note`` in the
  大类/小类 form of CJ/T 214 / GB/T 30428.2. A category's full code is major + minor ("0501").
* ``geo/data/category-rules.csv``: one row per full code:

  ============== =================================================================================
  column         meaning
  ============== =================================================================================
  category_code  full code (major + minor)
  primary_kind   the department kind that leads (a slug of :data:`DEPARTMENT_KINDS`)
  joint_kinds    further kinds for joint enforcement, ``|``-separated, may be empty
  on_street_list true when the item is on the street's enforcement list: the street's 综合执法队
                 handles it directly; false: the street "whistles" the primary and joint kinds
  report_in_*    amount and unit of the report-in (报到) limit
  handling_*     amount and unit of the handling (处置) limit
  note           free text
  ============== =================================================================================

  Units: ``urgent_hours`` (紧急工作时, continuous), ``work_hours`` (工作时), ``work_days`` (工作日),
  ``natural_days`` (自然日). Defaults follow CJ/T 315 practice: 2 work hours to report in and a few
  work days to handle ordinary items; emergencies (突发事件) 0.5–1 urgent hour and hours to handle.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
CATEGORIES_FILE = DATA / "event-categories.csv"
RULES_FILE = DATA / "category-rules.csv"


class LimitUnit(StrEnum):
    URGENT_HOURS = "urgent_hours"
    WORK_HOURS = "work_hours"
    WORK_DAYS = "work_days"
    NATURAL_DAYS = "natural_days"


@dataclass(frozen=True)
class DepartmentKind:
    code: str
    name: str
    enforcement: bool  # one of the 11 enforcement departments (the street team is not)


DEPARTMENT_KINDS: tuple[DepartmentKind, ...] = (
    DepartmentKind("public_security", "公安", True),
    DepartmentKind("urban_management", "城管", True),
    DepartmentKind("market_regulation", "市场监管", True),
    DepartmentKind("ecology_environment", "生态环境", True),
    DepartmentKind("agriculture_rural", "农业农村", True),
    DepartmentKind("housing_construction", "住建", True),
    DepartmentKind("emergency_management", "应急", True),
    DepartmentKind("fire_rescue", "消防", True),
    DepartmentKind("power_supply", "供电", True),
    DepartmentKind("water_affairs", "水务", True),
    DepartmentKind("transport", "交通", True),
    DepartmentKind("street_team", "街道综合执法队", False),
)
STREET_TEAM = "street_team"


class CategoryError(ValueError):
    """A category or rules file is wrong; the message names the file and line."""


@dataclass(frozen=True)
class Category:
    code: str  # major + minor, e.g. "0501"
    major_code: str
    major_name: str
    minor_code: str
    minor_name: str
    note: str = ""


@dataclass(frozen=True)
class TimeLimit:
    amount: Decimal
    unit: LimitUnit


@dataclass(frozen=True)
class CategoryRule:
    category_code: str
    primary_kind: str
    joint_kinds: tuple[str, ...]
    on_street_list: bool
    report_in: TimeLimit
    handling: TimeLimit
    note: str = ""

    @property
    def kinds(self) -> tuple[str, ...]:
        """Primary first, then the joint kinds."""
        return (self.primary_kind, *self.joint_kinds)


def _rows(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise CategoryError(f"{path}: missing column(s) {', '.join(missing)}")
            return [
                (n, {k: (v or "").strip() for k, v in row.items() if k}) for n, row in enumerate(reader, 2)
            ]
    except OSError as exc:
        raise CategoryError(f"{path}: cannot read: {exc.strerror}") from exc


def load_categories(path: Path = CATEGORIES_FILE) -> list[Category]:
    """Categories in file order; codes must be 2-digit numbers and unique."""
    out: list[Category] = []
    seen: set[str] = set()
    for line, r in _rows(path, ("major_code", "major_name", "minor_code", "minor_name")):
        major, minor = r["major_code"], r["minor_code"]
        if not (len(major) == 2 and major.isdigit() and len(minor) == 2 and minor.isdigit()):
            raise CategoryError(f"{path}:{line}: codes must be two digits, got {major!r}/{minor!r}")
        if not r["major_name"] or not r["minor_name"]:
            raise CategoryError(f"{path}:{line}: empty name")
        code = major + minor
        if code in seen:
            raise CategoryError(f"{path}:{line}: duplicate category {code}")
        seen.add(code)
        out.append(Category(code, major, r["major_name"], minor, r["minor_name"], r.get("note", "")))
    if not out:
        raise CategoryError(f"{path}: no categories")
    return out


def _limit(path: Path, line: int, amount: str, unit: str, what: str) -> TimeLimit:
    try:
        value = Decimal(amount)
    except InvalidOperation as exc:
        raise CategoryError(f"{path}:{line}: {what} amount {amount!r} is not a number") from exc
    if not value.is_finite() or value <= 0:
        raise CategoryError(f"{path}:{line}: {what} amount must be positive, got {amount!r}")
    try:
        return TimeLimit(value, LimitUnit(unit))
    except ValueError as exc:
        units = ", ".join(u.value for u in LimitUnit)
        raise CategoryError(f"{path}:{line}: {what} unit {unit!r} is not one of {units}") from exc


def load_rules(
    path: Path = RULES_FILE,
    *,
    categories: list[Category] | None = None,
    kinds: tuple[DepartmentKind, ...] = DEPARTMENT_KINDS,
) -> dict[str, CategoryRule]:
    """Rules by full category code. With ``categories``, every category must have exactly one rule
    and every rule a category."""
    known_kinds = {k.code for k in kinds if k.code != STREET_TEAM}
    required = (
        "category_code",
        "primary_kind",
        "joint_kinds",
        "on_street_list",
        "report_in_amount",
        "report_in_unit",
        "handling_amount",
        "handling_unit",
    )
    rules: dict[str, CategoryRule] = {}
    for line, r in _rows(path, required):
        code = r["category_code"]
        if code in rules:
            raise CategoryError(f"{path}:{line}: duplicate rule for {code}")
        joint = tuple(k for k in r["joint_kinds"].split("|") if k)
        for kind in (r["primary_kind"], *joint):
            if kind not in known_kinds:
                raise CategoryError(f"{path}:{line}: unknown department kind {kind!r}")
        if r["primary_kind"] in joint or len(set(joint)) != len(joint):
            raise CategoryError(f"{path}:{line}: a kind is listed twice")
        flag = r["on_street_list"].lower()
        if flag not in ("true", "false"):
            raise CategoryError(f"{path}:{line}: on_street_list must be true or false, got {flag!r}")
        rules[code] = CategoryRule(
            code,
            r["primary_kind"],
            joint,
            flag == "true",
            _limit(path, line, r["report_in_amount"], r["report_in_unit"], "report-in"),
            _limit(path, line, r["handling_amount"], r["handling_unit"], "handling"),
            r.get("note", ""),
        )
    if categories is not None:
        codes = {c.code for c in categories}
        missing = sorted(codes - rules.keys())
        if missing:
            raise CategoryError(
                f"{path}: no rule for categor{'y' if len(missing) == 1 else 'ies'} {', '.join(missing)}"
            )
        unknown = sorted(rules.keys() - codes)
        if unknown:
            raise CategoryError(f"{path}: rules for unknown categories {', '.join(unknown)}")
    return rules
