"""Tables of the public map: warm-new stations, pairing points, warm-new streets.

Every geometry is stored in WGS-84 (``geom``) and, for the vector tiles, once more in web mercator
(``geom_3857``, a generated column with its own GiST index, so no tile ever transforms on the fly).
The division tables and ``reports`` get the same generated column in migration 0005.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from geoalchemy2 import Geography, Geometry
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    Index,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, INT4MULTIRANGE, JSONB, Range
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, new_id

STATION_SERVICES = ("drinking_water", "charging", "toilet", "rest", "microwave", "heating")
_SERVICE_LIST = ", ".join(f"'{s}'" for s in STATION_SERVICES)


def point_4326() -> Any:
    return mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)


def mercator(geometry_type: str) -> Any:
    return mapped_column(
        Geometry(geometry_type, srid=3857, spatial_index=False),
        Computed("ST_Transform(geom, 3857)", persisted=True),
    )


def gist(table: str, *columns: str) -> tuple[Index, ...]:
    """The GiST indexes migration 0005 gives each geometry column: ``ix_<table>_<column>``."""
    return tuple(Index(f"ix_{table}_{column}", column, postgresql_using="gist") for column in columns)


class Station(Base):
    """暖新驿站: a warm-new station for couriers and other new-employment workers."""

    __tablename__ = "stations"
    __table_args__ = (
        CheckConstraint(f"services <@ ARRAY[{_SERVICE_LIST}]::text[]", name="services_known"),
        *gist("stations", "geom", "geom_3857", "geog"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text, default="")
    geom: Mapped[Any] = point_4326()
    geom_3857: Mapped[Any] = mercator("POINT")
    geog: Mapped[Any] = mapped_column(
        Geography("POINT", srid=4326, spatial_index=False), Computed("geom::geography", persisted=True)
    )
    services: Mapped[list[str]] = mapped_column(ARRAY(Text))
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # The same hours as minute-of-week ranges (0 = Monday 00:00): "open now" is one @> in SQL.
    open_minutes: Mapped[list[Range[int]]] = mapped_column(INT4MULTIRANGE)
    always_open: Mapped[bool] = mapped_column(Boolean, default=False)
    operator: Mapped[str] = mapped_column(Text, default="")
    community_code: Mapped[str | None] = mapped_column(String(12), index=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Pairing(Base):
    """包联点位: a municipal unit paired with a community, placed inside the community."""

    __tablename__ = "pairings"
    __table_args__ = gist("pairings", "geom", "geom_3857")

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(Text, unique=True)
    unit_name: Mapped[str] = mapped_column(Text)
    community_code: Mapped[str] = mapped_column(String(12), index=True)
    community_name: Mapped[str] = mapped_column(Text, default="")
    geom: Mapped[Any] = point_4326()
    geom_3857: Mapped[Any] = mercator("POINT")
    first_secretary_role: Mapped[str] = mapped_column(Text, default="")
    first_secretary_name: Mapped[str] = mapped_column(Text, default="")
    liaison_name: Mapped[str | None] = mapped_column(Text)
    projects: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CommercialStreet(Base):
    """暖新商街: a warm-new commercial street (a line)."""

    __tablename__ = "commercial_streets"
    __table_args__ = gist("commercial_streets", "geom", "geom_3857")

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    geom: Mapped[Any] = mapped_column(Geometry("LINESTRING", srid=4326, spatial_index=False), nullable=False)
    geom_3857: Mapped[Any] = mercator("LINESTRING")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
