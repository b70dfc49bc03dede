"""Tables of the city model: divisions with effective dates, department kinds and units, categories,
grid assignments, the river, and the revision counter the router caches are keyed by.

Divisions (districts, streets, communities, grids) keep their history: a changed outline closes the old
row (``valid_to``) and adds a new one, so a report filed last year is still routed by last year's
outline. "Current" is ``valid_to IS NULL``; routing at time t uses ``valid_from <= t < valid_to``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    Numeric,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from service.db.base import Base, new_id

LIMIT_UNITS = ("urgent_hours", "work_hours", "work_days", "natural_days")
UNIT_LEVELS = ("street", "district", "city")
_UNIT_LIST = ", ".join(f"'{u}'" for u in LIMIT_UNITS)
_LEVEL_LIST = ", ".join(f"'{u}'" for u in UNIT_LEVELS)


def outline() -> Any:
    """A WGS-84 multipolygon column; the GiST index is created by the migration."""
    return mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False)


class DivisionMixin:
    """Columns every division level shares. One row per (code, effective period)."""

    CODE_LENGTH = 0
    PARENT_COLUMN: str | None = None

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(Text)
    # district | subdistrict | town | township | zone | placeholder | community | village | grid
    kind: Mapped[str] = mapped_column(String(20), default="")
    geom: Mapped[Any] = outline()
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:  # noqa: N805 - SQLAlchemy passes the class
        n = cls.CODE_LENGTH
        return (
            CheckConstraint(f"code ~ '^[0-9]{{{n}}}$'", name="code_digits"),
            CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="period_ordered"),
        )


class District(DivisionMixin, Base):
    __tablename__ = "districts"
    CODE_LENGTH = 6
    code: Mapped[str] = mapped_column(String(6), index=True)


class Street(DivisionMixin, Base):
    __tablename__ = "streets"
    CODE_LENGTH = 12
    PARENT_COLUMN = "district_code"
    code: Mapped[str] = mapped_column(String(12), index=True)
    district_code: Mapped[str] = mapped_column(String(6), index=True)


class Community(DivisionMixin, Base):
    __tablename__ = "communities"
    CODE_LENGTH = 12
    PARENT_COLUMN = "street_code"
    code: Mapped[str] = mapped_column(String(12), index=True)
    street_code: Mapped[str] = mapped_column(String(12), index=True)


class Grid(DivisionMixin, Base):
    __tablename__ = "grids"
    CODE_LENGTH = 15
    PARENT_COLUMN = "community_code"
    code: Mapped[str] = mapped_column(String(15), index=True)
    community_code: Mapped[str] = mapped_column(String(12), index=True)


DIVISION_MODELS: dict[str, type[District | Street | Community | Grid]] = {
    "district": District,
    "street": Street,
    "community": Community,
    "grid": Grid,
}


class WaterFeature(Base):
    """Rivers and lakes (the demo Songhua River): shown on maps; grids leave them out."""

    __tablename__ = "water_features"

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20), default="river")
    geom: Mapped[Any] = outline()
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class DepartmentKind(Base):
    __tablename__ = "department_kinds"

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    enforcement: Mapped[bool] = mapped_column(Boolean, default=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)


class DepartmentUnit(Base):
    """A concrete office (北京路派出所, 船营区城管执法大队, 德胜街道综合行政执法队) and its jurisdiction.

    ``level`` orders overlapping jurisdictions of one kind: the most local unit covering a point is
    responsible (street < district < city), ties by the smallest code.
    """

    __tablename__ = "department_units"
    __table_args__ = (CheckConstraint(f"level IN ({_LEVEL_LIST})", name="level_known"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    short_name: Mapped[str] = mapped_column(Text, default="")
    kind_code: Mapped[str] = mapped_column(ForeignKey("department_kinds.code"), index=True)
    level: Mapped[str] = mapped_column(String(10), default="district")
    district_code: Mapped[str | None] = mapped_column(String(6))
    street_code: Mapped[str | None] = mapped_column(String(12))
    is_street_team: Mapped[bool] = mapped_column(Boolean, default=False)
    # NULL: no outline yet; such a unit is dispatched by hand, never chosen by the router.
    jurisdiction: Mapped[Any | None] = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=True
    )
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Category(Base):
    """An event category (大类+小类 code) with its routing rule and time limits."""

    __tablename__ = "categories"
    __table_args__ = (
        CheckConstraint(f"report_in_unit IN ({_UNIT_LIST})", name="report_in_unit_known"),
        CheckConstraint(f"handling_unit IN ({_UNIT_LIST})", name="handling_unit_known"),
        CheckConstraint("report_in_amount > 0 AND handling_amount > 0", name="limits_positive"),
    )

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    major_code: Mapped[str] = mapped_column(Text)
    major_name: Mapped[str] = mapped_column(Text)
    minor_code: Mapped[str] = mapped_column(Text, default="")
    name: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    primary_kind: Mapped[str] = mapped_column(ForeignKey("department_kinds.code"))
    joint_kinds: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    on_street_list: Mapped[bool] = mapped_column(Boolean, default=False)
    report_in_amount: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    report_in_unit: Mapped[str] = mapped_column(String(20))
    handling_amount: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    handling_unit: Mapped[str] = mapped_column(String(20))
    points: Mapped[int] = mapped_column(Integer, default=10)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)


class GridAssignment(Base):
    """责任网格: a grid worker and a grid they answer for (one worker, one or more grids)."""

    __tablename__ = "grid_assignments"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    grid_code: Mapped[str] = mapped_column(String(15), primary_key=True, index=True)


class GeographyRevision(Base):
    """One row per change of boundaries, units or rules. In-process routers are cached per
    ``max(id)`` of this table, so every service instance rebuilds after any import."""

    __tablename__ = "geography_revisions"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    what: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
