"""Where a case comes from, and who supervises it (issue 15, item 3).

- `reports.channel`: how a report arrived — `app` (the phone), `open311` (a partner), `console` (typed in
  by the command center for a case made by hand). Existing Open311 reports are found by their token row.
- `cases.source` (grid_worker, courier, hotline, referral, open311, inspection) and `cases.source_ref`
  (the hotline ticket or referral document number); `cases.caller_name`/`caller_phone` (private: the
  command center only). Existing cases get their source from their primary report: Open311 → open311,
  a courier's → courier, a street team's → inspection, any other → grid_worker.
- `supervising_offices` (督办单位) and `case_supervisions` (the office, deadline and note of a case
  under supervision); `users.office_id` binds the new role `supervisor` to its office.

Revision ID: 0014_case_sources
Revises: 0013_command_levels
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_case_sources"
down_revision: str | None = "0013_command_levels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES_BEFORE = "'grid_worker', 'courier', 'dispatcher', 'officer', 'street_team', 'admin'"
ROLES_AFTER = ROLES_BEFORE + ", 'supervisor'"
SOURCES = "'grid_worker', 'courier', 'hotline', 'referral', 'open311', 'inspection'"
CHANNELS = "'app', 'open311', 'console'"


def _check(table: str, name: str, condition: str) -> None:
    op.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "ck_{table}_{name}" CHECK ({condition})')


def _drop_check(table: str, name: str) -> None:
    op.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "ck_{table}_{name}"')


def upgrade() -> None:
    op.add_column(
        "reports", sa.Column("channel", sa.String(10), server_default=sa.text("'app'"), nullable=False)
    )
    _check("reports", "channel_known", f"channel IN ({CHANNELS})")
    op.execute("UPDATE reports r SET channel = 'open311' FROM open311_requests o WHERE o.report_id = r.id")

    op.add_column(
        "cases",
        sa.Column("source", sa.String(16), server_default=sa.text("'grid_worker'"), nullable=False),
    )
    op.add_column("cases", sa.Column("source_ref", sa.Text()))
    op.add_column("cases", sa.Column("caller_name", sa.Text()))
    op.add_column("cases", sa.Column("caller_phone", sa.String(32)))
    op.execute(
        """
        UPDATE cases c SET source = CASE
            WHEN r.channel = 'open311' THEN 'open311'
            WHEN u.role = 'courier' THEN 'courier'
            WHEN u.role = 'street_team' THEN 'inspection'
            ELSE 'grid_worker' END
        FROM reports r JOIN users u ON u.id = r.reporter_id
        WHERE r.id = c.primary_report_id
        """
    )
    _check("cases", "source_known", f"source IN ({SOURCES})")

    op.create_table(
        "supervising_offices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("district_code", sa.String(6)),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_supervising_offices"),
        sa.UniqueConstraint("code", name="uq_supervising_offices_code"),
        sa.UniqueConstraint("name", name="uq_supervising_offices_name"),
    )
    op.create_table(
        "case_supervisions",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("office_id", sa.Uuid(), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("set_by", sa.Uuid()),
        sa.PrimaryKeyConstraint("case_id", name="pk_case_supervisions"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_case_supervisions_case_id_cases"),
        sa.ForeignKeyConstraint(
            ["office_id"],
            ["supervising_offices.id"],
            name="fk_case_supervisions_office_id_supervising_offices",
        ),
        sa.ForeignKeyConstraint(["set_by"], ["users.id"], name="fk_case_supervisions_set_by_users"),
    )
    op.create_index("ix_case_supervisions_office_id", "case_supervisions", ["office_id", "case_id"])

    op.add_column("users", sa.Column("office_id", sa.Uuid()))
    op.create_foreign_key(
        "fk_users_office_id_supervising_offices", "users", "supervising_offices", ["office_id"], ["id"]
    )
    op.create_index("ix_users_office_id", "users", ["office_id"])
    _drop_check("users", "role_known")
    _check("users", "role_known", f"role IN ({ROLES_AFTER})")
    _check("users", "office_bound", "(role = 'supervisor') = (office_id IS NOT NULL)")


def downgrade() -> None:
    op.execute("DELETE FROM users WHERE role = 'supervisor'")
    _drop_check("users", "office_bound")
    _drop_check("users", "role_known")
    _check("users", "role_known", f"role IN ({ROLES_BEFORE})")
    op.drop_index("ix_users_office_id", table_name="users")
    op.drop_constraint("fk_users_office_id_supervising_offices", "users", type_="foreignkey")
    op.drop_column("users", "office_id")
    op.drop_index("ix_case_supervisions_office_id", table_name="case_supervisions")
    op.drop_table("case_supervisions")
    op.drop_table("supervising_offices")
    _drop_check("cases", "source_known")
    for column in ("caller_phone", "caller_name", "source_ref", "source"):
        op.drop_column("cases", column)
    _drop_check("reports", "channel_known")
    op.drop_column("reports", "channel")
