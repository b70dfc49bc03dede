"""Cases: cases, dispatches, the append-only case event log, verification tasks, evaluations, live feed.

Also adds `reports.case_id` (a report with none is in the triage queue) with the partial indexes that
serve the queue, and `photos.dispatch_id` so that a unit's result photos live in the intake's photo
table (a photo row belongs to exactly one report or one dispatch). Triggers on `reports` and
`case_events` inserts NOTIFY the channel `whistle_feed`, so every instance's console stream sees every
new report and state change.

Revision ID: 0004_cases
Revises: 0003_reports
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_cases"
down_revision: str | None = "0003_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CASE_STATES = (
    "'reported','filed','voided','merged','on_hold','dispatched','checked_in','handled','verifying','closed'"
)
DISPATCH_STATES = "'dispatched','checked_in','extension_requested','handled','verifying','closed','sent_back'"
LIMIT_UNITS = "'urgent_hours','work_hours','work_days','natural_days'"
LIVE = "state IN ('dispatched','checked_in','extension_requested','handled','verifying')"

FEED_FUNCTIONS = """
CREATE OR REPLACE FUNCTION whistle_notify_report() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('whistle_feed', json_build_object(
        'type', 'report', 'report_id', NEW.id, 'category_code', NEW.category_code,
        'district_code', NEW.district_code, 'street_code', NEW.street_code,
        'flags', NEW.flags, 'at', NEW.created_at)::text);
    RETURN NULL;
END;
$$;
CREATE OR REPLACE FUNCTION whistle_notify_case_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('whistle_feed', json_build_object(
        'type', 'state', 'event_id', NEW.id, 'case_id', NEW.case_id, 'dispatch_id', NEW.dispatch_id,
        'report_id', NEW.report_id, 'action', NEW.action, 'from_state', NEW.from_state,
        'to_state', NEW.to_state, 'case_state', NEW.case_state, 'actor_role', NEW.actor_role,
        'at', NEW.at)::text);
    RETURN NULL;
END;
$$;
"""

# Daily rollups of the indicator counts (GB/T 30428.4) by unit and by place, kept exact by a trigger on
# dispatches: each change subtracts the row's old contribution and adds its new one. Indicators over
# whole local days read these few rows instead of the period's dispatches.
COUNT_COLUMNS = [
    "dispatched", "accurately_dispatched", "checked_in_on_time", "due", "handled", "handled_on_time",
    "closed", "closed_on_time", "reworked",
]  # fmt: skip
_CONTRIBUTION = """
    1,
    (d.state <> 'sent_back')::int,
    coalesce(d.checked_in_at <= d.check_in_deadline, false)::int,
    (d.state <> 'sent_back')::int,
    (d.state <> 'sent_back' AND d.result_at IS NOT NULL)::int,
    coalesce(d.state <> 'sent_back' AND d.result_at <= d.handling_deadline, false)::int,
    (d.state = 'closed')::int,
    coalesce(d.state = 'closed' AND d.closed_at <= d.handling_deadline, false)::int,
    (d.state <> 'sent_back' AND d.result_at IS NOT NULL AND d.rework_count > 0)::int,
    CASE WHEN d.state <> 'sent_back' AND d.result_at IS NOT NULL
         THEN extract(epoch FROM d.result_at - d.dispatched_at) ELSE 0 END
"""
_SETS = ", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in [*COUNT_COLUMNS, "handling_seconds"])
_SIGNED = ", ".join(f"sign * c[{i}]" for i in range(1, 11))
_ALL = ", ".join([*COUNT_COLUMNS, "handling_seconds"])
_SUMS = ", ".join(f"sum({c})" for c in [*COUNT_COLUMNS, "handling_seconds"])
LOCAL_DAY = "(d.dispatched_at AT TIME ZONE 'Asia/Shanghai')::date"
ROLLUP_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION whistle_count_dispatch(d dispatches, sign int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    c numeric[] := ARRAY[{_CONTRIBUTION}];
BEGIN
    INSERT INTO indicator_unit_days AS t VALUES ({LOCAL_DAY}, d.unit_id,
        {_SIGNED})
    ON CONFLICT (day, unit_id) DO UPDATE SET {_SETS};
    INSERT INTO indicator_place_days AS t VALUES ({LOCAL_DAY}, coalesce(d.street_code, ''),
        coalesce(d.district_code, ''),
        {_SIGNED})
    ON CONFLICT (day, street_code, district_code) DO UPDATE SET {_SETS};
END;
$$;
CREATE OR REPLACE FUNCTION whistle_dispatch_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM whistle_count_dispatch(OLD, -1); END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN PERFORM whistle_count_dispatch(NEW, 1); END IF;
    RETURN NULL;
END;
$$;
-- After a bulk load with triggers off (or to check the trigger's work): recount everything.
CREATE OR REPLACE FUNCTION whistle_rebuild_indicator_days() RETURNS void LANGUAGE sql AS $$
    DELETE FROM indicator_unit_days;
    DELETE FROM indicator_place_days;
    INSERT INTO indicator_unit_days
        SELECT day, unit_id, {_SUMS} FROM (
            SELECT {LOCAL_DAY} AS day, d.unit_id, {_CONTRIBUTION.replace(chr(10), " ")}
            FROM dispatches d) AS x (day, unit_id, {_ALL})
        GROUP BY day, unit_id;
    INSERT INTO indicator_place_days
        SELECT day, street_code, district_code, {_SUMS} FROM (
            SELECT {LOCAL_DAY} AS day, coalesce(d.street_code, ''), coalesce(d.district_code, ''),
                   {_CONTRIBUTION.replace(chr(10), " ")}
            FROM dispatches d) AS x (day, street_code, district_code, {_ALL})
        GROUP BY day, street_code, district_code;
$$;
"""
_WATCHED = (
    "state, dispatched_at, unit_id, street_code, district_code, checked_in_at, check_in_deadline, "
    "result_at, handling_deadline, closed_at, rework_count"
)


def _rollup_tables() -> None:
    def counts() -> list[sa.Column]:  # type: ignore[type-arg]
        return [sa.Column(c, sa.Integer(), nullable=False) for c in COUNT_COLUMNS]

    op.create_table(
        "indicator_unit_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        *counts(),
        sa.Column("handling_seconds", sa.Numeric(), nullable=False),
        sa.PrimaryKeyConstraint("day", "unit_id", name="pk_indicator_unit_days"),
    )
    op.create_table(
        "indicator_place_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("street_code", sa.String(12), nullable=False),
        sa.Column("district_code", sa.String(6), nullable=False),
        *counts(),
        sa.Column("handling_seconds", sa.Numeric(), nullable=False),
        sa.PrimaryKeyConstraint("day", "street_code", "district_code", name="pk_indicator_place_days"),
    )
    op.execute(ROLLUP_FUNCTIONS)
    op.execute(
        "CREATE TRIGGER dispatches_rollup_insert_delete AFTER INSERT OR DELETE ON dispatches "
        "FOR EACH ROW EXECUTE FUNCTION whistle_dispatch_rollup()"
    )
    op.execute(
        "CREATE TRIGGER dispatches_rollup_update AFTER UPDATE ON dispatches FOR EACH ROW "
        f"WHEN (({', '.join('OLD.' + c for c in _WATCHED.split(', '))}) IS DISTINCT FROM "
        f"({', '.join('NEW.' + c for c in _WATCHED.split(', '))})) "
        "EXECUTE FUNCTION whistle_dispatch_rollup()"
    )


def _ts(name: str, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("category_code", sa.Text(), nullable=False),
        sa.Column("primary_report_id", sa.Uuid(), nullable=False),
        sa.Column("district_code", sa.String(6)),
        sa.Column("street_code", sa.String(12)),
        sa.Column("community_code", sa.String(12)),
        sa.Column("grid_code", sa.String(15)),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("void_reason", sa.Text()),
        sa.Column("merged_into_id", sa.Uuid()),
        sa.Column("created_by", sa.Uuid()),
        _ts("created_at", False),
        _ts("updated_at", False),
        _ts("filed_at"),
        _ts("closed_at"),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
        sa.UniqueConstraint("number", name="uq_cases_number"),
        sa.CheckConstraint(f"state IN ({CASE_STATES})", name="ck_cases_state_known"),
        sa.ForeignKeyConstraint(
            ["category_code"], ["categories.code"], name="fk_cases_category_code_categories"
        ),
        sa.ForeignKeyConstraint(
            ["primary_report_id"], ["reports.id"], name="fk_cases_primary_report_id_reports"
        ),
        sa.ForeignKeyConstraint(["merged_into_id"], ["cases.id"], name="fk_cases_merged_into_id_cases"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name="fk_cases_created_by_users"),
    )
    op.create_index("ix_cases_state", "cases", ["state", "updated_at"])
    op.create_index("ix_cases_street_code", "cases", ["street_code"])
    op.create_index("ix_cases_primary_report_id", "cases", ["primary_report_id"])
    # 立案数 per street or district over a period, index-only.
    op.create_index(
        "ix_cases_filed_at", "cases", ["filed_at"], postgresql_include=["street_code", "district_code"]
    )

    op.add_column("reports", sa.Column("case_id", sa.Uuid()))
    op.create_foreign_key("fk_reports_case_id_cases", "reports", "cases", ["case_id"], ["id"])
    op.create_index("ix_reports_case_id", "reports", ["case_id"])
    # The triage queue: reports without a case, keyset-paged on (created_at, id) in either direction.
    queue = sa.text("case_id IS NULL")
    op.create_index("ix_reports_queue", "reports", ["created_at", "id"], postgresql_where=queue)
    op.create_index(
        "ix_reports_queue_street", "reports", ["street_code", "created_at", "id"], postgresql_where=queue
    )
    op.create_index(
        "ix_reports_queue_category", "reports", ["category_code", "created_at", "id"], postgresql_where=queue
    )
    # 上报数 per street or district over a period, index-only.
    op.create_index(
        "ix_reports_created_at_place",
        "reports",
        ["created_at"],
        postgresql_include=["street_code", "district_code"],
    )

    op.create_table(
        "dispatches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("district_code", sa.String(6)),
        sa.Column("street_code", sa.String(12)),
        sa.Column("state", sa.String(24), nullable=False),
        _ts("dispatched_at", False),
        sa.Column("dispatched_by", sa.Uuid()),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("check_in_amount", sa.Numeric(), nullable=False),
        sa.Column("check_in_unit", sa.String(20), nullable=False),
        sa.Column("handling_amount", sa.Numeric(), nullable=False),
        sa.Column("handling_unit", sa.String(20), nullable=False),
        _ts("check_in_deadline", False),
        _ts("handling_deadline", False),
        _ts("checked_in_at"),
        sa.Column("checked_in_by", sa.Uuid()),
        _ts("result_at"),
        sa.Column("result_by", sa.Uuid()),
        sa.Column("result_note", sa.Text()),
        sa.Column("result_photo_count", sa.Integer(), nullable=False),
        sa.Column("extension_amount", sa.Numeric()),
        sa.Column("extension_unit", sa.String(20)),
        sa.Column("extension_reason", sa.Text()),
        sa.Column("extensions", postgresql.JSONB(), nullable=False),
        sa.Column("rework_count", sa.Integer(), nullable=False),
        _ts("sent_back_at"),
        sa.Column("send_back_reason", sa.Text()),
        _ts("closed_at"),
        sa.PrimaryKeyConstraint("id", name="pk_dispatches"),
        sa.CheckConstraint(f"state IN ({DISPATCH_STATES})", name="ck_dispatches_state_known"),
        sa.CheckConstraint(
            f"check_in_unit IN ({LIMIT_UNITS}) AND handling_unit IN ({LIMIT_UNITS})",
            name="ck_dispatches_limit_units_known",
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_dispatches_case_id_cases"),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["department_units.id"], name="fk_dispatches_unit_id_department_units"
        ),
        sa.ForeignKeyConstraint(["dispatched_by"], ["users.id"], name="fk_dispatches_dispatched_by_users"),
        sa.ForeignKeyConstraint(["checked_in_by"], ["users.id"], name="fk_dispatches_checked_in_by_users"),
        sa.ForeignKeyConstraint(["result_by"], ["users.id"], name="fk_dispatches_result_by_users"),
    )
    op.create_index("ix_dispatches_case_id", "dispatches", ["case_id"])
    op.create_index("ix_dispatches_unit_id", "dispatches", ["unit_id", "handling_deadline"])
    # The indicators aggregate a period's dispatches: every column they read is in this index, so the
    # aggregate is an index-only range scan in time order (no heap visits once the table is vacuumed).
    op.create_index(
        "ix_dispatches_indicators",
        "dispatches",
        ["dispatched_at"],
        postgresql_include=[
            "unit_id", "state", "case_id", "street_code", "district_code", "check_in_deadline",
            "checked_in_at", "handling_deadline", "result_at", "closed_at", "rework_count",
        ],
    )  # fmt: skip
    op.create_index("ix_dispatches_check_in_deadline", "dispatches", ["check_in_deadline"])
    op.create_index("ix_dispatches_handling_deadline", "dispatches", ["handling_deadline"])
    op.create_index(
        "ix_dispatches_live", "dispatches", ["handling_deadline", "id"], postgresql_where=sa.text(LIVE)
    )

    op.add_column("photos", sa.Column("dispatch_id", sa.Uuid()))
    op.create_foreign_key("fk_photos_dispatch_id_dispatches", "photos", "dispatches", ["dispatch_id"], ["id"])
    op.create_index("ix_photos_dispatch_id", "photos", ["dispatch_id"])
    # A photo belongs to a report or to a dispatch's result, never to both.
    op.create_check_constraint("ck_photos_one_owner", "photos", "report_id IS NULL OR dispatch_id IS NULL")

    op.create_table(
        "case_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("dispatch_id", sa.Uuid()),
        sa.Column("report_id", sa.Uuid()),
        _ts("at", False),
        sa.Column("actor_id", sa.Uuid()),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_state", sa.String(24)),
        sa.Column("to_state", sa.String(24), nullable=False),
        sa.Column("case_state", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("detail", postgresql.JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_events"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_case_events_case_id_cases"),
        sa.ForeignKeyConstraint(
            ["dispatch_id"], ["dispatches.id"], name="fk_case_events_dispatch_id_dispatches"
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name="fk_case_events_actor_id_users"),
    )
    op.create_index("ix_case_events_case_id", "case_events", ["case_id", "id"])
    op.create_index("ix_case_events_action_at", "case_events", ["action", "at"])
    op.execute(
        "CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events "
        "FOR EACH ROW EXECUTE FUNCTION whistle_forbid_mutation()"
    )
    op.execute(
        "CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION whistle_forbid_mutation()"
    )

    op.create_table(
        "verification_tasks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dispatch_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("assignee_id", sa.Uuid()),
        sa.Column("state", sa.String(12), nullable=False),
        _ts("created_at", False),
        _ts("done_at"),
        sa.Column("note", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_verification_tasks"),
        sa.CheckConstraint(
            "state IN ('open','passed','failed','cancelled')", name="ck_verification_tasks_state_known"
        ),
        sa.ForeignKeyConstraint(
            ["dispatch_id"], ["dispatches.id"], name="fk_verification_tasks_dispatch_id_dispatches"
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_verification_tasks_case_id_cases"),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name="fk_verification_tasks_assignee_id_users"
        ),
    )
    op.create_index("ix_verification_tasks_dispatch_id", "verification_tasks", ["dispatch_id"])
    op.create_index(
        "ix_verification_tasks_open",
        "verification_tasks",
        ["assignee_id", "created_at"],
        postgresql_where=sa.text("state = 'open'"),
    )
    # One open task per dispatch at most.
    op.create_index(
        "uq_verification_tasks_open_dispatch",
        "verification_tasks",
        ["dispatch_id"],
        unique=True,
        postgresql_where=sa.text("state = 'open'"),
    )

    op.create_table(
        "evaluations",
        sa.Column("dispatch_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("score", sa.Numeric(6, 2), nullable=False),
        sa.Column("list_kind", sa.String(12)),
        sa.Column("breakdown", postgresql.JSONB(), nullable=False),
        sa.Column("rules", postgresql.JSONB(), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        _ts("evaluated_at", False),
        sa.PrimaryKeyConstraint("dispatch_id", name="pk_evaluations"),
        sa.ForeignKeyConstraint(
            ["dispatch_id"], ["dispatches.id"], name="fk_evaluations_dispatch_id_dispatches"
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["department_units.id"], name="fk_evaluations_unit_id_department_units"
        ),
        sa.CheckConstraint("score >= 0 AND score <= 100", name="ck_evaluations_score_range"),
        sa.CheckConstraint(
            "list_kind IS NULL OR list_kind IN ('praise','reminder','interview')",
            name="ck_evaluations_list_kind_known",
        ),
    )
    op.create_index("ix_evaluations_evaluated_at", "evaluations", ["evaluated_at"])
    op.create_index("ix_evaluations_unit_id", "evaluations", ["unit_id", "evaluated_at"])

    _rollup_tables()
    op.execute(FEED_FUNCTIONS)
    op.execute(
        "CREATE TRIGGER reports_notify_feed AFTER INSERT ON reports "
        "FOR EACH ROW EXECUTE FUNCTION whistle_notify_report()"
    )
    op.execute(
        "CREATE TRIGGER case_events_notify_feed AFTER INSERT ON case_events "
        "FOR EACH ROW EXECUTE FUNCTION whistle_notify_case_event()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS case_events_notify_feed ON case_events")
    op.execute("DROP TRIGGER IF EXISTS reports_notify_feed ON reports")
    op.execute("DROP FUNCTION IF EXISTS whistle_notify_case_event()")
    op.execute("DROP FUNCTION IF EXISTS whistle_notify_report()")
    op.execute("DROP TRIGGER IF EXISTS dispatches_rollup_update ON dispatches")
    op.execute("DROP TRIGGER IF EXISTS dispatches_rollup_insert_delete ON dispatches")
    op.execute("DROP FUNCTION IF EXISTS whistle_rebuild_indicator_days()")
    op.execute("DROP FUNCTION IF EXISTS whistle_dispatch_rollup()")
    op.execute("DROP FUNCTION IF EXISTS whistle_count_dispatch(dispatches, int)")
    op.drop_table("indicator_place_days")
    op.drop_table("indicator_unit_days")
    op.drop_table("evaluations")
    op.drop_table("verification_tasks")
    op.drop_table("case_events")
    op.drop_constraint("ck_photos_one_owner", "photos", type_="check")
    op.drop_index("ix_photos_dispatch_id", table_name="photos")
    op.drop_constraint("fk_photos_dispatch_id_dispatches", "photos", type_="foreignkey")
    op.drop_column("photos", "dispatch_id")
    op.drop_table("dispatches")
    op.drop_index("ix_reports_created_at_place", table_name="reports")
    op.drop_index("ix_reports_queue_category", table_name="reports")
    op.drop_index("ix_reports_queue_street", table_name="reports")
    op.drop_index("ix_reports_queue", table_name="reports")
    op.drop_index("ix_reports_case_id", table_name="reports")
    op.drop_constraint("fk_reports_case_id_cases", "reports", type_="foreignkey")
    op.drop_column("reports", "case_id")
    op.drop_table("cases")
