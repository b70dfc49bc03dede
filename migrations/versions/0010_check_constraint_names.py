"""Check constraints get the names the models declare.

The earlier migrations passed full names (`ck_photos_one_owner`) where the naming convention expected
the short one (`one_owner`), so the database holds `ck_photos_ck_photos_one_owner`. Every such name is
shortened here; the models declare the short names, and the schema test compares check constraints
(name and definition) between the migrated database and the models.

Revision ID: 0010_check_constraint_names
Revises: 0009_sla_instants
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_check_constraint_names"
down_revision: str | None = "0009_sla_instants"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKS = sa.text(
    "SELECT conrelid::regclass::text AS tab, conname FROM pg_constraint "
    "WHERE contype = 'c' AND connamespace = 'public'::regnamespace AND conname LIKE 'ck\\_%' ORDER BY 1, 2"
)


def _rename(table: str, old: str, new: str) -> None:
    op.execute(f'ALTER TABLE "{table}" RENAME CONSTRAINT "{old}" TO "{new}"')


def upgrade() -> None:
    for table, name in op.get_bind().execute(CHECKS).all():
        doubled = f"ck_{table}_ck_{table}_"
        if name.startswith(doubled):
            _rename(table, name, f"ck_{table}_" + name[len(doubled) :])


def downgrade() -> None:
    for table, name in op.get_bind().execute(CHECKS).all():
        single = f"ck_{table}_"
        if name.startswith(single) and not name.startswith(single + single):
            _rename(table, name, single + name)
