"""Boundary files: the real districts (舒兰市 repaired), broken files refused naming the feature."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import shapefile
import shapely

from geo.boundaries import (
    BoundaryError,
    BoundaryFeature,
    FieldMapping,
    check_within_parents,
    read_boundaries,
    read_geojson,
    share_outside,
)
from geo.crs import Datum, area_m2

DATA = Path(__file__).resolve().parents[2] / "geo" / "data" / "jilin"
DISTRICTS = DATA / "districts-220200.gcj02.geojson"


def square(x0: float, y0: float, size: float) -> list[list[list[float]]]:
    return [[[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]]


def feature(props: dict[str, Any], geometry: dict[str, Any] | None) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def collection(*features: dict[str, Any]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def write(tmp_path: Path, text: str, name: str = "b.geojson") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_real_districts_load_and_shulan_is_repaired_with_a_report() -> None:
    result = read_boundaries(DISTRICTS, datum=Datum.GCJ02)
    assert len(result.features) == 9
    assert {f.code for f in result.features} >= {"220202", "220283", "220284"}
    assert all(f.parent_code == "220200" for f in result.features)
    assert all(f.geometry.geom_type == "MultiPolygon" and f.geometry.is_valid for f in result.features)
    assert [r.code for r in result.repairs] == ["220283"]
    repair = result.repairs[0]
    assert repair.name == "舒兰市"
    assert repair.reason.startswith("Self-intersection")
    assert repair.parts_before == 3
    assert abs(repair.area_change_m2) < 0.001 * repair.area_before_m2
    text = repair.describe()
    assert "220283" in text and "舒兰市" in text and "Self-intersection" in text and "m²" in text


def test_real_districts_are_converted_from_gcj02() -> None:
    gcj = read_boundaries(DISTRICTS, datum="wgs84")  # as stored, no conversion
    wgs = read_boundaries(DISTRICTS, datum="gcj02")
    dx = gcj.features[0].geometry.centroid.x - wgs.features[0].geometry.centroid.x
    assert 0.004 < dx < 0.008  # GCJ-02 sits ~500 m east-north-east of WGS-84 here
    total_km2 = sum(area_m2(f.geometry) for f in wgs.features) / 1e6
    assert 27_000 < total_km2 < 28_500  # Jilin City is about 27,700 km²


def test_bad_json_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BoundaryError, match=r"not valid JSON: .* line 1"):
        read_boundaries(write(tmp_path, '{"type": "FeatureCollection", "features": [}'))


def test_not_a_feature_collection_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BoundaryError, match="expected a GeoJSON FeatureCollection"):
        read_boundaries(write(tmp_path, json.dumps({"type": "Polygon", "coordinates": square(0, 0, 1)})))


def test_wrong_geometry_type_names_the_feature(tmp_path: Path) -> None:
    text = collection(
        feature(
            {"code": "220202", "name": "昌邑区"}, {"type": "Polygon", "coordinates": square(126, 43, 0.1)}
        ),
        feature(
            {"code": "220203", "name": "龙潭区"},
            {"type": "LineString", "coordinates": [[126, 43], [127, 44]]},
        ),
    )
    with pytest.raises(BoundaryError) as info:
        read_boundaries(write(tmp_path, text))
    message = str(info.value)
    assert "feature #1" in message and "220203" in message and "龙潭区" in message
    assert "LineString" in message
    assert info.value.index == 1 and info.value.code == "220203"


def test_unrepairable_self_intersection_is_refused(tmp_path: Path) -> None:
    # A bow-tie with unequal lobes: make_valid would change its area by far more than 1 %.
    bowtie = [[[126.0, 43.0], [126.2, 43.1], [126.2, 43.0], [126.0, 43.2], [126.0, 43.0]]]
    text = collection(feature({"code": "9", "name": "坏网格"}, {"type": "Polygon", "coordinates": bowtie}))
    with pytest.raises(
        BoundaryError, match=r"feature #0 \(code 9, 坏网格\): invalid outline \(Self-intersection.*area"
    ):
        read_boundaries(write(tmp_path, text))


def test_small_self_intersection_is_repaired(tmp_path: Path) -> None:
    # A tiny lobe pinched onto the top edge (the ring touches itself): make_valid splits it off.
    ring = [
        [126.0, 43.0],
        [126.1, 43.0],
        [126.1, 43.1],
        [126.05, 43.1],
        [126.051, 43.101],
        [126.049, 43.101],
        [126.05, 43.1],
        [126.0, 43.1],
        [126.0, 43.0],
    ]
    text = collection(feature({"code": "7", "name": "可修复"}, {"type": "Polygon", "coordinates": [ring]}))
    result = read_boundaries(write(tmp_path, text))
    assert len(result.repairs) == 1 and result.repairs[0].code == "7"
    assert result.features[0].geometry.is_valid
    assert result.repairs[0].parts_after == 2
    assert abs(result.repairs[0].area_change_m2) < 1.0


def test_missing_code_and_duplicate_code_are_refused(tmp_path: Path) -> None:
    geom = {"type": "Polygon", "coordinates": square(126, 43, 0.1)}
    with pytest.raises(BoundaryError, match=r"feature #0.*no code property"):
        read_boundaries(write(tmp_path, collection(feature({"name": "无名"}, geom))))
    with pytest.raises(BoundaryError, match=r"feature #1 .*duplicate code"):
        read_boundaries(
            write(tmp_path, collection(feature({"code": "1"}, geom), feature({"code": "1"}, geom)))
        )


def test_projected_coordinates_are_refused(tmp_path: Path) -> None:
    geom = {"type": "Polygon", "coordinates": square(500000, 4800000, 100)}
    with pytest.raises(BoundaryError, match="not longitude/latitude"):
        read_boundaries(write(tmp_path, collection(feature({"code": "1"}, geom))))


def test_missing_geometry_and_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(BoundaryError, match="has no geometry"):
        read_boundaries(write(tmp_path, collection(feature({"code": "1"}, None))))
    with pytest.raises(BoundaryError, match="cannot read file"):
        read_boundaries(tmp_path / "missing.geojson")


def test_field_mapping_and_in_memory_read() -> None:
    text = collection(
        feature(
            {"GRID_ID": 220204001001001, "MC": "一号网格", "SQ": "220204001001"},
            {"type": "Polygon", "coordinates": square(126.5, 43.8, 0.001)},
        )
    )
    mapping = FieldMapping(code=("GRID_ID",), name=("MC",), parent_code=("SQ",))
    result = read_geojson(text.encode(), mapping=mapping)
    f = result.features[0]
    assert (f.code, f.name, f.parent_code) == ("220204001001001", "一号网格", "220204001001")
    assert f.properties["MC"] == "一号网格"


def make_feature(index: int, code: str, parent: str, geometry: shapely.Geometry) -> BoundaryFeature:
    return BoundaryFeature(index, code, f"子{code}", parent, shapely.MultiPolygon([geometry]))


def test_child_within_parent() -> None:
    parent = shapely.box(126.0, 43.0, 126.1, 43.1)
    inside = make_feature(0, "a", "P", shapely.box(126.01, 43.01, 126.05, 43.05))
    barely = make_feature(1, "b", "P", shapely.box(126.05, 43.05, 126.1001, 43.09))  # 0.2 % out
    results = check_within_parents([inside, barely], {"P": parent})
    assert results[0].share_outside == 0.0
    assert 0.001 < results[1].share_outside < 0.005
    outside = make_feature(2, "c", "P", shapely.box(126.08, 43.05, 126.12, 43.09))
    with pytest.raises(BoundaryError, match=r"feature #2 \(code c, 子c\): lies 50.00% outside its parent P"):
        check_within_parents([inside, outside], {"P": parent})
    with pytest.raises(BoundaryError, match="parent Q is unknown"):
        check_within_parents([make_feature(3, "d", "Q", shapely.box(0, 0, 1, 1))], {"P": parent})
    assert share_outside(outside.geometry, parent) == pytest.approx(0.5, rel=1e-6)


def test_real_districts_lie_within_the_city() -> None:
    districts = read_boundaries(DISTRICTS, datum=Datum.GCJ02).features
    city = shapely.union_all([f.geometry for f in districts])
    results = check_within_parents(districts, {"220200": city})
    assert max(r.share_outside for r in results) < 1e-9


def test_shapefile_round_trip(tmp_path: Path) -> None:
    base = tmp_path / "grids"
    with shapefile.Writer(str(base), shapeType=shapefile.POLYGON, encoding="utf-8") as w:
        w.field("code", "C", size=20)
        w.field("name", "C", size=50)
        w.field("parent", "C", size=20)
        w.poly([[(126.5, 43.8), (126.5, 43.81), (126.51, 43.81), (126.51, 43.8), (126.5, 43.8)]])
        w.record("220204001001001", "一号网格", "220204001001")
        w.poly([[(126.51, 43.8), (126.51, 43.81), (126.52, 43.81), (126.52, 43.8), (126.51, 43.8)]])
        w.record("220204001001002", "二号网格", "220204001001")
    result = read_boundaries(base.with_suffix(".shp"))
    assert [f.code for f in result.features] == ["220204001001001", "220204001001002"]
    assert result.features[0].name == "一号网格"
    assert result.features[1].parent_code == "220204001001"
    assert result.features[0].geometry.equals(shapely.box(126.5, 43.8, 126.51, 43.81))
    assert result.repairs == []


def test_shapefile_in_gcj02_is_converted(tmp_path: Path) -> None:
    base = tmp_path / "d"
    with shapefile.Writer(str(base), shapeType=shapefile.POLYGON, encoding="utf-8") as w:
        w.field("adcode", "N", size=6)
        w.poly([[(126.5, 43.8), (126.5, 43.9), (126.6, 43.9), (126.6, 43.8), (126.5, 43.8)]])
        w.record(220204)
    f = read_boundaries(base.with_suffix(".shp"), datum="gcj02").features[0]
    assert f.code == "220204"
    assert f.geometry.bounds[0] == pytest.approx(126.5 - 0.0057, abs=5e-4)


def test_broken_shapefile_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.shp"
    bad.write_bytes(b"not a shapefile at all")
    with pytest.raises(BoundaryError, match=r"bad\.shp"):
        read_boundaries(bad)
