"""Intake benchmark (issue 4). Run: `.venv/bin/python -m bench.intake` from the repository root.

Phase 1 (this file today) measures the CPU cost of one 12 MP JPEG from bytes to stored derivatives
and its floor, a bare draft decode (see `bench.intake_cpu`). The HTTP figures the issue also names
(`uploads_per_s`, `p50_ms`, `p99_ms`, `floor_uploads_per_s`) are measured by the intake endpoint's
work, which adds its measurements to `main()`'s `figures` dict; until then they are absent from the
JSON line, and the printout says so.
"""

from __future__ import annotations

import argparse
import json

from bench.intake_cpu import make_test_jpeg, measure_cpu

CPU_TARGET_MS = 60.0
RATIO_TARGET = 1.6


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
    return {"cpu_ms_per_12mp_photo": cpu.cpu_ms_per_12mp_photo, "bare_decode_ms": cpu.bare_decode_ms}


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="repetitions per figure (median)")
    args = parser.parse_args(argv)
    figures: dict[str, float] = {}
    figures.update(cpu_part(runs=args.runs))
    print("HTTP figures (uploads_per_s, p50_ms, p99_ms, floor_uploads_per_s): not measured yet (phase 2)")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
