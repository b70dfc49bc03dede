"""The schema has one truth: the models (`Base.metadata`) declare exactly what the migrations create.

Alembic's autogenerate comparison, configured as `migrations/env.py` configures it, must find nothing
between a database migrated to head and the models: a column, index, foreign key or table added to a
migration but not to a model (or the other way round) fails here. And every migration can be undone:
head → base one revision at a time → head again leaves the same schema.

Alembic's comparison does not look at check constraints; they are compared here by name and by
definition (as PostgreSQL prints it) between the migrated database and one created from the models
alone. Triggers, functions and server defaults are not covered.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from geoalchemy2 import alembic_helpers
from sqlalchemy import (
    Column,
    Connection,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Table,
    create_engine,
    text,
)
from sqlalchemy.schema import Constraint

from service.db import admin
from service.db.migrate import MIGRATIONS_DIR, alembic_config, current_revision, head_revision, upgrade
from service.registry import Base
from tests.support import databases


def schema_drift(connection: Connection, metadata: MetaData = Base.metadata) -> list[Any]:
    """What autogenerate would write into a new migration, compared as `migrations/env.py` compares."""
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": alembic_helpers.include_object}
    )
    drift: list[Any] = compare_metadata(context, metadata)
    return drift


def _columns(item: Index | Constraint) -> str:
    if isinstance(item, Index):
        return ", ".join(e.name if isinstance(e, Column) else str(e) for e in item.expressions)
    return ", ".join(c.name for c in item.columns)  # type: ignore[attr-defined]


def describe(diff: Any) -> str:
    """One line per difference, saying which side has the object the other lacks."""
    if isinstance(diff, list):  # the changes of one column come grouped
        return "\n".join(describe(d) for d in diff)
    kind: str = diff[0]
    side = {"add": "models only", "remove": "database only"}.get(kind.split("_")[0], "differs")
    if kind in ("add_table", "remove_table"):
        return f"{kind} [{side}]: {diff[1].name}"
    if kind in ("add_column", "remove_column"):
        _, _schema, table, column = diff
        return f"{kind} [{side}]: {table}.{column.name} {column.type}"
    if kind in ("add_index", "remove_index"):
        index = diff[1]
        where = index.dialect_options["postgresql"].get("where")
        partial = f" WHERE {where}" if where is not None else ""
        return f"{kind} [{side}]: {index.table.name}.{index.name} ({_columns(index)}){partial}"
    if kind in ("add_fk", "remove_fk"):
        fk: ForeignKeyConstraint = diff[1]
        on_delete = f" ON DELETE {fk.ondelete}" if fk.ondelete else ""
        return f"{kind} [{side}]: {fk.table.name}.{fk.name} ({_columns(fk)}) -> {fk.referred_table.name}{on_delete}"
    if kind in ("add_constraint", "remove_constraint"):
        constraint = diff[1]
        return f"{kind} [{side}]: {constraint.table.name}.{constraint.name} ({_columns(constraint)})"
    if kind.startswith("modify_"):
        _, _schema, table, column, _existing, database, models = diff
        return f"{kind}: {table}.{column}: database {database!r}, models {models!r}"
    return repr(diff)


def assert_no_drift(connection: Connection) -> None:
    drift = schema_drift(connection)
    assert drift == [], (
        f"{len(drift)} difference(s) between the migrated database and the models "
        "(declare in the models exactly what the migrations create):\n"
        + "\n".join(describe(d) for d in drift)
    )


@pytest.fixture(scope="module")
def migrated_connection(template_database: str) -> Iterator[Connection]:
    """A database of its own cloned from the run's template (migrated to head), read only."""
    url = databases.clone(template_database, prefix="whistle_schema")
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()
        databases.drop(url)


def check_constraints(connection: Connection) -> dict[tuple[str, str], str]:
    """(table, name) → definition of every check constraint of our tables."""
    rows = connection.execute(
        text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'c' AND connamespace = 'public'::regnamespace "
            "AND conrelid::regclass::text <> 'spatial_ref_sys'"
        )
    ).all()
    return {(table, name): definition for table, name, definition in rows}


@pytest.fixture(scope="module")
def modelled_connection() -> Iterator[Connection]:
    """A database created from the models alone (`Base.metadata.create_all`), on PostGIS."""
    url = databases.database_url(databases.unique_name("whistle_models"))
    admin.create_database(url)
    admin.enable_postgis(url)
    engine = create_engine(url)
    try:
        Base.metadata.create_all(engine)
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()
        admin.drop_database(url)


def test_check_constraints_are_the_same_in_the_models_and_the_migrations(
    migrated_connection: Connection, modelled_connection: Connection
) -> None:
    migrated = check_constraints(migrated_connection)
    modelled = check_constraints(modelled_connection)
    assert len(migrated) > 30  # the comparison is not vacuous
    only_migrated = sorted(set(migrated) - set(modelled))
    only_modelled = sorted(set(modelled) - set(migrated))
    different = sorted(k for k in set(migrated) & set(modelled) if migrated[k] != modelled[k])
    assert (only_migrated, only_modelled, different) == ([], [], []), "\n".join(
        [
            *(f"database only: {t}.{n}" for t, n in only_migrated),
            *(f"models only: {t}.{n}" for t, n in only_modelled),
        ]
        + [
            f"differs: {t}.{n}: database {migrated[(t, n)]!r}, models {modelled[(t, n)]!r}"
            for t, n in different
        ]
    )


def test_the_models_declare_exactly_what_the_migrations_create(migrated_connection: Connection) -> None:
    assert current_revision(migrated_connection) == head_revision()
    assert_no_drift(migrated_connection)


def test_the_comparison_sees_a_difference_either_way(migrated_connection: Connection) -> None:
    """Not vacuous: a column only the models have and an index only the database has are both found."""
    metadata = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    reports = metadata.tables["reports"]
    reports.append_column(Column("drift_probe", Integer()))
    reports.indexes.remove(next(i for i in reports.indexes if i.name == "ix_reports_queue"))
    Table("drift_probe_table", metadata, Column("id", Integer(), primary_key=True))

    found = [describe(d) for d in schema_drift(migrated_connection, metadata)]

    assert sorted(found) == [
        "add_column [models only]: reports.drift_probe INTEGER",
        "add_table [models only]: drift_probe_table",
        "remove_index [database only]: reports.ix_reports_queue (created_at, id) WHERE (case_id IS NULL)",
    ]


def test_every_migration_downgrades_and_upgrades_again() -> None:
    """Empty database (PostGIS only) → head → each downgrade() in turn to base → head: same schema."""
    url = databases.database_url(databases.unique_name("whistle_roundtrip"))
    admin.create_database(url)
    admin.enable_postgis(url)
    engine = create_engine(url)
    config = alembic_config(url)
    # Newest first: the revisions the downgrades pass through, ending at base (None).
    revisions = [s.revision for s in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()]
    try:
        upgrade(url)
        for expected in [*revisions[1:], None]:
            command.downgrade(config, "-1")
            with engine.connect() as connection:
                assert current_revision(connection) == expected

        with engine.connect() as connection:
            tables = set(
                connection.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            )
            functions = list(
                connection.scalars(text("SELECT proname FROM pg_proc WHERE proname LIKE 'whistle%'"))
            )
        assert tables == {"alembic_version", "spatial_ref_sys"}, (
            "at base only alembic_version and PostGIS's spatial_ref_sys remain"
        )
        assert functions == []

        upgrade(url)
        with engine.connect() as connection:
            assert current_revision(connection) == head_revision()
            assert_no_drift(connection)
    finally:
        engine.dispose()
        admin.drop_database(url)
