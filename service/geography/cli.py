"""``whistle import …``: the city model from files (boundaries, units, categories, grid workers).

Every command runs in one transaction: on any error nothing is stored, the message names the file
(and the feature or line), and the exit code is 1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from geo.boundaries import BoundaryError, read_boundaries
from geo.categories import CATEGORIES_FILE, RULES_FILE, CategoryError, load_categories, load_rules
from geo.crs import Datum
from service.commands import fail
from service.db.session import command_session
from service.errors import DomainError
from service.settings import get_settings

import_app = typer.Typer(
    help="Import the city model from files (boundaries, units, categories, grid workers)."
)


@contextmanager
def transaction() -> Iterator[Session]:
    """One session, committed only when the block finishes without an exception."""
    with command_session(get_settings().database) as session:
        yield session


def run_guarded(action: Callable[[], None]) -> None:
    """Turn the expected errors into one red line and exit code 1 (the transaction is rolled back)."""
    try:
        action()
    except (BoundaryError, CategoryError) as exc:
        fail(str(exc))
    except DomainError as exc:
        fail(exc.message)


def parse_valid_from(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            raise typer.BadParameter(f"not a date (YYYY-MM-DD) or ISO 8601 time: {value!r}") from exc
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@import_app.command("boundaries")
def import_boundaries_command(
    file: Annotated[Path, typer.Argument(help="GeoJSON FeatureCollection, or .shp/.zip Shapefile.")],
    level: Annotated[str, typer.Option(help="district, street, community or grid.")],
    datum: Annotated[str, typer.Option(help="Datum of the file: wgs84, cgcs2000, gcj02 or bd09.")] = "wgs84",
    valid_from: Annotated[
        str | None, typer.Option(help="Effective date (YYYY-MM-DD, UTC) of the outlines; default now.")
    ] = None,
    demo: Annotated[bool, typer.Option(help="Mark the rows as demo data.")] = False,
) -> None:
    """Import boundaries: validate, repair (reported), check containment, version by effective date."""
    from service.geography.imports import LEVELS, import_boundaries

    if level not in LEVELS:
        fail(f"--level must be one of {', '.join(LEVELS)}, got {level!r}")
    try:
        datum_enum = Datum(datum)
    except ValueError:
        fail(f"--datum must be one of {', '.join(d.value for d in Datum)}, got {datum!r}")
    when = parse_valid_from(valid_from)

    def act() -> None:
        boundaries = read_boundaries(file, datum=datum_enum)
        with transaction() as session:
            report = import_boundaries(
                session=session,
                level=level,
                boundaries=boundaries,
                valid_from=when,
                source=str(file),
                is_demo=demo,
            )
        for line in report.repairs:
            typer.secho(f"repaired: {line}", fg=typer.colors.YELLOW)
        outside = [c for c in report.containment if c[2] > 0]
        for child, parent, share in sorted(outside, key=lambda c: -c[2])[:20]:
            typer.echo(f"containment: {child} lies {share:.3%} outside its parent {parent}")
        if report.containment:
            worst = max(c[2] for c in report.containment)
            typer.echo(f"containment: {len(report.containment)} checked, largest share outside {worst:.3%}")
        typer.echo(
            f"{report.features} {level} feature(s) from {file}: {len(report.inserted)} new, "
            f"{len(report.changed)} changed (old rows closed at {when.isoformat()}), "
            f"{report.unchanged} unchanged"
        )

    run_guarded(act)


@import_app.command("categories")
def import_categories_command(
    file: Annotated[
        Path, typer.Argument(help="Categories CSV (major_code, major_name, minor_code, minor_name).")
    ] = CATEGORIES_FILE,
    rules: Annotated[
        Path, typer.Option(help="Rules CSV (primary/joint kinds, street list, limits).")
    ] = RULES_FILE,
    points: Annotated[int, typer.Option(help="Courier points per verified report.")] = 10,
) -> None:
    """Import event categories and their rules (default: the files in geo/data)."""
    from service.geography.imports import upsert_categories, upsert_kinds

    def act() -> None:
        categories = load_categories(file)
        rule_map = load_rules(rules, categories=categories)
        with transaction() as session:
            upsert_kinds(session=session)
            count = upsert_categories(session=session, categories=categories, rules=rule_map, points=points)
        typer.echo(f"{count} categories with rules from {file} and {rules}")

    run_guarded(act)


@import_app.command("units")
def import_units_command(
    file: Annotated[
        Path, typer.Argument(help="GeoJSON/Shapefile: code, name, kind, level[, short_name, ...].")
    ],
    datum: Annotated[str, typer.Option(help="Datum of the file.")] = "wgs84",
) -> None:
    """Import department units with their jurisdictions (upsert by code)."""
    from geo.boundaries import FieldMapping
    from service.geography.imports import units_from_boundaries, upsert_kinds, upsert_units

    def act() -> None:
        boundaries = read_boundaries(file, datum=datum, mapping=FieldMapping(code=("code",)))
        units = units_from_boundaries(boundaries, source=str(file))
        with transaction() as session:
            upsert_kinds(session=session)
            count = upsert_units(session=session, units=units)
        for line in boundaries.repairs:
            typer.secho(f"repaired: {line.describe()}", fg=typer.colors.YELLOW)
        typer.echo(f"{count} unit(s) from {file}")

    run_guarded(act)


@import_app.command("grid-workers")
def import_grid_workers_command(
    file: Annotated[Path, typer.Argument(help="CSV with columns username, grid_code (one row per grid).")],
) -> None:
    """Assign grid workers their grids (责任网格); each listed worker's earlier grids are replaced."""
    from service.geography.imports import import_grid_workers

    def act() -> None:
        with transaction() as session:
            counts = import_grid_workers(session=session, path=file)
        typer.echo(f"{sum(counts.values())} grid(s) assigned to {len(counts)} worker(s)")

    run_guarded(act)
