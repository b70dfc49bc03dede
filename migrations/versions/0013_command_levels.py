"""Command at three levels: a dispatcher's division, a case's commanding level, and the report counts'
district and street (so a district's or a street's command reads only its own tile counts).

`users.division_code`: NULL for the city's command center, a district code (6 digits) or a street code
(12 digits) for a district's or a street's command staff (dispatchers only). `cases.command_level`:
`street`, `district` or `city`, who commands the case now; every existing case was filed by the city's
command center. `report_counts` is a cache rebuilt as a whole, so it is emptied and refilled by the next
refresh. The live feed's state events name the case's district and street, so that each console's
stream keeps only its division's.

Revision ID: 0013_command_levels
Revises: 0012_outbound_webhooks
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_command_levels"
down_revision: str | None = "0012_outbound_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_NOTIFY_CASE_EVENT = """
CREATE OR REPLACE FUNCTION whistle_notify_case_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('whistle_feed', json_build_object(
        'type', 'state', 'event_id', NEW.id, 'case_id', NEW.case_id, 'dispatch_id', NEW.dispatch_id,
        'report_id', NEW.report_id, 'action', NEW.action, 'from_state', NEW.from_state,
        'to_state', NEW.to_state, 'case_state', NEW.case_state, 'actor_role', NEW.actor_role,
        'at', NEW.at{place})::text);
    RETURN NULL;
END;
$$;
"""
_PLACE = """,
        'district_code', (SELECT c.district_code FROM cases c WHERE c.id = NEW.case_id),
        'street_code', (SELECT c.street_code FROM cases c WHERE c.id = NEW.case_id)"""


def upgrade() -> None:
    op.execute(_NOTIFY_CASE_EVENT.format(place=_PLACE))
    op.add_column("users", sa.Column("division_code", sa.String(12)))
    op.create_check_constraint(
        op.f("ck_users_division_digits"),
        "users",
        "division_code IS NULL OR division_code ~ '^[0-9]{6}([0-9]{6})?$'",
    )
    op.create_check_constraint(
        op.f("ck_users_division_for_dispatchers"), "users", "division_code IS NULL OR role = 'dispatcher'"
    )
    op.add_column("cases", sa.Column("command_level", sa.String(10), server_default="city", nullable=False))
    op.create_check_constraint(
        op.f("ck_cases_command_level_known"), "cases", "command_level IN ('street','district','city')"
    )
    op.execute("DELETE FROM report_counts")
    op.execute("DELETE FROM report_counts_state")
    op.add_column("report_counts", sa.Column("district_code", sa.String(6)))
    op.add_column("report_counts", sa.Column("street_code", sa.String(12)))


def downgrade() -> None:
    op.execute(_NOTIFY_CASE_EVENT.format(place=""))
    op.drop_column("report_counts", "street_code")
    op.drop_column("report_counts", "district_code")
    op.drop_constraint(op.f("ck_cases_command_level_known"), "cases", type_="check")
    op.drop_column("cases", "command_level")
    op.drop_constraint(op.f("ck_users_division_for_dispatchers"), "users", type_="check")
    op.drop_constraint(op.f("ck_users_division_digits"), "users", type_="check")
    op.drop_column("users", "division_code")
