"""Tables of the vector tiles: the report-count summary the city-zoom tiles read, and its state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base


class ReportCount(Base):
    """Reports per grid, community or street, by state and SLA colour: what a city-zoom tile draws.

    Rebuilt as a whole by ``service.tiles.counts.refresh`` (one GROUP BY over all reports) when the
    reports changed or the colours may have moved on (see the max-age setting), never per tile.
    """

    __tablename__ = "report_counts"
    __table_args__ = (
        CheckConstraint("level IN ('grid', 'community', 'street')", name="level_known"),
        Index("ix_report_counts_label_3857", "label_3857", postgresql_using="gist"),
    )

    level: Mapped[str] = mapped_column(String(10), primary_key=True)
    code: Mapped[str] = mapped_column(String(15), primary_key=True)
    name: Mapped[str] = mapped_column(Text, default="")
    # The district and street the row lies in: a district's or a street's command reads its own rows.
    district_code: Mapped[str | None] = mapped_column(String(6))
    street_code: Mapped[str | None] = mapped_column(String(12))
    label_3857: Mapped[Any] = mapped_column(Geometry("POINT", srid=3857, spatial_index=False))
    total: Mapped[int] = mapped_column(Integer, default=0)
    reported: Mapped[int] = mapped_column(Integer, default=0)
    in_progress: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    voided: Mapped[int] = mapped_column(Integer, default=0)
    public_total: Mapped[int] = mapped_column(Integer, default=0)
    public_open: Mapped[int] = mapped_column(Integer, default=0)
    public_closed: Mapped[int] = mapped_column(Integer, default=0)
    green: Mapped[int] = mapped_column(Integer, default=0)
    yellow: Mapped[int] = mapped_column(Integer, default=0)
    red: Mapped[int] = mapped_column(Integer, default=0)


class ReportCountsState(Base):
    """One row: when the counts were last rebuilt and from which reports version."""

    __tablename__ = "report_counts_state"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    refreshed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source_version: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=0)
