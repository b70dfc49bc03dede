"""Couriers in the grid: platform companies, riders, rider grids, 1+N pairings, community passes,
community programmes, redemption items, the append-only points ledger and its balances.

Revision ID: 0006_couriers
Revises: 0005_publicmap
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_couriers"
down_revision: str | None = "0005_publicmap"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("points_entries", "points_settlements")


def _created_at() -> sa.Column[object]:
    return sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def _user_fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["users.id"], name=f"fk_{table}_{column}_users")


def upgrade() -> None:
    op.create_table(
        "courier_companies",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("parent_id", sa.Uuid()),
        sa.Column("community_code", sa.String(12)),
        sa.Column("is_demo", sa.Boolean(), server_default=sa.false(), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name="pk_courier_companies"),
        sa.UniqueConstraint("code", name="uq_courier_companies_code"),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["courier_companies.id"], name="fk_courier_companies_parent_id_courier_companies"
        ),
        sa.CheckConstraint(
            "kind IN ('food_delivery', 'express', 'ride_hailing')", name="ck_courier_companies_kind_known"
        ),
        sa.CheckConstraint(
            "level IN ('company', 'branch', 'outlet')", name="ck_courier_companies_level_known"
        ),
        sa.CheckConstraint(
            "(level = 'company') = (parent_id IS NULL)", name="ck_courier_companies_root_is_company"
        ),
    )
    op.create_index("ix_courier_companies_parent_id", "courier_companies", ["parent_id"])

    op.create_table(
        "riders",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(12), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_party_member", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("mobile_grid_worker_since", sa.DateTime(timezone=True)),
        sa.Column("hired_by", sa.Uuid()),
        sa.Column("is_demo", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_riders"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_riders_user_id_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["courier_companies.id"], name="fk_riders_company_id_courier_companies"
        ),
        _user_fk("hired_by", "riders"),
    )
    op.create_index("ix_riders_company_id", "riders", ["company_id"])
    op.create_index("ix_riders_community_code", "riders", ["community_code"])

    op.create_table(
        "rider_grids",
        sa.Column("rider_id", sa.Uuid(), nullable=False),
        sa.Column("grid_code", sa.String(15), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("placed_by", sa.Uuid()),
        sa.PrimaryKeyConstraint("rider_id", "grid_code", name="pk_rider_grids"),
        sa.ForeignKeyConstraint(
            ["rider_id"], ["riders.user_id"], name="fk_rider_grids_rider_id_riders", ondelete="CASCADE"
        ),
        _user_fk("placed_by", "rider_grids"),
    )
    op.create_index("ix_rider_grids_grid_code", "rider_grids", ["grid_code"])

    op.create_table(
        "rider_pairings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("grid_worker_id", sa.Uuid(), nullable=False),
        sa.Column("rider_id", sa.Uuid(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_by", sa.Uuid()),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("ended_by", sa.Uuid()),
        sa.PrimaryKeyConstraint("id", name="pk_rider_pairings"),
        _user_fk("grid_worker_id", "rider_pairings"),
        sa.ForeignKeyConstraint(
            ["rider_id"], ["riders.user_id"], name="fk_rider_pairings_rider_id_riders", ondelete="CASCADE"
        ),
        _user_fk("started_by", "rider_pairings"),
        _user_fk("ended_by", "rider_pairings"),
    )
    op.create_index("ix_rider_pairings_grid_worker_id", "rider_pairings", ["grid_worker_id"])
    op.create_index(
        "uq_rider_pairings_current_rider",
        "rider_pairings",
        ["rider_id"],
        unique=True,
        postgresql_where=sa.text("ended_at IS NULL"),
    )

    op.create_table(
        "community_passes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("community_code", sa.String(12), nullable=False),
        sa.Column("rider_id", sa.Uuid(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.Uuid()),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_by", sa.Uuid()),
        sa.PrimaryKeyConstraint("id", name="pk_community_passes"),
        sa.UniqueConstraint("number", name="uq_community_passes_number"),
        sa.ForeignKeyConstraint(
            ["rider_id"], ["riders.user_id"], name="fk_community_passes_rider_id_riders", ondelete="CASCADE"
        ),
        _user_fk("issued_by", "community_passes"),
        _user_fk("revoked_by", "community_passes"),
        sa.CheckConstraint("valid_to > valid_from", name="ck_community_passes_period_ordered"),
    )
    op.create_index("ix_community_passes_community_code", "community_passes", ["community_code"])
    op.create_index("ix_community_passes_rider_id", "community_passes", ["rider_id"])

    op.create_table(
        "community_programs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(12), nullable=False),
        sa.Column("type", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True)),
        sa.Column("ends_at", sa.DateTime(timezone=True)),
        sa.Column("capacity", sa.Integer()),
        sa.Column("created_by", sa.Uuid()),
        _created_at(),
        sa.Column("is_demo", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_community_programs"),
        _user_fk("created_by", "community_programs"),
        sa.CheckConstraint("type IN ('activity', 'project')", name="ck_community_programs_type_known"),
        sa.CheckConstraint("points >= 0", name="ck_community_programs_points_not_negative"),
    )
    op.create_index("ix_community_programs_community_code", "community_programs", ["community_code"])

    op.create_table(
        "program_participations",
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("rider_id", sa.Uuid(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True)),
        sa.Column("confirmed_by", sa.Uuid()),
        sa.PrimaryKeyConstraint("program_id", "rider_id", name="pk_program_participations"),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["community_programs.id"],
            name="fk_program_participations_program_id_community_programs",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rider_id"],
            ["riders.user_id"],
            name="fk_program_participations_rider_id_riders",
            ondelete="CASCADE",
        ),
        _user_fk("confirmed_by", "program_participations"),
    )
    op.create_index("ix_program_participations_rider_id", "program_participations", ["rider_id"])

    op.create_table(
        "redemption_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_code", sa.String(12), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("cost", sa.Integer(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_by", sa.Uuid()),
        _created_at(),
        sa.Column("is_demo", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_redemption_items"),
        _user_fk("created_by", "redemption_items"),
        sa.CheckConstraint("cost > 0", name="ck_redemption_items_cost_positive"),
        sa.CheckConstraint("stock >= 0", name="ck_redemption_items_stock_not_negative"),
    )
    op.create_index("ix_redemption_items_community_code", "redemption_items", ["community_code"])

    op.create_table(
        "redemptions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("cost", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_redemptions"),
        sa.ForeignKeyConstraint(
            ["item_id"], ["redemption_items.id"], name="fk_redemptions_item_id_redemption_items"
        ),
        _user_fk("user_id", "redemptions"),
    )
    op.create_index("ix_redemptions_item_id", "redemptions", ["item_id"])
    op.create_index("ix_redemptions_user_id", "redemptions", ["user_id"])

    op.create_table(
        "points_entries",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("reference_type", sa.String(20), nullable=False),
        sa.Column("reference_id", sa.String(64), nullable=False),
        sa.Column("reverses_id", sa.BigInteger()),
        sa.Column("company_id", sa.Uuid()),
        sa.Column("community_code", sa.String(12)),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Uuid()),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_points_entries"),
        _user_fk("user_id", "points_entries"),
        _user_fk("actor_id", "points_entries"),
        sa.ForeignKeyConstraint(
            ["reverses_id"], ["points_entries.id"], name="fk_points_entries_reverses_id_points_entries"
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["courier_companies.id"], name="fk_points_entries_company_id_courier_companies"
        ),
        sa.UniqueConstraint(
            "user_id", "kind", "reference_type", "reference_id", name="uq_points_entries_award"
        ),
        sa.UniqueConstraint("reverses_id", name="uq_points_entries_reverses_id"),
        sa.CheckConstraint(
            "kind IN ('report_verified', 'activity', 'project', 'redemption', 'reversal')",
            name="ck_points_entries_kind_known",
        ),
        sa.CheckConstraint("amount <> 0", name="ck_points_entries_amount_not_zero"),
        sa.CheckConstraint(
            "(kind = 'reversal') = (reverses_id IS NOT NULL)", name="ck_points_entries_reversal_names_entry"
        ),
        sa.CheckConstraint(
            "kind = 'reversal' OR (kind = 'redemption') = (amount < 0)", name="ck_points_entries_sign_by_kind"
        ),
    )
    op.create_index("ix_points_entries_user_id_at", "points_entries", ["user_id", "at"])
    op.create_index("ix_points_entries_company_id_at", "points_entries", ["company_id", "at"])

    op.create_table(
        "points_balances",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("balance", sa.Integer(), nullable=False),
        sa.Column("earned", sa.Integer(), nullable=False),
        sa.Column("spent", sa.Integer(), nullable=False),
        sa.Column("reversed", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_points_balances"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_points_balances_user_id_users", ondelete="CASCADE"
        ),
    )

    op.create_table(
        "points_photo_claims",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_points_photo_claims"),
    )

    op.create_table(
        "points_settlements",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid()),
        sa.Column("outcome", sa.String(64), nullable=False),
        sa.Column("entry_id", sa.BigInteger()),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_points_settlements"),
        sa.UniqueConstraint("event_id", "report_id", name="uq_points_settlements_event_report"),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["points_entries.id"], name="fk_points_settlements_entry_id_points_entries"
        ),
    )
    op.create_index("ix_points_settlements_report_id", "points_settlements", ["report_id"])

    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION whistle_forbid_mutation()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION whistle_forbid_mutation()"
        )


def downgrade() -> None:
    for table in (
        "points_settlements",
        "points_photo_claims",
        "points_balances",
        "points_entries",
        "redemptions",
        "redemption_items",
        "program_participations",
        "community_programs",
        "community_passes",
        "rider_pairings",
        "rider_grids",
        "riders",
        "courier_companies",
    ):
        op.drop_table(table)
