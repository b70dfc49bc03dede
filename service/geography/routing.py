"""In-process routers built from the database, cached per boundary revision, and the route API.

Why a cache keyed by the database: building a router over a few thousand grids takes about a
second, a lookup a few microseconds. Every change of boundaries, units or rules appends a row to
``geography_revisions``; a router is valid for one (database, revision) pair, so two service
instances reading the same database agree, and an import seen by one is seen by all on their next
request (one indexed ``max(id)`` query per call).

Old reports are routed by the outlines valid at their time. The set of rows valid at t only changes
at the instants that appear as some row's ``valid_from`` or ``valid_to``; a router is therefore built
per *epoch* (the latest such instant ≤ t), so every t within one epoch shares one router.
"""

from __future__ import annotations

import bisect
import json
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.crs import Datum, to_wgs84
from geo.router import Area, Division, GridRecord, Router, UnitArea, UnitRouter
from service.errors import Invalid
from service.settings import get_settings

log = logging.getLogger(__name__)

EPOCH_ZERO = datetime(1970, 1, 1, tzinfo=UTC)
MAX_DATABASES = 8
MAX_EPOCHS = 4

_VALID_AT = "valid_from <= :at AND (valid_to IS NULL OR valid_to > :at)"


@dataclass(frozen=True, slots=True)
class DivisionRef:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class RoutedUnit:
    id: uuid.UUID
    code: str
    name: str
    kind: str  # department kind code, e.g. public_security
    role: str  # primary | joint | street_team


@dataclass(frozen=True, slots=True)
class Routing:
    """Where a point lands: grid, community, street, district, the responsible units, and why."""

    status: str  # routed | snapped | unrouted
    lon: float  # WGS-84, after datum conversion
    lat: float
    district: DivisionRef | None
    street: DivisionRef | None
    community: DivisionRef | None
    grid: DivisionRef | None
    snapped_distance_m: float | None
    units: tuple[RoutedUnit, ...]
    trace: tuple[str, ...]

    def code(self, level: str) -> str | None:
        """The code of the district, street, community or grid, when there is one."""
        ref: DivisionRef | None = getattr(self, level)
        return ref.code if ref is not None else None

    def as_json(self) -> dict[str, Any]:
        """The JSON a report keeps (`reports.routing`) and `/api/v1/route` answers."""
        data = asdict(self)
        data["units"] = [{**u, "id": str(u["id"])} for u in data["units"]]
        data["trace"] = list(data["trace"])
        return data


@dataclass(frozen=True, slots=True)
class CategoryRule:
    """What routing needs of a category: the department kinds responsible, and the street list."""

    code: str
    name: str
    primary_kind: str
    joint_kinds: tuple[str, ...]
    on_street_list: bool
    active: bool


def category_rule(*, session: Session, code: str) -> CategoryRule | None:
    """The category's rule, or None for a code that does not exist (retired ones have `active` False)."""
    row = session.execute(
        text(
            "SELECT code, name, primary_kind, joint_kinds, on_street_list, active FROM categories "
            "WHERE code = CAST(:c AS text)"
        ),
        {"c": code},
    ).one_or_none()
    if row is None:
        return None
    return CategoryRule(row[0], row[1], row[2], tuple(row[3] or ()), bool(row[4]), bool(row[5]))


def current_revision(session: Session) -> int:
    """The geography revision: bumped by every import of boundaries, units or rules."""
    value = session.execute(text("SELECT max(id) FROM geography_revisions")).scalar_one()
    return int(value or 0)


def record_revision(*, session: Session, what: str, detail: dict[str, object] | None = None) -> int:
    """Append a revision row (in the caller's transaction): routers rebuild on their next call."""
    stmt = text(
        "INSERT INTO geography_revisions (what, detail) VALUES (:what, CAST(:detail AS jsonb)) RETURNING id"
    )
    return int(session.execute(stmt, {"what": what, "detail": json.dumps(detail or {})}).scalar_one())


def _wkb_geoms(rows: list[bytes]) -> list[shapely.Geometry]:
    return list(shapely.from_wkb(np.array(rows, dtype=object))) if rows else []


@dataclass
class Snapshot:
    """Everything routing needs for one revision: epochs, units, and routers per epoch."""

    revision: int
    change_instants: list[datetime]
    units: UnitRouter | None
    unit_ids: dict[str, tuple[uuid.UUID, str]]  # code → (id, kind)
    routers: OrderedDict[datetime, Router] = field(default_factory=OrderedDict)

    def epoch(self, at: datetime) -> datetime:
        k = bisect.bisect_right(self.change_instants, at)
        return self.change_instants[k - 1] if k else EPOCH_ZERO


def _load_snapshot(session: Session, revision: int) -> Snapshot:
    instants = session.execute(
        text(
            " UNION ".join(
                f"SELECT valid_from AS t FROM {t} UNION SELECT valid_to FROM {t} WHERE valid_to IS NOT NULL"
                for t in ("districts", "streets", "communities", "grids")
            )
            + " ORDER BY t"
        )
    ).scalars()
    rows = session.execute(
        text(
            "SELECT id, code, name, kind_code, level, ST_AsBinary(jurisdiction) FROM department_units "
            "WHERE active AND jurisdiction IS NOT NULL ORDER BY code"
        )
    ).all()
    geoms = _wkb_geoms([bytes(r[5]) for r in rows])
    areas = [UnitArea(r[1], r[2], r[3], r[4], g) for r, g in zip(rows, geoms, strict=True)]
    return Snapshot(
        revision=revision,
        change_instants=sorted(instants),
        units=UnitRouter(areas) if areas else None,
        unit_ids={r[1]: (r[0], r[3]) for r in rows},
    )


def _layer(session: Session, table: str, at: datetime) -> list[Area]:
    rows = session.execute(
        text(f"SELECT code, name, ST_AsBinary(geom) FROM {table} WHERE {_VALID_AT} ORDER BY code"), {"at": at}
    ).all()
    geoms = _wkb_geoms([bytes(r[2]) for r in rows])
    return [Area(r[0], r[1], g) for r, g in zip(rows, geoms, strict=True)]


def build_router(*, session: Session, at: datetime, tolerance_m: float) -> Router | None:
    """A router over the grids valid at ``at`` (None when no grid is valid then)."""
    districts = _layer(session, "districts", at)
    streets = _layer(session, "streets", at)
    communities = _layer(session, "communities", at)
    rows = session.execute(
        text(
            f"SELECT code, name, community_code, ST_AsBinary(geom) FROM grids WHERE {_VALID_AT} ORDER BY code"
        ),
        {"at": at},
    ).all()
    names = {a.code: a.name for a in (*districts, *streets, *communities)}
    street_of: dict[str, str] = dict(
        session.execute(
            text(f"SELECT code, street_code FROM communities WHERE {_VALID_AT}"), {"at": at}
        ).all()
    )
    district_of: dict[str, str] = dict(
        session.execute(text(f"SELECT code, district_code FROM streets WHERE {_VALID_AT}"), {"at": at}).all()
    )
    geoms = _wkb_geoms([bytes(r[3]) for r in rows])
    grids = []
    for (code, name, community, _wkb), geom in zip(rows, geoms, strict=True):
        street = street_of.get(community, "")
        district = district_of.get(street, "")
        grids.append(
            GridRecord(
                code,
                name,
                geom,
                Division(community, names.get(community, "")),
                Division(street, names.get(street, "")),
                Division(district, names.get(district, "")),
            )
        )
    if not grids:
        return None
    return Router(
        grids, tolerance_m=tolerance_m, communities=communities, streets=streets, districts=districts
    )


class RouterCache:
    """Routers per (database, revision, epoch, tolerance); safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshots: OrderedDict[tuple[str, float], Snapshot] = OrderedDict()
        self._empty: set[tuple[str, float, int, datetime]] = set()

    def clear(self) -> None:
        with self._lock:
            self._snapshots.clear()
            self._empty.clear()

    def is_warm(self, *, session: Session, at: datetime, tolerance_m: float) -> bool:
        """Whether a call to `get` for ``at`` would find its router built (nothing is built here)."""
        db_key = (session.get_bind().engine.url.render_as_string(hide_password=True), tolerance_m)
        revision = current_revision(session)
        with self._lock:
            snap = self._snapshots.get(db_key)
            return snap is not None and snap.revision == revision and snap.epoch(at) in snap.routers

    def get(
        self, *, session: Session, at: datetime, tolerance_m: float, revision: int | None = None
    ) -> tuple[Snapshot, Router | None]:
        """The snapshot and router for ``at``; ``revision`` when the caller already read it."""
        bind = session.get_bind()
        db_key = (bind.engine.url.render_as_string(hide_password=True), tolerance_m)
        if revision is None:
            revision = current_revision(session)
        with self._lock:
            snap = self._snapshots.get(db_key)
            if snap is None or snap.revision != revision:
                snap = _load_snapshot(session, revision)
                self._snapshots[db_key] = snap
            self._snapshots.move_to_end(db_key)
            while len(self._snapshots) > MAX_DATABASES:
                self._snapshots.popitem(last=False)
            epoch = snap.epoch(at)
            router = snap.routers.get(epoch)
            if router is None:
                router = build_router(session=session, at=epoch, tolerance_m=tolerance_m)
                if router is None:
                    return snap, None
                snap.routers[epoch] = router
                while len(snap.routers) > MAX_EPOCHS:
                    snap.routers.popitem(last=False)
            snap.routers.move_to_end(epoch)
            return snap, router


ROUTERS = RouterCache()


def warm_routers(
    sessions: Callable[[], AbstractContextManager[Session]], *, tolerance_m: float
) -> float | None:
    """Build today's router ahead of the first report; the seconds it took, or None when it failed.

    Meant for a background thread at start-up: a failure (database not reachable yet) is only logged,
    and the first report then builds the router itself, as it would have without warming."""
    started = time.perf_counter()
    try:
        with sessions() as session:
            ROUTERS.get(session=session, at=datetime.now(UTC), tolerance_m=tolerance_m)
    except Exception:
        log.warning("router warm-up failed; the first report will build the router", exc_info=True)
        return None
    elapsed = time.perf_counter() - started
    log.info("router warmed in %.2f s", elapsed)
    return elapsed


def _ref(d: Division | None) -> DivisionRef | None:
    return DivisionRef(code=d.code, name=d.name) if d is not None else None


def route(
    *,
    session: Session,
    lon: float,
    lat: float,
    datum: Datum | str = Datum.WGS84,
    category_code: str | None = None,
    rule: CategoryRule | None = None,
    at: datetime | None = None,
    tolerance_m: float | None = None,
) -> Routing:
    """Route one point: grid, community, street, district, responsible units and a trace.

    ``at`` routes by the outlines valid then (default now; old reports keep their old outlines).
    The units follow the category's rule: pass ``rule`` when the caller has read it already (the
    intake does, to refuse an unknown category before anything else), else ``category_code``; with
    neither, no units are chosen. Raises :class:`service.errors.Invalid` for an unknown datum or category.
    """
    try:
        datum = Datum(datum)
    except ValueError as exc:
        raise Invalid(f"unknown datum {datum!r}; use one of {', '.join(d.value for d in Datum)}") from exc
    when = at or datetime.now(UTC)
    if when.tzinfo is None:
        raise Invalid("the routing time needs a UTC offset")
    tolerance = get_settings().router.snap_tolerance_m if tolerance_m is None else tolerance_m
    if rule is not None or category_code is None:
        revision = current_revision(session)
    else:
        # One round trip: the revision (routers are cached per revision) and the category's rule.
        row = session.execute(
            text(
                "SELECT (SELECT max(id) FROM geography_revisions), c.code, c.name, c.primary_kind, "
                "c.joint_kinds, c.on_street_list, c.active FROM (SELECT 1) AS one "
                "LEFT JOIN categories c ON c.code = CAST(:c AS text)"
            ),
            {"c": category_code},
        ).one()
        revision = int(row[0] or 0)
        if row[1] is None:
            raise Invalid(f"unknown category {category_code!r}")
        rule = CategoryRule(row[1], row[2], row[3], tuple(row[4] or ()), bool(row[5]), bool(row[6]))
    snap, router = ROUTERS.get(session=session, at=when, tolerance_m=tolerance, revision=revision)
    if router is None:
        status, x, y = "unrouted", float(lon), float(lat)
        grid = community = street = district = None
        distance = None
        trace = ["no grid boundaries are loaded for that time: unrouted"]
        if datum not in (Datum.WGS84, Datum.CGCS2000):
            x, y = to_wgs84(lon, lat, datum)
    else:
        a = router.route(lon, lat, datum)
        status, x, y = a.status.value, a.lon, a.lat
        grid, community, street, district = a.grid, a.community, a.street, a.district
        distance = a.distance_m if a.status.value == "snapped" else None
        trace = list(a.trace)
    if at is not None:
        trace.insert(0, f"outlines valid at {when.isoformat()}")
    units: list[RoutedUnit] = []
    if rule is None:
        trace.append("no category given: no units chosen")
    elif snap.units is None:
        trace.append("no department units are loaded")
    else:
        responsible, unit_trace = snap.units.responsible(
            x,
            y,
            primary_kind=rule.primary_kind,
            joint_kinds=rule.joint_kinds,
            on_street_list=rule.on_street_list,
        )
        trace.append(f"category {rule.code} {rule.name}")
        trace.extend(unit_trace)
        for r in responsible:
            if r.unit is None:
                continue
            unit_id, kind = snap.unit_ids[r.unit.code]
            units.append(RoutedUnit(id=unit_id, code=r.unit.code, name=r.unit.name, kind=kind, role=r.role))
    return Routing(
        status=status,
        lon=x,
        lat=y,
        district=_ref(district),
        street=_ref(street),
        community=_ref(community),
        grid=_ref(grid),
        snapped_distance_m=round(distance, 2) if distance is not None else None,
        units=tuple(units),
        trace=tuple(trace),
    )
