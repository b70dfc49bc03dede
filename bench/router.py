"""Router benchmark (issue 3). Run: `.venv/bin/python -m bench.router` from the repository root.

Phase 1 (this file today) measures the in-process router on the demo city: batch points/s over
1,000,000 random points in the urban bounding box, and the median µs of one `Router.route` call.
Targets (DESIGN.md §9): ≥ 500,000 points/s in batch, ≤ 20 µs per single call. As an in-process
reference it also measures a plain shapely STRtree query over the same grids (what the router would
cost without its raster). The floor the issue names, PostGIS `ST_Covers` lookups/s measured in the
same run (`postgis_lookups_per_s`), is added in phase 2 with the database; until then it is absent
from the JSON line, and the printout says so.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
import shapely

from geo.demo import build_demo_city
from geo.router import Router

URBAN_BBOX = (126.41, 43.76, 126.70, 43.97)
BATCH_TARGET = 500_000.0
SINGLE_TARGET_US = 20.0


def random_points(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(URBAN_BBOX[0], URBAN_BBOX[2], n), rng.uniform(URBAN_BBOX[1], URBAN_BBOX[3], n)


def measure_batch(router: Router, x: np.ndarray, y: np.ndarray, runs: int) -> float:
    router.route_many(x[:10_000], y[:10_000])  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        router.route_many(x, y)
        times.append(time.perf_counter() - t0)
    return x.size / statistics.median(times)


def measure_single(router: Router, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Median and 99th percentile of one `route` call, in µs (timer overhead included)."""
    xs, ys = x.tolist(), y.tolist()
    for k in range(1000):
        router.route(xs[k], ys[k])
    clock = time.perf_counter_ns
    samples = []
    for a, b in zip(xs, ys, strict=True):
        t0 = clock()
        router.route(a, b)
        samples.append(clock() - t0)
    samples.sort()
    return samples[len(samples) // 2] / 1000.0, samples[int(len(samples) * 0.99)] / 1000.0


def measure_strtree(router: Router, x: np.ndarray, y: np.ndarray) -> float:
    tree = shapely.STRtree([g.geometry for g in router.grids])
    t0 = time.perf_counter()
    tree.query(shapely.points(x, y), predicate="intersects")
    return x.size / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000, help="batch size")
    parser.add_argument("--single", type=int, default=50_000, help="single calls timed")
    parser.add_argument("--runs", type=int, default=5, help="batch repetitions (median)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random points")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    city = build_demo_city()
    demo_s = time.perf_counter() - t0
    print(
        f"demo city: {len(city.streets)} streets, {len(city.communities)} communities, "
        f"{len(city.grids)} grids, {len(city.units)} units; generated in {demo_s:.2f} s"
    )
    t0 = time.perf_counter()
    router = Router(
        city.grid_records(),
        communities=[c.area() for c in city.communities],
        streets=[s.area() for s in city.streets],
        districts=[d.area() for d in city.districts],
    )
    index_s = time.perf_counter() - t0
    stats = router.stats
    print(
        f"router index (grids + 3 coarse layers) built in {index_s:.2f} s; grid raster "
        f"{stats['cells']:,.0f} cells of {stats['cell_m']:.1f} m"
    )

    x, y = random_points(args.points, args.seed)
    batch = measure_batch(router, x, y, args.runs)
    routed = router.route_many(x, y)
    share = float(np.mean(routed.grid >= 0))
    direct = router.direct_share(x, y)
    print(
        f"batch: {batch:,.0f} points/s over {args.points:,} random points in the urban bbox "
        f"({share:.0%} land in a grid, {direct:.0%} answered by the raster alone) — target ≥ {BATCH_TARGET:,.0f}: {'met' if batch >= BATCH_TARGET else 'NOT met'}"
    )
    sx, sy = random_points(args.single, args.seed + 1)
    single_us, single_p99 = measure_single(router, sx, sy)
    print(
        f"single call: median {single_us:.2f} µs, p99 {single_p99:.2f} µs over {args.single:,} calls "
        f"— target ≤ {SINGLE_TARGET_US:.0f} µs: {'met' if single_us <= SINGLE_TARGET_US else 'NOT met'}"
    )
    tree = measure_strtree(router, x, y)
    print(
        f"in-process reference, plain STRtree query: {tree:,.0f} points/s (router is {batch / tree:.1f}× that)"
    )
    print(
        "floor postgis_lookups_per_s (ST_Covers with GiST, same run): pending — added in phase 2 with the database"
    )
    figures = {
        "batch_points_per_s": round(batch),
        "single_call_us": round(single_us, 3),
        "single_call_p99_us": round(single_p99, 3),
        "strtree_points_per_s": round(tree),
        "demo_generation_s": round(demo_s, 3),
        "index_build_s": round(index_s, 3),
        "grids": len(city.grids),
        "communities": len(city.communities),
        "streets": len(city.streets),
    }
    print(json.dumps(figures))
    return {k: float(v) for k, v in figures.items()}


if __name__ == "__main__":
    main()
