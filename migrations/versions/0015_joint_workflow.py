"""Joint workflow: withdrawing and reassigning dispatches, limits set by hand, one verification per case.

* `dispatches`: state `withdrawn` (撤回) with `withdrawn_at`, `withdrawn_by`, `withdraw_reason`;
  `reassigned_from_id` (改派: the new dispatch names the one it replaces); `check_in_custom` and
  `handling_custom` (the whistle set that limit by hand instead of the category's default).
* The indicator rollups (0004_cases) learn the new state: a withdrawn dispatch is whistled (派遣数) but
  never accurate (准确派遣数), and it is due for handling and closure (应处置数, 应结案数) only when the
  unit had already missed a deadline when it was withdrawn (`CHARGED`: never reported in by the
  report-in deadline, or no result by the handling deadline) — the same rule as its score
  (`service.cases.withdrawal.charged`). The trigger also watches `withdrawn_at`, and the indicators'
  covering index includes it.
* Verification (核查) covers a case, not a dispatch: `verification_items` holds one row per unit's
  result in a task, with the grid worker's outcome. Each existing task becomes a task with one item
  (its outcome from the task's state); where one case had several open tasks, the oldest one takes
  every open dispatch and the others are cancelled. `verification_tasks.dispatch_id` goes; a case has
  at most one open task.

Downgrade is lossy for joint tasks: each task keeps its first unit's dispatch only.

Revision ID: 0015_joint_workflow
Revises: 0014_case_sources
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_joint_workflow"
down_revision: str | None = "0014_case_sources"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATES = "'dispatched','checked_in','extension_requested','handled','verifying','closed','sent_back'"
NEW_STATES = OLD_STATES + ",'withdrawn'"

# A withdrawal after the unit had missed a deadline: it stays the unit's (scored, due in the indicators).
CHARGED = (
    "(d.state = 'withdrawn' AND coalesce((d.checked_in_at IS NULL AND d.withdrawn_at > d.check_in_deadline) "
    "OR (d.result_at IS NULL AND d.withdrawn_at > d.handling_deadline), false))"
)
OLD_DUE = "(d.state <> 'sent_back')"
NEW_DUE = f"(d.state NOT IN ('sent_back', 'withdrawn') OR {CHARGED})"
OLD_ACCURATE = OLD_DUE
NEW_ACCURATE = "(d.state NOT IN ('sent_back', 'withdrawn'))"

COUNT_COLUMNS = [
    "dispatched", "accurately_dispatched", "checked_in_on_time", "due", "handled", "handled_on_time",
    "closed", "closed_on_time", "reworked",
]  # fmt: skip
LOCAL_DAY = "(d.dispatched_at AT TIME ZONE 'Asia/Shanghai')::date"
OLD_WATCHED = (
    "state, dispatched_at, unit_id, street_code, district_code, checked_in_at, check_in_deadline, "
    "result_at, handling_deadline, closed_at, rework_count"
)
NEW_WATCHED = OLD_WATCHED + ", withdrawn_at"
OLD_INCLUDE = [
    "unit_id", "state", "case_id", "street_code", "district_code", "check_in_deadline",
    "checked_in_at", "handling_deadline", "result_at", "closed_at", "rework_count",
]  # fmt: skip
NEW_INCLUDE = [*OLD_INCLUDE, "withdrawn_at"]


def _contribution(due: str, accurate: str) -> str:
    return f"""
    1,
    {accurate}::int,
    coalesce(d.checked_in_at <= d.check_in_deadline, false)::int,
    {due}::int,
    ({due} AND d.result_at IS NOT NULL)::int,
    coalesce({due} AND d.result_at <= d.handling_deadline, false)::int,
    (d.state = 'closed')::int,
    coalesce(d.state = 'closed' AND d.closed_at <= d.handling_deadline, false)::int,
    ({due} AND d.result_at IS NOT NULL AND d.rework_count > 0)::int,
    CASE WHEN {due} AND d.result_at IS NOT NULL
         THEN extract(epoch FROM d.result_at - d.dispatched_at) ELSE 0 END
"""


def _rollup_functions(due: str, accurate: str) -> str:
    """0004_cases's rollup functions with the given rules for 应处置/应结案 and 准确派遣."""
    contribution = _contribution(due, accurate)
    all_columns = ", ".join([*COUNT_COLUMNS, "handling_seconds"])
    sets = ", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in [*COUNT_COLUMNS, "handling_seconds"])
    signed = ", ".join(f"sign * c[{i}]" for i in range(1, 11))
    sums = ", ".join(f"sum({c})" for c in [*COUNT_COLUMNS, "handling_seconds"])
    flat = contribution.replace(chr(10), " ")
    return f"""
CREATE OR REPLACE FUNCTION whistle_count_dispatch(d dispatches, sign int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    c numeric[] := ARRAY[{contribution}];
BEGIN
    INSERT INTO indicator_unit_days AS t VALUES ({LOCAL_DAY}, d.unit_id,
        {signed})
    ON CONFLICT (day, unit_id) DO UPDATE SET {sets};
    INSERT INTO indicator_place_days AS t VALUES ({LOCAL_DAY}, coalesce(d.street_code, ''),
        coalesce(d.district_code, ''),
        {signed})
    ON CONFLICT (day, street_code, district_code) DO UPDATE SET {sets};
END;
$$;
CREATE OR REPLACE FUNCTION whistle_rebuild_indicator_days() RETURNS void LANGUAGE sql AS $$
    DELETE FROM indicator_unit_days;
    DELETE FROM indicator_place_days;
    INSERT INTO indicator_unit_days
        SELECT day, unit_id, {sums} FROM (
            SELECT {LOCAL_DAY} AS day, d.unit_id, {flat}
            FROM dispatches d) AS x (day, unit_id, {all_columns})
        GROUP BY day, unit_id;
    INSERT INTO indicator_place_days
        SELECT day, street_code, district_code, {sums} FROM (
            SELECT {LOCAL_DAY} AS day, coalesce(d.street_code, ''), coalesce(d.district_code, ''),
                   {flat}
            FROM dispatches d) AS x (day, street_code, district_code, {all_columns})
        GROUP BY day, street_code, district_code;
$$;
"""


def _update_trigger(watched: str) -> None:
    op.execute("DROP TRIGGER IF EXISTS dispatches_rollup_update ON dispatches")
    columns = watched.split(", ")
    op.execute(
        "CREATE TRIGGER dispatches_rollup_update AFTER UPDATE ON dispatches FOR EACH ROW "
        f"WHEN (({', '.join('OLD.' + c for c in columns)}) IS DISTINCT FROM "
        f"({', '.join('NEW.' + c for c in columns)})) "
        "EXECUTE FUNCTION whistle_dispatch_rollup()"
    )


def _indicator_index(include: list[str]) -> None:
    op.drop_index("ix_dispatches_indicators", table_name="dispatches")
    op.create_index("ix_dispatches_indicators", "dispatches", ["dispatched_at"], postgresql_include=include)


def _states(states: str) -> None:
    op.execute("ALTER TABLE dispatches DROP CONSTRAINT ck_dispatches_state_known")
    op.execute(f"ALTER TABLE dispatches ADD CONSTRAINT ck_dispatches_state_known CHECK (state IN ({states}))")


def _upgrade_dispatches() -> None:
    op.add_column("dispatches", sa.Column("withdrawn_at", sa.DateTime(timezone=True)))
    op.add_column("dispatches", sa.Column("withdrawn_by", sa.Uuid()))
    op.add_column("dispatches", sa.Column("withdraw_reason", sa.Text()))
    op.add_column("dispatches", sa.Column("reassigned_from_id", sa.Uuid()))
    for name in ("check_in_custom", "handling_custom"):
        op.add_column(
            "dispatches", sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.text("false"))
        )
    op.create_foreign_key("fk_dispatches_withdrawn_by_users", "dispatches", "users", ["withdrawn_by"], ["id"])
    op.create_foreign_key(
        "fk_dispatches_reassigned_from_id_dispatches",
        "dispatches",
        "dispatches",
        ["reassigned_from_id"],
        ["id"],
    )
    _states(NEW_STATES)
    op.execute(_rollup_functions(NEW_DUE, NEW_ACCURATE))
    _update_trigger(NEW_WATCHED)
    _indicator_index(NEW_INCLUDE)


def _upgrade_verification() -> None:
    op.create_table(
        "verification_items",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("dispatch_id", sa.Uuid(), nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("task_id", "dispatch_id", name="pk_verification_items"),
        sa.CheckConstraint("outcome IN ('pending','passed','failed','cancelled')", name="outcome_known"),
        sa.ForeignKeyConstraint(
            ["task_id"], ["verification_tasks.id"], name="fk_verification_items_task_id_verification_tasks"
        ),
        sa.ForeignKeyConstraint(
            ["dispatch_id"], ["dispatches.id"], name="fk_verification_items_dispatch_id_dispatches"
        ),
    )
    op.create_index("ix_verification_items_dispatch_id", "verification_items", ["dispatch_id"])
    # Every task becomes a task with one item: its dispatch, with the outcome its state says.
    op.execute(
        "INSERT INTO verification_items (task_id, dispatch_id, outcome, reason, decided_at) "
        "SELECT id, dispatch_id, CASE state WHEN 'open' THEN 'pending' ELSE state END, "
        "CASE WHEN state = 'failed' THEN note END, done_at FROM verification_tasks"
    )
    # Several open tasks of one case: the oldest takes every open dispatch, the others are cancelled.
    op.execute(
        """
        WITH ranked AS (
            SELECT id, case_id, first_value(id) OVER (PARTITION BY case_id ORDER BY created_at, id) AS keeper
            FROM verification_tasks WHERE state = 'open'
        ), moved AS (
            UPDATE verification_items i SET outcome = 'cancelled', reason = '合并为一个联合核查任务',
                decided_at = now()
            FROM ranked r WHERE i.task_id = r.id AND r.id <> r.keeper
            RETURNING r.keeper, i.dispatch_id
        )
        INSERT INTO verification_items (task_id, dispatch_id, outcome) SELECT keeper, dispatch_id, 'pending'
        FROM moved
        """
    )
    op.execute(
        "UPDATE verification_tasks t SET state = 'cancelled', done_at = now(), "
        "note = '合并为一个联合核查任务' WHERE state = 'open' AND NOT EXISTS ("
        "SELECT 1 FROM verification_items i WHERE i.task_id = t.id AND i.outcome = 'pending')"
    )
    op.create_index(
        "uq_verification_items_pending_dispatch",
        "verification_items",
        ["dispatch_id"],
        unique=True,
        postgresql_where=sa.text("outcome = 'pending'"),
    )
    op.drop_index("uq_verification_tasks_open_dispatch", table_name="verification_tasks")
    op.drop_index("ix_verification_tasks_dispatch_id", table_name="verification_tasks")
    op.drop_constraint(
        "fk_verification_tasks_dispatch_id_dispatches", "verification_tasks", type_="foreignkey"
    )
    op.drop_column("verification_tasks", "dispatch_id")
    op.create_index("ix_verification_tasks_case_id", "verification_tasks", ["case_id"])
    op.create_index(
        "uq_verification_tasks_open_case",
        "verification_tasks",
        ["case_id"],
        unique=True,
        postgresql_where=sa.text("state = 'open'"),
    )


def upgrade() -> None:
    _upgrade_dispatches()
    _upgrade_verification()


def downgrade() -> None:
    op.drop_index("uq_verification_tasks_open_case", table_name="verification_tasks")
    op.drop_index("ix_verification_tasks_case_id", table_name="verification_tasks")
    op.add_column("verification_tasks", sa.Column("dispatch_id", sa.Uuid()))
    op.execute(
        "UPDATE verification_tasks t SET dispatch_id = (SELECT i.dispatch_id FROM verification_items i "
        "WHERE i.task_id = t.id ORDER BY i.outcome = 'pending' DESC, i.dispatch_id LIMIT 1)"
    )
    op.alter_column("verification_tasks", "dispatch_id", nullable=False)
    op.create_foreign_key(
        "fk_verification_tasks_dispatch_id_dispatches",
        "verification_tasks",
        "dispatches",
        ["dispatch_id"],
        ["id"],
    )
    op.create_index("ix_verification_tasks_dispatch_id", "verification_tasks", ["dispatch_id"])
    op.create_index(
        "uq_verification_tasks_open_dispatch",
        "verification_tasks",
        ["dispatch_id"],
        unique=True,
        postgresql_where=sa.text("state = 'open'"),
    )
    op.drop_table("verification_items")

    _indicator_index(OLD_INCLUDE)
    _update_trigger(OLD_WATCHED)
    op.execute(_rollup_functions(OLD_DUE, OLD_ACCURATE))
    # Withdrawn dispatches cannot be told apart in the old states: they read as sent back.
    op.execute(
        "UPDATE dispatches SET state = 'sent_back', sent_back_at = withdrawn_at WHERE state = 'withdrawn'"
    )
    op.execute("SELECT whistle_rebuild_indicator_days()")
    _states(OLD_STATES)
    op.drop_constraint("fk_dispatches_reassigned_from_id_dispatches", "dispatches", type_="foreignkey")
    op.drop_constraint("fk_dispatches_withdrawn_by_users", "dispatches", type_="foreignkey")
    for name in (
        "handling_custom",
        "check_in_custom",
        "reassigned_from_id",
        "withdraw_reason",
        "withdrawn_by",
    ):
        op.drop_column("dispatches", name)
    op.drop_column("dispatches", "withdrawn_at")
