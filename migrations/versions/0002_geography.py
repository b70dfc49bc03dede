"""Geography: divisions with effective dates, department kinds and units, categories, grid assignments.

Revision ID: 0002_geography
Revises: 0001_foundation
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0002_geography"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIMIT_UNITS = "'urgent_hours', 'work_hours', 'work_days', 'natural_days'"
# level name, table, code length, parent column, parent code length
DIVISIONS = (
    ("district", "districts", 6, None, 0),
    ("street", "streets", 12, "district_code", 6),
    ("community", "communities", 12, "street_code", 12),
    ("grid", "grids", 15, "community_code", 12),
)


def multipolygon() -> Geometry:
    return Geometry("MULTIPOLYGON", srid=4326, spatial_index=False)


def create_division_table(table: str, code_length: int, parent: str | None, parent_length: int) -> None:
    columns: list[sa.Column[object]] = [
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("code", sa.String(code_length), nullable=False),
    ]
    if parent:
        columns.append(sa.Column(parent, sa.String(parent_length), nullable=False))
    columns += [
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(20), server_default="", nullable=False),
        sa.Column("geom", multipolygon(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True)),
        sa.Column("is_demo", sa.Boolean(), server_default=sa.false(), nullable=False),
    ]
    op.create_table(
        table,
        *columns,
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.CheckConstraint(f"code ~ '^[0-9]{{{code_length}}}$'", name=f"ck_{table}_code_digits"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name=f"ck_{table}_period_ordered"),
    )
    op.create_index(f"ix_{table}_code", table, ["code"])
    if parent:
        op.create_index(f"ix_{table}_{parent}", table, [parent])
    op.create_index(f"ix_{table}_geom", table, ["geom"], postgresql_using="gist")
    # One current row per code; history rows (valid_to set) may repeat the code.
    op.create_index(
        f"uq_{table}_current_code",
        table,
        ["code"],
        unique=True,
        postgresql_where=sa.text("valid_to IS NULL"),
    )


def upgrade() -> None:
    for _level, table, length, parent, parent_length in DIVISIONS:
        create_division_table(table, length, parent, parent_length)

    op.create_table(
        "water_features",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("geom", multipolygon(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_water_features"),
    )
    op.create_index("ix_water_features_geom", "water_features", ["geom"], postgresql_using="gist")

    op.create_table(
        "department_kinds",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("enforcement", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("sort", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_department_kinds"),
    )

    op.create_table(
        "department_units",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("short_name", sa.Text(), server_default="", nullable=False),
        sa.Column("kind_code", sa.Text(), nullable=False),
        sa.Column("level", sa.String(10), server_default="district", nullable=False),
        sa.Column("district_code", sa.String(6)),
        sa.Column("street_code", sa.String(12)),
        sa.Column("is_street_team", sa.Boolean(), server_default=sa.false(), nullable=False),
        # NULL: no outline yet; such a unit is dispatched by hand, never chosen by the router.
        sa.Column("jurisdiction", multipolygon()),
        sa.Column("is_demo", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_department_units"),
        sa.UniqueConstraint("code", name="uq_department_units_code"),
        sa.ForeignKeyConstraint(
            ["kind_code"], ["department_kinds.code"], name="fk_department_units_kind_code_department_kinds"
        ),
        sa.CheckConstraint("level IN ('street', 'district', 'city')", name="ck_department_units_level_known"),
    )
    op.create_index("ix_department_units_kind_code", "department_units", ["kind_code"])
    op.create_index(
        "ix_department_units_jurisdiction", "department_units", ["jurisdiction"], postgresql_using="gist"
    )
    op.create_foreign_key(
        "fk_users_unit_id_department_units", "users", "department_units", ["unit_id"], ["id"]
    )

    op.create_table(
        "categories",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("major_code", sa.Text(), nullable=False),
        sa.Column("major_name", sa.Text(), nullable=False),
        sa.Column("minor_code", sa.Text(), server_default="", nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("primary_kind", sa.Text(), nullable=False),
        sa.Column("joint_kinds", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("on_street_list", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("report_in_amount", sa.Numeric(8, 2), nullable=False),
        sa.Column("report_in_unit", sa.String(20), nullable=False),
        sa.Column("handling_amount", sa.Numeric(8, 2), nullable=False),
        sa.Column("handling_unit", sa.String(20), nullable=False),
        sa.Column("points", sa.Integer(), server_default="10", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("sort", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_categories"),
        sa.ForeignKeyConstraint(
            ["primary_kind"], ["department_kinds.code"], name="fk_categories_primary_kind_department_kinds"
        ),
        sa.CheckConstraint(f"report_in_unit IN ({LIMIT_UNITS})", name="ck_categories_report_in_unit_known"),
        sa.CheckConstraint(f"handling_unit IN ({LIMIT_UNITS})", name="ck_categories_handling_unit_known"),
        sa.CheckConstraint(
            "report_in_amount > 0 AND handling_amount > 0", name="ck_categories_limits_positive"
        ),
    )

    op.create_table(
        "grid_assignments",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("grid_code", sa.String(15), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "grid_code", name="pk_grid_assignments"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_grid_assignments_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_grid_assignments_grid_code", "grid_assignments", ["grid_code"])

    op.create_table(
        "geography_revisions",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("detail", postgresql.JSONB(), server_default="{}", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_geography_revisions"),
    )
    # The revision log is history: append-only like the audit log.
    op.execute(
        "CREATE TRIGGER geography_revisions_append_only BEFORE UPDATE OR DELETE ON geography_revisions "
        "FOR EACH ROW EXECUTE FUNCTION whistle_forbid_mutation()"
    )


def downgrade() -> None:
    op.drop_table("geography_revisions")
    op.drop_table("grid_assignments")
    op.drop_table("categories")
    op.drop_constraint("fk_users_unit_id_department_units", "users", type_="foreignkey")
    op.drop_table("department_units")
    op.drop_table("department_kinds")
    op.drop_table("water_features")
    for _level, table, *_rest in reversed(DIVISIONS):
        op.drop_table(table)
