"""Public map: stations, pairing points, warm-new streets, report counts, Open311 keys; web-mercator columns.

Every layer the vector tiles draw gets a stored web-mercator geometry (``geom_3857``, a generated
column) with a GiST index: the division tables, reports, and the new tables here.

Revision ID: 0005_publicmap
Revises: 0004_cases
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geography, Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0005_publicmap"
down_revision: str | None = "0004_cases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SERVICES = "'drinking_water', 'charging', 'toilet', 'rest', 'microwave', 'heating'"
MERCATOR_TABLES = ("districts", "streets", "communities", "grids", "reports")


def geometry(kind: str, srid: int = 4326) -> Geometry:
    return Geometry(kind, srid=srid, spatial_index=False)


def mercator(kind: str) -> sa.Column[object]:
    return sa.Column(
        "geom_3857", geometry(kind, 3857), sa.Computed("ST_Transform(geom, 3857)", persisted=True)
    )


def gist(table: str, column: str) -> None:
    op.create_index(f"ix_{table}_{column}", table, [column], postgresql_using="gist")


def upgrade() -> None:
    for table in MERCATOR_TABLES:
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN geom_3857 geometry(Geometry, 3857) "
            "GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED"
        )
        gist(table, "geom_3857")

    op.create_table(
        "stations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("geom", geometry("POINT"), nullable=False),
        mercator("POINT"),
        sa.Column(
            "geog",
            Geography("POINT", srid=4326, spatial_index=False),
            sa.Computed("geom::geography", persisted=True),
        ),
        sa.Column("services", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("opening_hours", postgresql.JSONB(), nullable=False),
        sa.Column("open_minutes", postgresql.INT4MULTIRANGE(), nullable=False),
        sa.Column("always_open", sa.Boolean(), nullable=False),
        sa.Column("operator", sa.Text(), nullable=False),
        sa.Column("community_code", sa.String(12)),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_stations"),
        sa.UniqueConstraint("code", name="uq_stations_code"),
        sa.CheckConstraint(f"services <@ ARRAY[{SERVICES}]::text[]", name="ck_stations_services_known"),
    )
    op.create_index("ix_stations_community_code", "stations", ["community_code"])
    gist("stations", "geom")
    gist("stations", "geom_3857")
    gist("stations", "geog")

    op.create_table(
        "pairings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("unit_name", sa.Text(), nullable=False),
        sa.Column("community_code", sa.String(12), nullable=False),
        sa.Column("community_name", sa.Text(), nullable=False),
        sa.Column("geom", geometry("POINT"), nullable=False),
        mercator("POINT"),
        sa.Column("first_secretary_role", sa.Text(), nullable=False),
        sa.Column("first_secretary_name", sa.Text(), nullable=False),
        sa.Column("liaison_name", sa.Text()),
        sa.Column("projects", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pairings"),
        sa.UniqueConstraint("code", name="uq_pairings_code"),
    )
    op.create_index("ix_pairings_community_code", "pairings", ["community_code"])
    gist("pairings", "geom")
    gist("pairings", "geom_3857")

    op.create_table(
        "commercial_streets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("geom", geometry("LINESTRING"), nullable=False),
        mercator("LINESTRING"),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_commercial_streets"),
        sa.UniqueConstraint("code", name="uq_commercial_streets_code"),
    )
    gist("commercial_streets", "geom")
    gist("commercial_streets", "geom_3857")

    counts = [
        sa.Column(name, sa.Integer(), nullable=False)
        for name in (
            "total",
            "reported",
            "in_progress",
            "closed",
            "voided",
            "public_total",
            "public_open",
            "public_closed",
            "green",
            "yellow",
            "red",
        )
    ]
    op.create_table(
        "report_counts",
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("code", sa.String(15), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("label_3857", geometry("POINT", 3857), nullable=False),
        *counts,
        sa.PrimaryKeyConstraint("level", "code", name="pk_report_counts"),
        sa.CheckConstraint("level IN ('grid', 'community', 'street')", name="ck_report_counts_level_known"),
    )
    gist("report_counts", "label_3857")
    op.create_table(
        "report_counts_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_version", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_report_counts_state"),
        sa.CheckConstraint("id = 1", name="ck_report_counts_state_single_row"),
    )

    op.create_table(
        "open311_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("key_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_open311_keys"),
        sa.UniqueConstraint("name", name="uq_open311_keys_name"),
        sa.UniqueConstraint("key_hash", name="uq_open311_keys_key_hash"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_open311_keys_user_id_users"),
    )
    op.create_table(
        "open311_requests",
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("key_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("token", name="pk_open311_requests"),
        sa.UniqueConstraint("report_id", name="uq_open311_requests_report_id"),
        sa.ForeignKeyConstraint(
            ["key_id"], ["open311_keys.id"], name="fk_open311_requests_key_id_open311_keys"
        ),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name="fk_open311_requests_report_id_reports"),
    )


def downgrade() -> None:
    op.drop_table("open311_requests")
    op.drop_table("open311_keys")
    op.drop_table("report_counts_state")
    op.drop_table("report_counts")
    op.drop_table("commercial_streets")
    op.drop_table("pairings")
    op.drop_table("stations")
    for table in reversed(MERCATOR_TABLES):
        op.drop_index(f"ix_{table}_geom_3857", table_name=table)
        op.execute(f"ALTER TABLE {table} DROP COLUMN geom_3857")
