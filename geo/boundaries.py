"""Reading, validating and repairing boundary files (districts, streets, communities, grids).

Boundary files come from surveys, from map portals and from hand editing; real ones are broken in
ordinary ways (the published 舒兰市 outline self-intersects). The import must either take a file whole,
with every repair it made reported, or refuse it with a message that names the feature at fault, so an
administrator can fix the file. Nothing here touches the database: the caller stores the features only
when :func:`read_boundaries` returned without raising.

Accepted input: a GeoJSON FeatureCollection, or an ESRI Shapefile (``.shp`` with its ``.dbf``, or a
``.zip`` holding them) read with pyshp. Output geometries are WGS-84 MultiPolygons.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape

from geo.crs import Datum, LocalMetric, area_m2, geometry_to_wgs84

POLYGONAL = ("Polygon", "MultiPolygon")
DEFAULT_REPAIR_THRESHOLD = 0.01
DEFAULT_CONTAINMENT_TOLERANCE = 0.005


class BoundaryError(ValueError):
    """A boundary file cannot be imported; ``str(error)`` names the feature and the problem."""

    def __init__(
        self,
        problem: str,
        *,
        source: str = "",
        index: int | None = None,
        code: str | None = None,
        name: str | None = None,
    ) -> None:
        self.problem = problem
        self.source = source
        self.index = index
        self.code = code
        self.name = name
        super().__init__(self._message())

    def _message(self) -> str:
        where = f"{self.source}: " if self.source else ""
        if self.index is None and self.code is None:
            return f"{where}{self.problem}"
        return f"{where}{describe_feature(self.index, self.code, self.name)}: {self.problem}"


def describe_feature(index: int | None, code: str | None, name: str | None) -> str:
    parts = [f"feature #{index}" if index is not None else "feature"]
    if code:
        parts.append(f"code {code}")
    if name:
        parts.append(name)
    return " ".join(parts[:1]) + (f" ({', '.join(parts[1:])})" if len(parts) > 1 else "")


@dataclass(frozen=True)
class FieldMapping:
    """Which properties hold the code, the name and the parent code (first present name wins)."""

    code: tuple[str, ...] = ("code", "adcode")
    name: tuple[str, ...] = ("name",)
    parent_code: tuple[str, ...] = ("parent_code", "parent")


@dataclass(frozen=True)
class BoundaryFeature:
    index: int
    code: str
    name: str
    parent_code: str | None
    geometry: shapely.MultiPolygon
    properties: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Repair:
    """One outline that was invalid and was repaired with ``shapely.make_valid``."""

    index: int
    code: str
    name: str
    reason: str
    area_before_m2: float
    area_after_m2: float
    parts_before: int
    parts_after: int

    @property
    def area_change_m2(self) -> float:
        return self.area_after_m2 - self.area_before_m2

    def describe(self) -> str:
        return (
            f"{describe_feature(self.index, self.code, self.name)}: repaired invalid outline "
            f"({self.reason}); {self.parts_before} → {self.parts_after} polygon(s), "
            f"area change {self.area_change_m2:+.1f} m²"
        )


@dataclass(frozen=True)
class BoundaryFile:
    features: list[BoundaryFeature]
    repairs: list[Repair]


@dataclass(frozen=True)
class Containment:
    """How much of a child lies outside its parent (share of the child's area)."""

    child_code: str
    parent_code: str
    share_outside: float


# --- reading ------------------------------------------------------------------------------------


def read_boundaries(
    path: str | Path,
    *,
    datum: Datum | str = Datum.WGS84,
    mapping: FieldMapping = FieldMapping(),
    repair_threshold: float = DEFAULT_REPAIR_THRESHOLD,
) -> BoundaryFile:
    """Read a GeoJSON or Shapefile into validated WGS-84 features, or raise :class:`BoundaryError`."""
    p = Path(path)
    if p.suffix.lower() in (".shp", ".zip", ".dbf"):
        raw = _read_shapefile(p)
    else:
        try:
            text = p.read_bytes()
        except OSError as exc:
            raise BoundaryError(f"cannot read file: {exc.strerror}", source=str(p)) from exc
        raw = _raw_from_geojson(text, source=str(p))
    return build_features(raw, datum=datum, mapping=mapping, repair_threshold=repair_threshold, source=str(p))


def read_geojson(
    data: bytes | str,
    *,
    datum: Datum | str = Datum.WGS84,
    mapping: FieldMapping = FieldMapping(),
    repair_threshold: float = DEFAULT_REPAIR_THRESHOLD,
    source: str = "GeoJSON",
) -> BoundaryFile:
    """Like :func:`read_boundaries` for GeoJSON already in memory (an upload)."""
    raw = _raw_from_geojson(data, source=source)
    return build_features(raw, datum=datum, mapping=mapping, repair_threshold=repair_threshold, source=source)


RawFeature = tuple[dict[str, Any] | None, dict[str, Any]]


def _raw_from_geojson(data: bytes | str, *, source: str) -> list[RawFeature]:
    try:
        doc = json.loads(data)
    except UnicodeDecodeError as exc:
        raise BoundaryError(f"not UTF-8 text: {exc.reason}", source=source) from exc
    except json.JSONDecodeError as exc:
        raise BoundaryError(
            f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", source=source
        ) from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        kind = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise BoundaryError(f"expected a GeoJSON FeatureCollection, got {kind!r}", source=source)
    features = doc.get("features")
    if not isinstance(features, list):
        raise BoundaryError("FeatureCollection has no 'features' list", source=source)
    raw: list[RawFeature] = []
    for i, feat in enumerate(features):
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            raise BoundaryError("not a GeoJSON Feature", source=source, index=i)
        props = feat.get("properties") or {}
        if not isinstance(props, dict):
            raise BoundaryError("'properties' is not an object", source=source, index=i)
        geom = feat.get("geometry")
        raw.append((geom if isinstance(geom, dict) else None, props))
    return raw


def _read_shapefile(path: Path) -> list[RawFeature]:
    import shapefile  # pyshp

    try:
        reader = shapefile.Reader(str(path), encoding="utf-8")
    except Exception as exc:  # pyshp fails with struct.error, ShapefileException, OSError ...
        raise BoundaryError(f"cannot read Shapefile: {exc or type(exc).__name__}", source=str(path)) from exc
    raw: list[RawFeature] = []
    with reader:
        for i, rec in enumerate(reader.iterShapeRecords()):
            try:
                geo = rec.shape.__geo_interface__
            except Exception as exc:  # pyshp raises plain Exceptions on odd shapes
                raise BoundaryError(f"unreadable shape: {exc}", source=str(path), index=i) from exc
            raw.append((dict(geo), rec.record.as_dict()))
    return raw


# --- validation and repair -----------------------------------------------------------------------


def _pick(props: dict[str, Any], names: Sequence[str]) -> Any:
    for n in names:
        if n in props and props[n] is not None and props[n] != "":
            return props[n]
    return None


def _as_code(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("code", value.get("adcode"))
        if value is None:
            return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def polygonal_part(geometry: shapely.Geometry) -> shapely.MultiPolygon:
    """The polygons of ``geometry`` as one MultiPolygon (lines and points dropped)."""
    parts = [g for g in shapely.get_parts(geometry) if g.geom_type in POLYGONAL]
    polys: list[shapely.Polygon] = []
    for g in parts:
        polys.extend(g.geoms if g.geom_type == "MultiPolygon" else [g])
    polys = [p for p in polys if not p.is_empty]
    return shapely.MultiPolygon(polys)


def build_features(
    raw: Iterable[RawFeature],
    *,
    datum: Datum | str,
    mapping: FieldMapping,
    repair_threshold: float,
    source: str,
) -> BoundaryFile:
    features: list[BoundaryFeature] = []
    repairs: list[Repair] = []
    seen: dict[str, int] = {}
    for i, (geom, props) in enumerate(raw):
        code = _as_code(_pick(props, mapping.code))
        name_value = _pick(props, mapping.name)
        name = str(name_value) if name_value is not None else ""
        parent = _as_code(_pick(props, mapping.parent_code))

        def fail(problem: str, index: int = i, c: str | None = code, n: str = name) -> BoundaryError:
            return BoundaryError(problem, source=source, index=index, code=c, name=n)

        if code is None:
            raise fail(f"no code property (looked for {', '.join(mapping.code)})")
        if code in seen:
            raise fail(f"duplicate code, already used by feature #{seen[code]}")
        seen[code] = i
        if geom is None:
            raise fail("has no geometry")
        gtype = geom.get("type")
        if gtype not in POLYGONAL:
            raise fail(f"geometry type {gtype}, expected Polygon or MultiPolygon")
        try:
            outline = shapely.force_2d(shape(geom))
        except (ValueError, TypeError, KeyError, IndexError, shapely.errors.GEOSException) as exc:
            raise fail(f"malformed coordinates: {exc}") from exc
        if outline.is_empty:
            raise fail("empty geometry")
        minx, miny, maxx, maxy = outline.bounds
        if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
            raise fail("coordinates are not finite numbers")
        if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
            raise fail("coordinates are not longitude/latitude degrees (projected file?)")
        outline = geometry_to_wgs84(outline, datum)
        if not shapely.is_valid(outline):
            reason = shapely.is_valid_reason(outline)
            fixed = polygonal_part(shapely.make_valid(outline))
            before = area_m2(outline)
            after = area_m2(fixed)
            if fixed.is_empty or after == 0.0:
                raise fail(f"invalid outline ({reason}) cannot be repaired: nothing polygonal remains")
            change = abs(after - before) / before if before > 0 else math.inf
            if change > repair_threshold:
                raise fail(
                    f"invalid outline ({reason}) cannot be repaired safely: the repair would change "
                    f"its area by {change:.1%} (limit {repair_threshold:.1%})"
                )
            parts = int(shapely.get_num_geometries(outline))
            repairs.append(Repair(i, code, name, reason, before, after, parts, len(fixed.geoms)))
            outline = fixed
        multi = polygonal_part(outline)
        features.append(BoundaryFeature(i, code, name, parent, multi, dict(props)))
    if not features:
        raise BoundaryError("file holds no features", source=source)
    return BoundaryFile(features, repairs)


# --- child within parent -------------------------------------------------------------------------


def share_outside(child: shapely.Geometry, parent: shapely.Geometry) -> float:
    """Share of the child's area outside the parent, in a local metric frame at the child."""
    metric = LocalMetric.around(child)
    c = metric.forward(child)
    total = float(shapely.area(c))
    if total == 0.0:
        return 0.0
    outside = float(shapely.area(shapely.difference(c, metric.forward(parent))))
    return outside / total


def check_within_parents(
    children: Sequence[BoundaryFeature],
    parents: dict[str, shapely.Geometry],
    *,
    tolerance: float = DEFAULT_CONTAINMENT_TOLERANCE,
    source: str = "",
) -> list[Containment]:
    """Check each child lies within its parent; raise naming the first child that does not.

    ``parents`` maps parent code → outline (WGS-84). A child without a parent code, or whose parent
    is unknown, is an error too: it would hang loose in the hierarchy.
    """
    results: list[Containment] = []
    for child in children:

        def fail(problem: str, c: BoundaryFeature = child) -> BoundaryError:
            return BoundaryError(problem, source=source, index=c.index, code=c.code, name=c.name)

        if child.parent_code is None:
            raise fail("has no parent code")
        parent = parents.get(child.parent_code)
        if parent is None:
            raise fail(f"parent {child.parent_code} is unknown")
        share = share_outside(child.geometry, parent)
        if share > tolerance:
            raise fail(f"lies {share:.2%} outside its parent {child.parent_code} (tolerance {tolerance:.2%})")
        results.append(Containment(child.code, child.parent_code, share))
    return results
