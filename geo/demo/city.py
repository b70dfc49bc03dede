"""Build the whole demo city from a seed (deterministic: same seed, byte-identical outlines)."""

from __future__ import annotations

from geo.demo.divisions import build_divisions
from geo.demo.model import DemoCity, Progress, no_progress
from geo.demo.units import make_units

DEFAULT_SEED = 20240607


def build_demo_city(seed: int = DEFAULT_SEED, progress: Progress = no_progress) -> DemoCity:
    """Jilin City for demos and benchmarks: real districts, generated everything below.

    ``progress(stage, done, total)`` is called as the stages advance (districts, streets,
    communities, grids, units) so a CLI can show a progress display.
    """
    districts, streets, communities, grids, river, repairs = build_divisions(seed, progress)
    progress("units", 0, 1)
    units = make_units(districts, streets)
    progress("units", 1, 1)
    return DemoCity(seed, districts, streets, communities, grids, river, units, repairs)
