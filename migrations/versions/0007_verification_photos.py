"""Verification photos (核查照片): the grid worker's on-site photos when passing or failing a result.

They live in the intake's `photos` table like a unit's result photos, owned by the verification task
(`photos.verification_task_id`); a photo still has at most one owner. `verification_tasks.photo_count`
is what the task lists show without a join; `flags`/`flag_notes` are the integrity flags of the
decision's photos (`service.cases.verification_flags`).

Revision ID: 0007_verification_photos
Revises: 0006_couriers
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_verification_photos"
down_revision: str | None = "0006_couriers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("photos", sa.Column("verification_task_id", sa.Uuid()))
    op.create_foreign_key(
        "fk_photos_verification_task_id_verification_tasks",
        "photos",
        "verification_tasks",
        ["verification_task_id"],
        ["id"],
    )
    op.create_index(
        "ix_photos_verification_task_id",
        "photos",
        ["verification_task_id"],
        postgresql_where=sa.text("verification_task_id IS NOT NULL"),
    )
    # A photo belongs to a report, a dispatch's result or a verification, never to two of them.
    op.drop_constraint("ck_photos_one_owner", "photos", type_="check")
    op.create_check_constraint(
        "ck_photos_one_owner", "photos", "num_nonnulls(report_id, dispatch_id, verification_task_id) <= 1"
    )
    op.add_column(
        "verification_tasks",
        sa.Column("photo_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.add_column(
        "verification_tasks",
        sa.Column("flags", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    )
    op.add_column(
        "verification_tasks",
        sa.Column("flag_notes", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("verification_tasks", "flag_notes")
    op.drop_column("verification_tasks", "flags")
    op.drop_column("verification_tasks", "photo_count")
    op.drop_constraint("ck_photos_one_owner", "photos", type_="check")
    op.execute("DELETE FROM photos WHERE verification_task_id IS NOT NULL")
    op.create_check_constraint("ck_photos_one_owner", "photos", "report_id IS NULL OR dispatch_id IS NULL")
    op.drop_index("ix_photos_verification_task_id", table_name="photos")
    op.drop_constraint("fk_photos_verification_task_id_verification_tasks", "photos", type_="foreignkey")
    op.drop_column("photos", "verification_task_id")
