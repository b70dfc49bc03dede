"""Small synthetic grid sets for router tests (the demo city is tested separately)."""

from __future__ import annotations

import numpy as np
import shapely

from geo.router import Area, Division, GridRecord

REGION = (126.50, 43.80, 126.56, 43.85)
RIVER = shapely.box(126.527, 43.80, 126.533, 43.85)  # a 480 m wide N-S band with no grids


def voronoi_grids(n: int = 300, seed: int = 7) -> list[GridRecord]:
    """Voronoi cells clipped to REGION minus RIVER, shuffled codes, with a small gap punched in."""
    rng = np.random.default_rng(seed)
    region = shapely.box(*REGION)
    land = region.difference(RIVER)
    pts = shapely.multipoints(
        np.column_stack([rng.uniform(REGION[0], REGION[2], n), rng.uniform(REGION[1], REGION[3], n)])
    )
    cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=region))
    cells = [c for c in shapely.intersection(cells, land) if not c.is_empty]
    gap = shapely.Point(126.510, 43.820).buffer(0.0008)  # ~65-90 m radius hole between grids
    cells = [c.difference(gap) for c in cells]
    cells = [c for c in cells if not c.is_empty]
    codes = [f"220204001001{k:03d}" for k in rng.permutation(len(cells))]
    return [record(code, cell) for code, cell in zip(codes, cells, strict=True)]


def box_lattice(nx: int = 6, ny: int = 5, size: float = 0.004) -> list[GridRecord]:
    """Axis-aligned boxes with exactly shared edges; codes run west→east, north→south."""
    records = []
    for j in range(ny):
        for i in range(nx):
            x0 = 126.5 + i * size
            y0 = 43.85 - (j + 1) * size
            records.append(
                record(f"220204001002{j * nx + i + 1:03d}", shapely.box(x0, y0, x0 + size, y0 + size))
            )
    return records


def record(code: str, geometry: shapely.Geometry) -> GridRecord:
    return GridRecord(
        code=code,
        name=f"网格{code[-3:]}",
        geometry=geometry,
        community=Division(code[:12], "测试社区"),
        street=Division(code[:9] + "000", "测试街道"),
        district=Division(code[:6], "船营区"),
    )


def coarse_layers() -> tuple[list[Area], list[Area]]:
    """Two streets split at the river's middle, one district over the whole region."""
    west = shapely.box(REGION[0], REGION[1], 126.53, REGION[3])
    east = shapely.box(126.53, REGION[1], REGION[2], REGION[3])
    streets = [Area("220204001000", "西街道", west), Area("220204002000", "东街道", east)]
    districts = [Area("220204", "船营区", shapely.box(*REGION))]
    return streets, districts


def brute_force(records: list[GridRecord], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Reference: position of the smallest-code grid that covers each point, -1 when none."""
    order = sorted(range(len(records)), key=lambda k: records[k].code)
    best = np.full(x.size, -1, dtype=np.int64)
    points = shapely.points(x, y)
    for k in reversed(order):  # smallest code written last wins
        covers = shapely.covers(records[k].geometry, points)
        best[covers] = k
    return best
