"""报到 on site: where the officer stood, how far from the case, and the photo taken there.

* `dispatches`: `check_in_lon`, `check_in_lat` (WGS-84, the phone's position at the report-in),
  `check_in_accuracy_m`, `check_in_distance_m` (great-circle metres from the case's position),
  `check_in_far` (farther than the setting `cases.check_in_far_m` when it was stored) and
  `check_in_position_error` (`denied | unavailable | timeout`: the phone gave no position, said so).
* `ix_dispatches_unit_finished`: a unit's finished dispatches newest finished first (the field app's
  已办 pages through it without sorting the unit's whole history).
* `photos.check_in_dispatch_id`: a photo taken at the report-in belongs to the dispatch as its check-in
  photo (not a result photo); the one-owner rule counts it.

Revision ID: 0016_check_in_on_site
Revises: 0015_joint_workflow
Create Date: 2026-12-09
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_check_in_on_site"
down_revision: str | None = "0015_joint_workflow"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWNERS_OLD = "num_nonnulls(report_id, dispatch_id, verification_task_id) <= 1"
OWNERS_NEW = "num_nonnulls(report_id, dispatch_id, verification_task_id, check_in_dispatch_id) <= 1"
POSITION_ERRORS = "'denied','unavailable','timeout'"
FINISHED_AT = "COALESCE(closed_at, sent_back_at, withdrawn_at, dispatched_at)"


def upgrade() -> None:
    op.add_column("dispatches", sa.Column("check_in_lon", sa.Float(), nullable=True))
    op.add_column("dispatches", sa.Column("check_in_lat", sa.Float(), nullable=True))
    op.add_column("dispatches", sa.Column("check_in_accuracy_m", sa.Float(), nullable=True))
    op.add_column("dispatches", sa.Column("check_in_distance_m", sa.Float(), nullable=True))
    op.add_column(
        "dispatches", sa.Column("check_in_far", sa.Boolean(), server_default=sa.text("false"), nullable=False)
    )
    op.add_column("dispatches", sa.Column("check_in_position_error", sa.String(length=12), nullable=True))
    op.create_check_constraint(
        "check_in_position_error_known",
        "dispatches",
        f"check_in_position_error IS NULL OR check_in_position_error IN ({POSITION_ERRORS})",
    )
    op.create_index(
        "ix_dispatches_unit_finished",
        "dispatches",
        ["unit_id", sa.text(f"{FINISHED_AT} DESC"), sa.text("id DESC")],
        postgresql_where=sa.text("state IN ('closed','sent_back','withdrawn')"),
    )
    op.add_column(
        "photos",
        sa.Column("check_in_dispatch_id", sa.Uuid(), sa.ForeignKey("dispatches.id"), nullable=True),
    )
    op.create_index("ix_photos_check_in_dispatch_id", "photos", ["check_in_dispatch_id"])
    op.drop_constraint("one_owner", "photos", type_="check")
    op.create_check_constraint("one_owner", "photos", OWNERS_NEW)


def downgrade() -> None:
    op.execute("DELETE FROM photos WHERE check_in_dispatch_id IS NOT NULL")
    op.drop_constraint("one_owner", "photos", type_="check")
    op.create_check_constraint("one_owner", "photos", OWNERS_OLD)
    op.drop_index("ix_photos_check_in_dispatch_id", table_name="photos")
    op.drop_column("photos", "check_in_dispatch_id")
    op.drop_index("ix_dispatches_unit_finished", table_name="dispatches")
    op.drop_constraint("check_in_position_error_known", "dispatches", type_="check")
    for column in (
        "check_in_position_error", "check_in_far", "check_in_distance_m", "check_in_accuracy_m",
        "check_in_lat", "check_in_lon",
    ):  # fmt: skip
        op.drop_column("dispatches", column)
