"""Send-back review (退回不成立): when the command center rejected a unit's send-back.

`dispatches.send_back_rejected_at` marks the dispatch the unit had to take back; its evaluation then
carries the wrong-send-back deduction (`service.cases.scoring`).

Revision ID: 0008_send_back_review
Revises: 0007_verification_photos
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_send_back_review"
down_revision: str | None = "0007_verification_photos"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("dispatches", sa.Column("send_back_rejected_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("dispatches", "send_back_rejected_at")
