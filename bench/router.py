"""Router benchmark (issue 3). Run: `.venv/bin/python -m bench.router` from the repository root.

Measures the in-process router on the demo city: batch points/s over 1,000,000 random points in the
urban bounding box, and the median µs of one `Router.route` call. Targets (DESIGN.md §9): ≥ 500,000
points/s in batch, ≤ 20 µs per single call. The floor to beat, measured in the same run, is PostGIS:
the reference query of `service.geography.reference` (`ST_Covers` with the GiST index, then the
geodesic snap), one prepared statement per point over 2,000 points, against the demo city loaded into
a throwaway database that the run creates and drops (server: WHISTLE_BENCH_SERVER_URL, else the
server of `make test`, else WHISTLE_DATABASE__URL's). It also times the service's `route()` (revision
check + cached router + units) and a plain shapely STRtree query as in-process references.

Last line: a JSON object with `batch_points_per_s`, `single_call_us`, `postgis_lookups_per_s`, ….
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import time
from pathlib import Path

import numpy as np
import shapely

from geo.demo import DemoCity, build_demo_city
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


def server_url() -> str:
    """The PostgreSQL server to create the throwaway database on."""
    from service.settings import PROJECT_ROOT, get_settings, normalise_database_url

    if url := os.environ.get("WHISTLE_BENCH_SERVER_URL"):
        return normalise_database_url(url)
    env_file = Path(PROJECT_ROOT) / ".whistle" / "server.env"
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            if line.startswith("WHISTLE_SERVER_URL="):
                return normalise_database_url(line.split("=", 1)[1].strip())
    return get_settings().database.url


def measure_postgis(city: DemoCity, x: np.ndarray, y: np.ndarray) -> tuple[float, float, int]:
    """PostGIS reference lookups/s and the service's route() µs, on a throwaway database."""
    from sqlalchemy import make_url, text

    from service.db import admin
    from service.db.migrate import upgrade
    from service.db.session import open_database
    from service.geography.demo import load_demo_city
    from service.geography.reference import reference_route
    from service.geography.routing import route
    from service.settings import DatabaseSettings

    url = make_url(server_url()).set(database=f"whistle_bench_{os.getpid()}_{secrets.token_hex(3)}")
    url_text = url.render_as_string(hide_password=False)
    admin.create_database(url_text)
    try:
        admin.enable_postgis(url_text)
        upgrade(url_text)
        db = open_database(DatabaseSettings(url=url_text, statement_timeout_ms=600_000))
        try:
            with db.session() as session:
                t0 = time.perf_counter()
                load_demo_city(session=session, city=city)
                session.commit()
                print(f"demo city stored in a throwaway database in {time.perf_counter() - t0:.2f} s")
                session.execute(text("ANALYZE"))
                xs, ys = x.tolist(), y.tolist()
                for k in range(50):  # warm-up: plans prepared, caches hot
                    reference_route(session=session, lon=xs[k], lat=ys[k])
                t0 = time.perf_counter()
                for a, b in zip(xs, ys, strict=True):
                    reference_route(session=session, lon=a, lat=b)
                postgis = len(xs) / (time.perf_counter() - t0)
                route(session=session, lon=xs[0], lat=ys[0], category_code="0202")  # builds the cached router
                n = min(len(xs), 1000)
                t0 = time.perf_counter()
                for a, b in zip(xs[:n], ys[:n], strict=True):
                    route(session=session, lon=a, lat=b, category_code="0202")
                service_us = (time.perf_counter() - t0) / n * 1e6
                session.rollback()
        finally:
            db.dispose()
    finally:
        admin.drop_database(url_text)
    return postgis, service_us, len(x)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000, help="batch size")
    parser.add_argument("--single", type=int, default=50_000, help="single calls timed")
    parser.add_argument("--runs", type=int, default=5, help="batch repetitions (median)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random points")
    parser.add_argument("--postgis-points", type=int, default=2_000, help="points looked up in PostGIS")
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
    px, py = random_points(args.postgis_points, args.seed + 2)
    postgis, service_us, n_postgis = measure_postgis(city, px, py)
    print(
        f"floor: PostGIS reference (ST_Covers + GiST, geodesic snap; prepared, one point per query) "
        f"{postgis:,.0f} lookups/s over {n_postgis:,} points"
    )
    print(
        f"ratios: batch {batch / postgis:,.0f}× PostGIS; single call {1e6 / single_us / postgis:,.0f}× PostGIS; "
        f"service route() with units {service_us:.0f} µs/call ({1e6 / service_us / postgis:,.1f}× PostGIS)"
    )
    figures = {
        "batch_points_per_s": round(batch),
        "single_call_us": round(single_us, 3),
        "postgis_lookups_per_s": round(postgis, 1),
        "batch_vs_postgis": round(batch / postgis, 1),
        "single_vs_postgis": round(1e6 / single_us / postgis, 1),
        "service_route_us": round(service_us, 1),
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
