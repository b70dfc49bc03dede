"""Responsible units: category rule + jurisdictions → the units to whistle for a point.

* An item on the street's enforcement list goes to the street's 综合执法队 (kind ``street_team``)
  whose jurisdiction covers the point; no department is whistled — unless the category also names
  joint department kinds (private wiring: the power company, emergency management, the fire
  brigade, as in the 正阳社区 story): then the team leads and one unit of each of the category's
  kinds (primary and joint) joins it, role ``joint``.
* Otherwise one unit per kind, primary kind first, then the joint kinds in the rule's order.
* For each kind, the unit whose jurisdiction covers the point. Jurisdictions of one kind may nest
  (a county bureau inside a city-wide one): the most local level wins (street < district < city),
  then the smallest unit code. In SQL: ``ORDER BY level_rank, code LIMIT 1``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import shapely

from geo.router.raster import PolygonIndex
from geo.router.router import Division

LEVEL_RANK = {"street": 0, "district": 1, "city": 2}
STREET_TEAM = "street_team"


@dataclass(frozen=True, slots=True)
class UnitArea:
    """A unit and its jurisdiction (WGS-84)."""

    code: str
    name: str
    kind: str
    level: str
    geometry: shapely.Geometry


@dataclass(frozen=True, slots=True)
class Responsible:
    kind: str
    role: str  # "primary", "joint" or "street_team"
    unit: Division | None  # None when no unit of that kind covers the point


class UnitRouter:
    """Per department kind, an exact index of unit jurisdictions."""

    def __init__(self, units: Sequence[UnitArea]) -> None:
        by_kind: dict[str, list[UnitArea]] = defaultdict(list)
        for u in units:
            if u.level not in LEVEL_RANK:
                raise ValueError(f"unit {u.code}: unknown level {u.level!r}")
            by_kind[u.kind].append(u)
        self._kinds: dict[str, tuple[PolygonIndex, list[Division]]] = {}
        for kind, members in by_kind.items():
            keys = [f"{LEVEL_RANK[u.level]}:{u.code}" for u in members]
            index = PolygonIndex([u.geometry for u in members], keys, max_cells=500_000)
            self._kinds[kind] = (index, [Division(u.code, u.name) for u in members])

    def unit_for(self, kind: str, lon: float, lat: float) -> Division | None:
        """The most local unit of ``kind`` whose jurisdiction covers the WGS-84 point."""
        entry = self._kinds.get(kind)
        if entry is None:
            return None
        k = entry[0].lookup(lon, lat)[0]
        return entry[1][k] if k >= 0 else None

    def responsible(
        self,
        lon: float,
        lat: float,
        *,
        primary_kind: str,
        joint_kinds: Sequence[str] = (),
        on_street_list: bool = False,
    ) -> tuple[list[Responsible], list[str]]:
        """Units for a point and a category rule, with trace lines explaining the choice."""
        trace: list[str] = []
        out: list[Responsible] = []
        first = "primary"
        if on_street_list:
            team = self.unit_for(STREET_TEAM, lon, lat)
            if team is not None:
                out.append(Responsible(STREET_TEAM, "street_team", team))
                if not joint_kinds:
                    trace.append(f"on the street enforcement list: {team.name} handles it directly")
                    return out, trace
                trace.append(f"on the street enforcement list with joint departments: {team.name} leads")
                first = "joint"
            else:
                trace.append("on the street enforcement list, but no street team covers the point")
        for role, kind in [(first, primary_kind), *(("joint", k) for k in joint_kinds)]:
            unit = self.unit_for(kind, lon, lat)
            out.append(Responsible(kind, role, unit))
            trace.append(
                f"{role} {kind}: {unit.name}" if unit else f"{role} {kind}: no unit covers the point"
            )
        return out, trace
