"""Tables of the intake: reports and the idempotency keys that make retries safe (their photos are
`service.photos.models.Photo`).

- `reports.id` is the phone's own UUID: unique forever, so no retry, however late, makes a second report.
- `idempotency_keys` caches the first answer per (user, key) for `ReportsSettings.idempotency_retention_days`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base

LOCATION_SOURCES = ("device", "exif")
ROUTING_STATUSES = ("routed", "snapped", "unrouted")
KEY_STATES = ("started", "finished")


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def point() -> Any:
    """A WGS-84 point column; GiST indexes are created by the migration."""
    return Geometry("POINT", srid=4326, spatial_index=False)


class Report(Base):
    """One report as filed from a phone. Position columns hold WGS-84; the device's own datum is kept."""

    __tablename__ = "reports"
    __table_args__ = (
        CheckConstraint(f"location_source IN ({_in(LOCATION_SOURCES)})", name="location_source_known"),
        CheckConstraint(f"routing_status IN ({_in(ROUTING_STATUSES)})", name="routing_status_known"),
        CheckConstraint("lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90", name="position_valid"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    reporter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    captured_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The position used (WGS-84), from the device fix when there is one, else from the photos' EXIF.
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    geom: Mapped[Any] = mapped_column(point())
    location_source: Mapped[str] = mapped_column(String(10))
    # The device fix exactly as sent (its own datum), and converted to WGS-84.
    datum: Mapped[str | None] = mapped_column(String(10))
    device_lon: Mapped[float | None] = mapped_column(Float)
    device_lat: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    device_geom: Mapped[Any | None] = mapped_column(point())
    # The first photo's EXIF GPS (WGS-84) and its distance to the device fix.
    exif_geom: Mapped[Any | None] = mapped_column(point())
    exif_device_distance_m: Mapped[float | None] = mapped_column(Float)
    routing_status: Mapped[str] = mapped_column(String(10))
    district_code: Mapped[str | None] = mapped_column(String(6))
    street_code: Mapped[str | None] = mapped_column(String(12))
    community_code: Mapped[str | None] = mapped_column(String(12))
    grid_code: Mapped[str | None] = mapped_column(String(15))
    routing: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    flags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    flag_notes: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)
    request_hash: Mapped[str] = mapped_column(String(64))


class IdempotencyKey(Base):
    """The first answer to a request under a client key, scoped to the user (IETF draft, Stripe)."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        CheckConstraint(f"state IN ({_in(KEY_STATES)})", name="state_known"),
        CheckConstraint("length(key) BETWEEN 1 AND 255", name="key_length"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10), default="started")
    locked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[Any | None] = mapped_column(JSONB)
    report_id: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
