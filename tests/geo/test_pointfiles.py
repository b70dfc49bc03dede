"""Station and pairing files: CSV and GeoJSON read into records; every bad row named, nothing half-read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.crs import wgs84_to_gcj02
from geo.pointfiles import PointFileError, read_pairings, read_stations

HEADER = "code,name,address,lon,lat,services,opening_hours,operator,community_code\n"


def test_csv_stations_are_read(tmp_path: Path) -> None:
    path = tmp_path / "stations.csv"
    path.write_text(
        HEADER
        + 's1,江城驿站,解放路1号,126.55,43.86,drinking_water|charging,"mon-fri 08:00-18:00; sat,sun 09:00-12:00",邮政,220204009001\n'
        + "s2,北山驿站,,126.56,43.87,rest,24/7,,\n",
        encoding="utf-8",
    )
    first, second = read_stations(path)
    assert first.services == ("drinking_water", "charging")
    assert first.hours.to_json()["sun"] == [["09:00", "12:00"]]
    assert first.community_code == "220204009001"
    assert second.hours.always_open and second.community_code is None


def test_geojson_stations_accept_json_hours_and_other_datums(tmp_path: Path) -> None:
    lon, lat = wgs84_to_gcj02(126.55, 43.86)
    path = tmp_path / "stations.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [lon, lat]},
                        "properties": {
                            "code": "g1",
                            "name": "驿站",
                            "services": ["toilet", "heating"],
                            "opening_hours": {"mon": [["08:00", "20:00"]]},
                            "datum": "gcj02",
                        },
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    (station,) = read_stations(path)
    assert station.lon == pytest.approx(126.55, abs=1e-6) and station.lat == pytest.approx(43.86, abs=1e-6)
    assert station.services == ("toilet", "heating")
    assert station.hours.to_json()["tue"] == []


def test_every_bad_row_is_named_and_nothing_is_returned(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER
        + "ok,好驿站,,126.5,43.8,rest,24/7,,\n"
        + "b1,坏驿站,,200,43.8,rest,24/7,,\n"
        + "b2,坏驿站,,126.5,43.8,sauna,24/7,,\n"
        + "b3,坏驿站,,126.5,43.8,rest,sometimes,,\n"
        + "ok,重复,,126.5,43.8,rest,24/7,,\n"
        + ",无编号,,126.5,43.8,rest,24/7,,\n",
        encoding="utf-8",
    )
    with pytest.raises(PointFileError) as caught:
        read_stations(path)
    problems = caught.value.problems
    assert len(problems) == 5
    assert problems[0].startswith("line 3 (code b1): lon/lat")
    assert "sauna" in problems[1] and "line 4" in problems[1]
    assert "opening_hours" in problems[2] and "line 5" in problems[2]
    assert "repeats line 2" in problems[3]
    assert "line 7" in problems[4] and "code is missing" in problems[4]


def test_pairings_with_and_without_positions(tmp_path: Path) -> None:
    path = tmp_path / "pairings.csv"
    path.write_text(
        "code,unit_name,community_code,lon,lat,first_secretary_role,first_secretary_name,liaison_name,projects\n"
        "p1,市教育局,220202011002,126.56,43.86,三级主任科员,付政达,,民心长廊|口袋公园\n"
        "p2,市政协,220204009004,,,,,,\n",
        encoding="utf-8",
    )
    first, second = read_pairings(path)
    assert first.projects == ("民心长廊", "口袋公园") and first.liaison_name is None
    assert second.lon is None and second.lat is None


def test_geojson_with_a_polygon_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
                        "properties": {"code": "x", "unit_name": "u", "community_code": "220202011002"},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(PointFileError, match="feature 1 \\(code x\\): geometry must be a Point"):
        read_pairings(path)
