"""Reports: reports with their positions and routing, photos (the registry of stored media), idempotency keys.

Revision ID: 0003_reports
Revises: 0002_geography
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0003_reports"
down_revision: str | None = "0002_geography"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def point() -> Geometry:
    return Geometry("POINT", srid=4326, spatial_index=False)


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reporter_id", sa.Uuid(), nullable=False),
        sa.Column("category_code", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True)),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("geom", point(), nullable=False),
        sa.Column("location_source", sa.String(10), nullable=False),
        sa.Column("datum", sa.String(10)),
        sa.Column("device_lon", sa.Float()),
        sa.Column("device_lat", sa.Float()),
        sa.Column("accuracy_m", sa.Float()),
        sa.Column("device_geom", point()),
        sa.Column("exif_geom", point()),
        sa.Column("exif_device_distance_m", sa.Float()),
        sa.Column("routing_status", sa.String(10), nullable=False),
        sa.Column("district_code", sa.String(6)),
        sa.Column("street_code", sa.String(12)),
        sa.Column("community_code", sa.String(12)),
        sa.Column("grid_code", sa.String(15)),
        sa.Column("routing", postgresql.JSONB(), server_default="{}", nullable=False),
        sa.Column("flags", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("flag_notes", postgresql.JSONB(), server_default="{}", nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reports"),
        sa.ForeignKeyConstraint(["reporter_id"], ["users.id"], name="fk_reports_reporter_id_users"),
        sa.ForeignKeyConstraint(
            ["category_code"], ["categories.code"], name="fk_reports_category_code_categories"
        ),
        sa.CheckConstraint("location_source IN ('device', 'exif')", name="ck_reports_location_source_known"),
        sa.CheckConstraint(
            "routing_status IN ('routed', 'snapped', 'unrouted')", name="ck_reports_routing_status_known"
        ),
        sa.CheckConstraint(
            "lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90", name="ck_reports_position_valid"
        ),
    )
    op.create_index("ix_reports_geom", "reports", ["geom"], postgresql_using="gist")
    # The duplicate hint measures in metres: ST_DWithin on geography, served by this expression index.
    op.execute("CREATE INDEX ix_reports_geog ON reports USING gist ((geom::geography))")
    op.create_index(
        "ix_reports_reporter_id_created_at", "reports", ["reporter_id", sa.text("created_at DESC")]
    )
    op.create_index("ix_reports_category_code_created_at", "reports", ["category_code", "created_at"])
    op.create_index("ix_reports_grid_code", "reports", ["grid_code"])

    op.create_table(
        "photos",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("report_id", sa.Uuid()),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("original_key", sa.Text(), nullable=False),
        sa.Column("display_key", sa.Text(), nullable=False),
        sa.Column("thumb_key", sa.Text(), nullable=False),
        sa.Column("format", sa.String(10)),
        sa.Column("byte_size", sa.Integer()),
        sa.Column("width", sa.Integer()),
        sa.Column("height", sa.Integer()),
        sa.Column("orientation", sa.Integer()),
        sa.Column("exif_lon", sa.Float()),
        sa.Column("exif_lat", sa.Float()),
        sa.Column("taken_at", sa.DateTime(timezone=True)),
        sa.Column("exif", postgresql.JSONB(), server_default="{}", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_photos"),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name="fk_photos_report_id_reports"),
        sa.UniqueConstraint("report_id", "position", name="uq_photos_report_id_position"),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="ck_photos_sha256_hex"),
    )
    op.create_index("ix_photos_report_id", "photos", ["report_id"])
    # "Photo already used": the same original bytes in another report.
    op.create_index("ix_photos_sha256", "photos", ["sha256"])
    # The orphan sweep asks, per stored key, whether any row still names it.
    op.create_index("ix_photos_original_key", "photos", ["original_key"])
    op.create_index("ix_photos_display_key", "photos", ["display_key"])
    op.create_index("ix_photos_thumb_key", "photos", ["thumb_key"])

    op.create_table(
        "idempotency_keys",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("state", sa.String(10), server_default="started", nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("status_code", sa.Integer()),
        sa.Column("response", postgresql.JSONB()),
        sa.Column("report_id", sa.Uuid()),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "key", name="pk_idempotency_keys"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_idempotency_keys_user_id_users", ondelete="CASCADE"
        ),
        sa.CheckConstraint("state IN ('started', 'finished')", name="ck_idempotency_keys_state_known"),
        sa.CheckConstraint("length(key) BETWEEN 1 AND 255", name="ck_idempotency_keys_key_length"),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_table("photos")
    op.drop_table("reports")
