"""Seeded tilings: cut an area into pieces that cover it without gaps or overlaps.

The demo city's streets, communities and grids are Voronoi cells of seeded points, clipped to their
parent. Voronoi cells share their edges exactly, and each is clipped against the same parent outline,
so the pieces tile the parent up to floating-point noise. All randomness comes from the
``numpy.random.Generator`` passed in: the same seed gives byte-identical pieces.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import shapely

from geo.crs import LocalMetric

FloatArray = npt.NDArray[np.float64]


def polygons_of(geometry: shapely.Geometry) -> list[shapely.Polygon]:
    """The non-empty polygons inside any geometry (lines, points and empties dropped)."""
    out: list[shapely.Polygon] = []
    for part in shapely.get_parts(geometry):
        if part.geom_type == "Polygon" and not part.is_empty:
            out.append(part)
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            out.extend(polygons_of(part))
    return out


def as_multipolygon(geometry: shapely.Geometry) -> shapely.MultiPolygon:
    return shapely.MultiPolygon(polygons_of(geometry))


def random_points_in(area: shapely.Geometry, n: int, rng: np.random.Generator) -> FloatArray:
    """``n`` uniform random points inside ``area`` (rejection sampling, deterministic per rng)."""
    minx, miny, maxx, maxy = area.bounds
    shapely.prepare(area)
    found: list[FloatArray] = []
    have = 0
    while have < n:
        batch = max(64, 4 * (n - have))
        xy = np.column_stack([rng.uniform(minx, maxx, batch), rng.uniform(miny, maxy, batch)])
        inside = xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])]
        found.append(inside)
        have += len(inside)
    return np.concatenate(found)[:n]


def jittered_lattice_in(area: shapely.Geometry, spacing_m: float, rng: np.random.Generator) -> FloatArray:
    """Points on a jittered square lattice (``spacing_m`` apart) that fall inside ``area``."""
    metric = LocalMetric.around(area)
    minx, miny, maxx, maxy = area.bounds
    sx, sy = spacing_m / metric.kx, spacing_m / metric.ky
    xs = np.arange(minx + sx / 2, maxx, sx)
    ys = np.arange(miny + sy / 2, maxy, sy)
    gx, gy = np.meshgrid(xs, ys)
    gx = gx.ravel() + rng.uniform(-0.3, 0.3, gx.size) * sx
    gy = gy.ravel() + rng.uniform(-0.3, 0.3, gy.size) * sy
    shapely.prepare(area)
    keep = shapely.contains_xy(area, gx, gy)
    pts = np.column_stack([gx[keep], gy[keep]])
    if len(pts) == 0:
        pts = np.array([[area.representative_point().x, area.representative_point().y]])
    return pts


def voronoi_clip(area: shapely.Geometry, seeds: FloatArray) -> list[shapely.Geometry]:
    """Voronoi cells of ``seeds`` (in seed order) clipped to ``area``; one piece per seed."""
    if len(seeds) == 1:
        return [area]
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=area, ordered=True)
    parts = shapely.get_parts(cells)
    return list(shapely.intersection(parts, area))


def relaxed_partition(area: shapely.Geometry, seeds: FloatArray, rounds: int = 2) -> list[shapely.Geometry]:
    """Voronoi partition after ``rounds`` of Lloyd relaxation (evens out the piece sizes).

    A seed whose cell's centroid falls outside a concave area moves to a point on the cell instead,
    so no piece ever comes out empty.
    """
    shapely.prepare(area)
    for _ in range(rounds):
        cells = voronoi_clip(area, seeds)
        moved = []
        for cell, seed in zip(cells, seeds, strict=True):
            if cell.is_empty:
                moved.append(seed)
                continue
            c = cell.centroid
            p = c if area.contains(c) else cell.representative_point()
            moved.append(np.array([p.x, p.y]))
        seeds = np.array(moved)
    return voronoi_clip(area, seeds)


def tidy(pieces: list[shapely.Geometry], min_area: float) -> list[shapely.Geometry]:
    """Split multi-part pieces and merge parts smaller than ``min_area`` (deg²) into a neighbour.

    A small part joins the neighbour it shares the longest boundary with; an isolated small part (an
    island cut off by the river) joins the nearest piece as an extra polygon. The pieces still tile
    exactly what they tiled before.
    """
    parts = [p for piece in pieces for p in polygons_of(piece)]
    big = [p for p in parts if p.area >= min_area]
    small = sorted((p for p in parts if p.area < min_area), key=lambda p: (-p.area, p.bounds))
    if not big:
        return list(parts)
    merged: list[shapely.Geometry] = list(big)
    tree = shapely.STRtree(big)
    for part in small:
        near = sorted(int(k) for k in tree.query(part, predicate="intersects"))
        best, best_len = -1, 0.0
        for k in near:
            shared = shapely.length(shapely.intersection(part.boundary, big[k].boundary))
            if shared > best_len:
                best, best_len = k, float(shared)
        if best < 0:
            best = int(tree.query_nearest(part, all_matches=False)[0])
            merged[best] = shapely.MultiPolygon([*polygons_of(merged[best]), part])
        else:
            merged[best] = shapely.union(merged[best], part)
    result = merged
    return [
        shapely.MultiPolygon(polygons_of(g)) if len(polygons_of(g)) > 1 else polygons_of(g)[0] for g in result
    ]


def reading_order(pieces: list[shapely.Geometry], band_deg: float) -> list[int]:
    """Indices sorted north→south in latitude bands of ``band_deg``, west→east within a band."""
    keys = []
    for k, p in enumerate(pieces):
        rp = p.representative_point()
        keys.append((-math.floor(rp.y / band_deg), rp.x, k))
    return [k for _, _, k in sorted(keys)]
