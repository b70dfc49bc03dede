"""The demo city's divisions: real districts, generated streets, communities, grids and river.

Facts kept real: the 9 district outlines (GCJ-02, converted; 舒兰市 repaired on the way), every
street/town code and name of ``divisions.csv``, and the communities the newspaper account names, in
their real streets. Everything else is generated from the seed and marked demo:

* An irregular urban zone (~10 km around the core at 126.553 E, 43.862 N, WGS-84) holds the
  subdistricts (街道) of the four urban districts; their towns, townships and zones share the rest.
  舒兰市北城街道 is a small urban zone around 舒兰's centre; the listed pilot towns get a zone around
  a fixed anchor. Every other part of a county is one placeholder division (code ``<county>990000``,
  outside GB/T 10114's ranges, so it can never collide with a real code).
* Communities (社区, codes ``<street 9>001…``) tile the land of urban streets; villages (村, codes
  ``<street 9>201…``) tile towns. Grids (codes ``<community 12>001…``, numbered north→south,
  west→east) tile every urban community. None of them covers the river; streets and districts do.
"""

from __future__ import annotations

import csv
import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from geo.boundaries import read_boundaries
from geo.crs import Datum, LocalMetric, area_m2
from geo.demo.model import DemoDivision, DemoFeature, Progress
from geo.demo.names import community_names, village_names
from geo.demo.tiling import (
    as_multipolygon,
    jittered_lattice_in,
    random_points_in,
    reading_order,
    relaxed_partition,
    tidy,
    voronoi_clip,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "jilin"
DISTRICTS_FILE = DATA / "districts-220200.gcj02.geojson"
DIVISIONS_FILE = DATA / "divisions.csv"

URBAN_DISTRICTS = ("220202", "220203", "220204", "220211")
URBAN_CENTRE = (126.553, 43.862)
URBAN_RADIUS_M = 10_000.0
# County-level anchors (WGS-84) for the listed streets outside the urban districts: (code, lon, lat, m).
ANCHORS = {
    "220283001000": (126.9421, 44.4087, 2_000.0),  # 舒兰市北城街道, around 舒兰's centre
    "220221100000": (126.4959, 43.6652, 9_000.0),  # 永吉县口前镇, the county seat
    "220281101000": (127.0800, 43.6100, 9_000.0),  # 蛟河市天岗镇 (demo position)
}
PLACEHOLDER_STREET = "990"
COMMUNITY_KM2 = 1.2
VILLAGE_KM2 = 60.0
GRID_SPACING_M = 340.0
MIN_GRID_KM2 = 0.04
MIN_COMMUNITY_KM2 = 0.1
RIVER_HALF_WIDTH_M = 150.0
# The simplified Songhua: in from Fengman (south-east), along the 丰满/船营 line, north past 龙潭.
RIVER_PATH = [
    (126.690, 43.745),
    (126.640, 43.790),
    (126.600, 43.826),
    (126.570, 43.836),
    (126.545, 43.838),
    (126.520, 43.848),
    (126.505, 43.868),
    (126.512, 43.895),
    (126.532, 43.920),
    (126.528, 43.950),
    (126.505, 43.985),
]

NAMED_COMMUNITIES = {
    "220204009000": "泰和社区",  # 临江街道, 船营区
    "220204002000": "怀德社区",  # 南京街道, 船营区
    "220211002000": "长江社区",  # 江南街道, 丰满区
    "220203001000": "新村社区",  # 龙华街道, 龙潭区
    "220202011000": "新邑西区社区",  # 新建街道, 昌邑区
    "220283001000": "正阳社区",  # 北城街道, 舒兰市
}


@dataclass(frozen=True)
class ListedDivision:
    code: str
    name: str
    level: str
    parent_code: str


def read_division_list(path: Path = DIVISIONS_FILE) -> list[ListedDivision]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            ListedDivision(r["code"], r["name"], r["level"], r["parent_code"]) for r in csv.DictReader(fh)
        ]


def km2_to_deg2(km2: float, metric: LocalMetric) -> float:
    return km2 * 1e6 / (metric.kx * metric.ky)


def chaikin(points: list[tuple[float, float]], rounds: int) -> list[tuple[float, float]]:
    for _ in range(rounds):
        out = [points[0]]
        for (x1, y1), (x2, y2) in itertools.pairwise(points):
            out.append((0.75 * x1 + 0.25 * x2, 0.75 * y1 + 0.25 * y2))
            out.append((0.25 * x1 + 0.75 * x2, 0.25 * y1 + 0.75 * y2))
        out.append(points[-1])
        points = out
    return points


def make_river(city: shapely.Geometry, rng: np.random.Generator) -> DemoFeature:
    """A sinuous band ~300 m wide through the urban core, clipped to the city."""
    jitter = rng.uniform(-0.002, 0.002, (len(RIVER_PATH), 2))
    jitter[0] = jitter[-1] = 0.0
    path = [(x + dx, y + dy) for (x, y), (dx, dy) in zip(RIVER_PATH, jitter, strict=True)]
    line = shapely.LineString(chaikin(path, 4))
    metric = LocalMetric(*URBAN_CENTRE)
    band = metric.inverse(shapely.buffer(metric.forward(line), RIVER_HALF_WIDTH_M, quad_segs=4))
    river = as_multipolygon(shapely.intersection(band, city))
    return DemoFeature("demo-river-songhua", "松花江（示意）", "river", river)


def urban_zone(rng: np.random.Generator) -> shapely.Polygon:
    """An irregular blob around the urban core: radius varies ±25 % with the angle."""
    metric = LocalMetric(*URBAN_CENTRE)
    phase = rng.uniform(0, 2 * math.pi, 3)
    theta = np.linspace(0, 2 * math.pi, 180, endpoint=False)
    r = URBAN_RADIUS_M * (
        1
        + 0.12 * np.sin(2 * theta + phase[0])
        + 0.08 * np.sin(3 * theta + phase[1])
        + 0.05 * np.sin(5 * theta + phase[2])
    )
    ring = shapely.Polygon(np.column_stack([r * np.cos(theta), r * np.sin(theta)]))
    return metric.inverse(ring)


def anchor_zone(district: shapely.Geometry, lon: float, lat: float, radius_m: float) -> shapely.Geometry:
    metric = LocalMetric(lon, lat)
    centre = shapely.Point(lon, lat)
    if not district.contains(centre):
        centre = district.representative_point()
        metric = LocalMetric(centre.x, centre.y)
    disk = metric.inverse(shapely.buffer(metric.forward(centre), radius_m, quad_segs=16))
    return shapely.intersection(disk, district)


def partition_among(area: shapely.Geometry, count: int, rng: np.random.Generator) -> list[shapely.Geometry]:
    """``count`` pieces tiling ``area``, in reading order (north→south, west→east)."""
    if count == 1:
        return [area]
    seeds = random_points_in(area, count, rng)
    pieces = relaxed_partition(area, seeds, rounds=3)
    band = math.sqrt(max(area.area, 1e-12) / count)
    return [pieces[k] for k in reading_order(pieces, band)]


def make_streets(
    districts: list[DemoDivision], listed: list[ListedDivision], rng: np.random.Generator
) -> list[DemoDivision]:
    zone = urban_zone(rng)
    streets: list[DemoDivision] = []
    for d in districts:
        children = [s for s in listed if s.parent_code == d.code]
        urban = [s for s in children if s.level == "subdistrict"]
        rural = [s for s in children if s.level != "subdistrict"]
        pieces: list[tuple[ListedDivision | None, shapely.Geometry]] = []
        if d.code in URBAN_DISTRICTS:
            core = shapely.intersection(d.geometry, zone)
            rest = shapely.difference(d.geometry, zone)
            pieces += list(zip(urban, partition_among(core, len(urban), rng), strict=True))
            pieces += list(zip(rural, partition_among(rest, len(rural), rng), strict=True))
        else:
            rest = d.geometry
            for s in children:
                lon, lat, radius = ANCHORS[s.code]
                piece = anchor_zone(rest, lon, lat, radius)
                rest = shapely.difference(rest, piece)
                pieces.append((s, piece))
            pieces.append((None, rest))
        for listed_street, geom in pieces:
            if listed_street is None:
                code = d.code + PLACEHOLDER_STREET + "000"
                streets.append(
                    DemoDivision(
                        "street",
                        code,
                        f"{d.name}其他乡镇（演示）",
                        d.code,
                        "placeholder",
                        as_multipolygon(geom),
                    )
                )
            else:
                streets.append(
                    DemoDivision(
                        "street",
                        listed_street.code,
                        listed_street.name,
                        d.code,
                        listed_street.level,
                        as_multipolygon(geom),
                        True,
                        True,
                    )
                )
    return streets


def make_communities(
    street: DemoDivision, river: shapely.Geometry, rng: np.random.Generator
) -> list[DemoDivision]:
    if street.kind in ("placeholder",):
        return []
    land = shapely.difference(street.geometry, river)
    if land.is_empty:
        return []
    metric = LocalMetric.around(land)
    km2 = area_m2(land) / 1e6
    urban = street.kind == "subdistrict"
    count = max(3, round(km2 / COMMUNITY_KM2)) if urban else min(8, max(3, round(km2 / VILLAGE_KM2)))
    pieces = partition_among(land, count, rng)
    pieces = tidy(pieces, km2_to_deg2(MIN_COMMUNITY_KM2, metric))
    band = math.sqrt(land.area / max(len(pieces), 1))
    pieces = [pieces[k] for k in reading_order(pieces, band)]
    named = NAMED_COMMUNITIES.get(street.code)
    if urban:
        names = community_names(len(pieces), rng, reserved=named)
        if named is not None:
            centre = street.geometry.centroid
            nearest = min(range(len(pieces)), key=lambda k: pieces[k].representative_point().distance(centre))
            names[nearest] = named
        first, kind = 1, "community"
    else:
        names = village_names(len(pieces), rng)
        first, kind = 201, "village"
    out = []
    for k, (geom, name) in enumerate(zip(pieces, names, strict=True)):
        code = street.code[:9] + f"{first + k:03d}"
        out.append(
            DemoDivision(
                "community", code, name, street.code, kind, as_multipolygon(geom), False, name == named
            )
        )
    return out


def make_grids(community: DemoDivision, rng: np.random.Generator) -> list[DemoDivision]:
    area = community.geometry
    metric = LocalMetric.around(area)
    seeds = jittered_lattice_in(area, GRID_SPACING_M, rng)
    pieces = tidy(voronoi_clip(area, seeds), km2_to_deg2(MIN_GRID_KM2, metric))
    band = GRID_SPACING_M / metric.ky
    order = reading_order(pieces, band)
    out = []
    for seq, k in enumerate(order, start=1):
        code = community.code + f"{seq:03d}"
        out.append(
            DemoDivision(
                "grid",
                code,
                f"{community.name}{seq}号网格",
                community.code,
                "grid",
                as_multipolygon(pieces[k]),
            )
        )
    return out


def load_districts(listed: list[ListedDivision]) -> tuple[list[DemoDivision], list[str]]:
    result = read_boundaries(DISTRICTS_FILE, datum=Datum.GCJ02)
    names = {d.code: d.name for d in listed}
    districts = [
        DemoDivision(
            "district", f.code, names.get(f.code, f.name), "220200", "district", f.geometry, True, True
        )
        for f in result.features
    ]
    return districts, [r.describe() for r in result.repairs]


def build_divisions(
    seed: int, progress: Progress
) -> tuple[
    list[DemoDivision], list[DemoDivision], list[DemoDivision], list[DemoDivision], DemoFeature, list[str]
]:
    rng = np.random.default_rng(seed)
    listed = read_division_list()
    progress("districts", 0, 1)
    districts, repairs = load_districts(listed)
    progress("districts", 1, 1)
    city = shapely.union_all([d.geometry for d in districts])
    river = make_river(city, rng)
    progress("streets", 0, 1)
    streets = make_streets(districts, [s for s in listed if len(s.code) == 12], rng)
    progress("streets", 1, 1)
    communities: list[DemoDivision] = []
    for k, street in enumerate(streets):
        communities += make_communities(street, river.geometry, rng)
        progress("communities", k + 1, len(streets))
    urban = [c for c in communities if c.kind == "community"]
    grids: list[DemoDivision] = []
    for k, community in enumerate(urban):
        grids += make_grids(community, rng)
        if (k + 1) % 10 == 0 or k + 1 == len(urban):
            progress("grids", k + 1, len(urban))
    return districts, streets, communities, grids, river, repairs
