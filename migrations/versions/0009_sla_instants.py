"""SLA instants: when each clock of a dispatch turns yellow, stored beside its deadline.

A clock is yellow once 80 % of its limit is used; in work hours or work days that takes the work
calendar, which SQL does not have. `service.cases.sla` computes the instant once, when a deadline is
set, and the board (Python) and the map (SQL) compare a clock's reading with the same two instants
(`sla.RULE`). Existing dispatches get theirs computed here with the same function.

Revision ID: 0009_sla_instants
Revises: 0008_send_back_review
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_sla_instants"
down_revision: str | None = "0008_send_back_review"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("check_in_yellow_at", "handling_yellow_at")


def upgrade() -> None:
    # The rule's own code (pure functions, no database): the instants cannot be written in SQL.
    from service.cases.calendar import default_calendar
    from service.cases.deadlines import LimitUnit
    from service.cases.sla import Clock

    for name in COLUMNS:
        op.add_column("dispatches", sa.Column(name, sa.DateTime(timezone=True)))
    conn = op.get_bind()
    calendar = default_calendar()
    rows = conn.execute(
        sa.text(
            "SELECT id, dispatched_at, check_in_deadline, check_in_unit, handling_deadline, handling_unit "
            "FROM dispatches"
        )
    ).all()
    updates = [
        {
            "id": row.id,
            "check_in": Clock(
                row.dispatched_at, row.check_in_deadline, LimitUnit(row.check_in_unit)
            ).yellow_at(calendar),
            "handling": Clock(
                row.dispatched_at, row.handling_deadline, LimitUnit(row.handling_unit)
            ).yellow_at(calendar),
        }
        for row in rows
    ]
    if updates:
        conn.execute(
            sa.text(
                "UPDATE dispatches SET check_in_yellow_at = :check_in, handling_yellow_at = :handling "
                "WHERE id = :id"
            ),
            updates,
        )
    for name in COLUMNS:
        op.alter_column("dispatches", name, nullable=False)


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_column("dispatches", name)
