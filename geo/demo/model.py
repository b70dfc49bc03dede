"""Plain records of the demo city (no database): what ``whistle demo load`` stores."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import shapely

from geo.router import Area, Division, GridRecord, UnitArea

Progress = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    """Default progress callback: ignore."""


@dataclass(frozen=True)
class DemoDivision:
    """A district, street, community or grid of the demo city (WGS-84 outline).

    ``kind``: district | subdistrict | town | township | zone | placeholder | community | village | grid.
    ``real_code``/``real_name``: the code/name comes from the official division list (not generated).
    ``is_demo`` is always True: even real names sit on generated outlines (districts excepted, whose
    outlines are real but still part of the demo data set).
    """

    level: str
    code: str
    name: str
    parent_code: str | None
    kind: str
    geometry: shapely.MultiPolygon
    real_code: bool = False
    real_name: bool = False
    is_demo: bool = True

    def area(self) -> Area:
        return Area(self.code, self.name, self.geometry)

    def division(self) -> Division:
        return Division(self.code, self.name)


@dataclass(frozen=True)
class DemoFeature:
    """Another demo layer (the simplified Songhua River)."""

    code: str
    name: str
    kind: str
    geometry: shapely.MultiPolygon
    is_demo: bool = True


@dataclass(frozen=True)
class DemoUnit:
    """A concrete office of a department kind, with its jurisdiction.

    ``level`` (street < district < city) orders overlapping jurisdictions of one kind: the most local
    unit covering a point is responsible there (ties: smallest code).
    """

    code: str
    name: str
    kind: str
    level: str
    area_codes: tuple[str, ...]
    geometry: shapely.MultiPolygon
    short_name: str = ""
    is_demo: bool = True

    def unit_area(self) -> UnitArea:
        return UnitArea(self.code, self.name, self.kind, self.level, self.geometry)


@dataclass
class DemoCity:
    seed: int
    districts: list[DemoDivision]
    streets: list[DemoDivision]
    communities: list[DemoDivision]
    grids: list[DemoDivision]
    river: DemoFeature
    units: list[DemoUnit]
    repairs: list[str] = field(default_factory=list)

    def by_code(self) -> dict[str, DemoDivision]:
        return {d.code: d for d in (*self.districts, *self.streets, *self.communities, *self.grids)}

    def grid_records(self) -> list[GridRecord]:
        """The grids as the router takes them, parents resolved."""
        index = self.by_code()
        records = []
        for g in self.grids:
            community = index[g.parent_code or ""]
            street = index[community.parent_code or ""]
            district = index[street.parent_code or ""]
            records.append(
                GridRecord(
                    g.code, g.name, g.geometry, community.division(), street.division(), district.division()
                )
            )
        return records
