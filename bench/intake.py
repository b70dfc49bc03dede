"""Intake benchmark (issue 4). Run: `.venv/bin/python -m bench.intake` from the repository root
(`--quick` for a shorter run; `--cpu-only` for the CPU part alone).

1. CPU: one 12 MP JPEG from bytes to stored derivatives, and its floor, a bare draft decode of the same
   file at the derivative's scale, alternating in the same run (`bench.intake_cpu`).
2. HTTP (`bench.intake_http`): a fresh database (migrated, demo city) that the run creates and drops,
   uvicorn with 2 workers, the load generator (httpx in threads) in the same process as this script:
   `uploads_per_s` with 16 concurrent clients, `p50_ms`/`p99_ms` at an offered 10 uploads/s, and
   `floor_uploads_per_s`, the same 16 clients sending the same uploads to an endpoint that only
   authenticates and reads the body.

1b. CPU of the same photo as the reporter app prepares it on the phone (2048×1536, JPEG 0.85, EXIF kept:
   `bench.intake_cpu.make_prepared_jpeg`), against a bare full decode of that file (target ≤ 15 ms).

The last line is a JSON object with `cpu_ms_per_12mp_photo`, `bare_decode_ms`,
`cpu_ms_per_prepared_photo`, `prepared_bare_decode_ms`, `uploads_per_s`, `p50_ms`, `p99_ms`,
`floor_uploads_per_s`.
"""

from __future__ import annotations

import argparse
import json

from bench.intake_cpu import make_prepared_jpeg, make_test_jpeg, measure_cpu, measure_prepared

CPU_TARGET_MS = 60.0
PREPARED_TARGET_MS = 15.0
RATIO_TARGET = 1.6
UPLOADS_TARGET = 20.0
P99_TARGET_MS = 500.0


def cpu_part(*, runs: int) -> dict[str, float]:
    data = make_test_jpeg()
    cpu = measure_cpu(data, runs=runs)
    print(f"test photo: 4000×3000 JPEG, {cpu.photo_bytes / 1e6:.2f} MB, EXIF GPS; median of {runs} runs")
    print(
        f"display derivative: {cpu.display_size[0]}×{cpu.display_size[1]} (JPEG draft scale 1/{cpu.draft_scale})"
    )
    print(f"bare draft decode at 1/{cpu.draft_scale}: {cpu.bare_decode_ms:.1f} ms CPU (floor)")
    print(
        f"pipeline bytes → stored derivatives: {cpu.cpu_ms_per_12mp_photo:.1f} ms CPU "
        f"(target ≤ {CPU_TARGET_MS:.0f} ms: {'met' if cpu.cpu_ms_per_12mp_photo <= CPU_TARGET_MS else 'NOT met'})"
    )
    print(
        f"ratio to floor: {cpu.ratio:.2f}× (target ≤ {RATIO_TARGET}×: {'met' if cpu.ratio <= RATIO_TARGET else 'NOT met'})"
    )
    prepared = measure_prepared(make_prepared_jpeg(data), runs=runs)
    met = "met" if prepared.cpu_ms_per_prepared_photo <= PREPARED_TARGET_MS else "NOT met"
    print(
        f"prepared on the phone: {prepared.size[0]}×{prepared.size[1]} JPEG, {prepared.photo_bytes / 1e3:.0f} KB "
        f"({cpu.photo_bytes / prepared.photo_bytes:.1f}× fewer bytes than the 12 MP original); "
        f"display derivative {prepared.display_bytes / 1e3:.0f} KB (no resize, no re-encode)"
    )
    print(
        f"pipeline bytes → stored derivatives, prepared photo: {prepared.cpu_ms_per_prepared_photo:.1f} ms CPU "
        f"(target ≤ {PREPARED_TARGET_MS:.0f} ms: {met}); {prepared.ratio:.2f}× a bare full decode of it "
        f"({prepared.bare_decode_ms:.1f} ms, floor); "
        f"{cpu.cpu_ms_per_12mp_photo / prepared.cpu_ms_per_prepared_photo:.1f}× less than the 12 MP original"
    )
    return {
        "cpu_ms_per_12mp_photo": cpu.cpu_ms_per_12mp_photo,
        "bare_decode_ms": cpu.bare_decode_ms,
        "cpu_ms_per_prepared_photo": prepared.cpu_ms_per_prepared_photo,
        "prepared_bare_decode_ms": prepared.bare_decode_ms,
    }


def http_part(
    *, clients: int, uploads: int, rate: float, open_uploads: int, workers: int
) -> dict[str, float]:
    from bench.intake_http import (
        SINK_PATH,
        Uploader,
        bench_server,
        closed_loop,
        open_loop,
        percentile_ms,
        photo_variants,
        summary_ms,
    )
    from bench.load import SECRET, seed_accounts
    from tests.support import databases

    base_photo = make_test_jpeg()
    template = databases.create_template()
    url = databases.clone(template, prefix="whistle_intake_bench")
    try:
        tokens, _ = seed_accounts(url, 32, 0)
        with bench_server(database_url=url, secret=SECRET, workers=workers) as base:
            print(
                f"uvicorn × {workers} workers at {base}; fresh database with the demo city; {clients} clients"
            )
            photos = photo_variants(base_photo)
            warm = Uploader(base, tokens, photos)
            closed_loop(warm, clients=4, uploads=8)  # imports, pools, router cache in both workers

            floor = Uploader(base, tokens, photos, path=SINK_PATH)
            floor_rate = closed_loop(floor, clients=clients, uploads=uploads)
            intake = Uploader(base, tokens, photos)
            upload_rate = closed_loop(intake, clients=clients, uploads=uploads)
            paced = Uploader(base, tokens, photos)
            latencies = open_loop(paced, rate=rate, uploads=open_uploads)
            failures = warm.failures + floor.failures + intake.failures + paced.failures
        stored = count_reports(url)
    finally:
        databases.drop(url)
        databases.drop(template)
    if failures:
        raise SystemExit(f"{len(failures)} uploads failed, e.g. {failures[:3]}")
    p50, p99 = percentile_ms(latencies, 0.5), percentile_ms(latencies, 0.99)
    print(f"photo per report: {len(base_photo) / 1e6:.2f} MB 12 MP JPEG (pixel-distinct per report)")
    print(f"floor (auth + read the multipart body, {clients} clients): {floor_rate:.1f} uploads/s")
    print(
        f"intake ({clients} clients, closed loop, {uploads} reports): {upload_rate:.1f} uploads/s "
        f"= {upload_rate / floor_rate:.2f}× the floor (target ≥ {UPLOADS_TARGET:.0f}/s: "
        f"{'met' if upload_rate >= UPLOADS_TARGET else 'NOT met'})"
    )
    print(
        f"offered {rate:g} uploads/s open loop ({open_uploads} reports): {summary_ms(latencies)} "
        f"(target p99 ≤ {P99_TARGET_MS:.0f} ms: {'met' if p99 <= P99_TARGET_MS else 'NOT met'})"
    )
    print(f"reports stored: {stored}")
    return {
        "uploads_per_s": round(upload_rate, 2),
        "p50_ms": p50,
        "p99_ms": p99,
        "floor_uploads_per_s": round(floor_rate, 2),
    }


def count_reports(url: str) -> int:
    """The stored reports of the bench database (a sanity check that the work was really done)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        count = int(conn.scalar(text("SELECT count(*) FROM reports")) or 0)
    engine.dispose()
    return count


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="repetitions per CPU figure (median)")
    parser.add_argument("--quick", action="store_true", help="fewer runs and uploads")
    parser.add_argument("--cpu-only", action="store_true", help="skip the HTTP part")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--uploads", type=int, default=320, help="reports per closed-loop measurement")
    parser.add_argument("--rate", type=float, default=10.0, help="offered uploads/s of the latency run")
    parser.add_argument("--open-uploads", type=int, default=300, help="reports of the latency run")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.uploads, args.open_uploads = 8, 96, 100
    figures: dict[str, float] = {}
    figures.update(cpu_part(runs=args.runs))
    if not args.cpu_only:
        figures.update(
            http_part(
                clients=args.clients,
                uploads=args.uploads,
                rate=args.rate,
                open_uploads=args.open_uploads,
                workers=args.workers,
            )
        )
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
