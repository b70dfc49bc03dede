"""Outbound webhooks: endpoints of department units, the outbox of deliveries, the scan's watermark.

`outbound_endpoints` are the URLs (with their signing secrets) a unit registers; `outbound_deliveries`
is the outbox: one row per message per endpoint, appended in the transaction of its event, unique by
`(endpoint_id, idempotency_key)`, claimed by workers through the partial index of pending rows by due
time. `outbound_scan_marks` holds how far the deadline scan has looked; its one row starts at the
moment of this migration, so clocks that turned yellow or red before the feature existed are not
announced. The scan's window queries need the dispatches' yellow instants indexed (the deadlines
already are).

Revision ID: 0012_outbound_webhooks
Revises: 0011_photo_fingerprints
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012_outbound_webhooks"
down_revision: str | None = "0011_photo_fingerprints"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

YELLOW_INSTANTS = ("check_in_yellow_at", "handling_yellow_at")


def upgrade() -> None:
    op.create_table(
        "outbound_endpoints",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("events", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbound_endpoints"),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["department_units.id"], name="fk_outbound_endpoints_unit_id_department_units"
        ),
        sa.CheckConstraint("url LIKE 'http://%' OR url LIKE 'https://%'", name="url_http"),
    )
    op.create_index("ix_outbound_endpoints_unit_id", "outbound_endpoints", ["unit_id"])
    op.create_table(
        "outbound_deliveries",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("endpoint_id", sa.Uuid(), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.Text(), nullable=False),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("last_status", sa.Integer()),
        sa.Column("last_error", sa.Text()),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_outbound_deliveries"),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["outbound_endpoints.id"],
            name="fk_outbound_deliveries_endpoint_id_outbound_endpoints",
        ),
        sa.UniqueConstraint("endpoint_id", "idempotency_key", name="uq_outbound_deliveries_endpoint_id"),
        sa.CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status_known"),
    )
    op.create_index("ix_outbound_deliveries_endpoint_id", "outbound_deliveries", ["endpoint_id", "id"])
    op.create_index(
        "ix_outbound_deliveries_due",
        "outbound_deliveries",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "outbound_scan_marks",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("scanned_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_outbound_scan_marks"),
    )
    op.execute("INSERT INTO outbound_scan_marks (name, scanned_until) VALUES ('dispatch_deadlines', now())")
    for column in YELLOW_INSTANTS:
        op.create_index(f"ix_dispatches_{column}", "dispatches", [column])


def downgrade() -> None:
    for column in reversed(YELLOW_INSTANTS):
        op.drop_index(f"ix_dispatches_{column}", table_name="dispatches")
    op.drop_table("outbound_scan_marks")
    op.drop_index("ix_outbound_deliveries_due", table_name="outbound_deliveries")
    op.drop_index("ix_outbound_deliveries_endpoint_id", table_name="outbound_deliveries")
    op.drop_table("outbound_deliveries")
    op.drop_index("ix_outbound_endpoints_unit_id", table_name="outbound_endpoints")
    op.drop_table("outbound_endpoints")
