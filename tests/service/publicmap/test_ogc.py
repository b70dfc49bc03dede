"""OGC API – Features: landing, conformance, collections, items; keyset paging visits every feature once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.service.publicmap.test_public_reports import assert_cell_centre, off_centre_points

GEOJSON = "application/geo+json"


def walk(
    client: TestClient, url: str, rel: str = "next", params: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Follow ``rel`` links from ``url``: every feature and every page."""
    features: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    while url:
        response = client.get(url, params=params)
        params = None  # the links carry them on
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(GEOJSON)
        page = response.json()
        assert page["numberReturned"] == len(page["features"])
        pages.append(page)
        features += page["features"]
        url = next((link["href"] for link in page["links"] if link["rel"] == rel), "")
    return features, pages


def test_landing_conformance_and_collections(client: TestClient) -> None:
    landing = client.get("/ogc").json()
    assert {"self", "service-desc", "conformance", "data"} <= {link["rel"] for link in landing["links"]}
    conformance = client.get("/ogc/conformance").json()["conformsTo"]
    assert {c.rsplit("/", 1)[1] for c in conformance} == {"core", "geojson", "oas30", "queryables"}
    collections = client.get("/ogc/collections").json()["collections"]
    assert [c["id"] for c in collections] == [
        "districts",
        "streets",
        "communities",
        "grids",
        "stations",
        "pairings",
        "reports",
    ]
    one = client.get("/ogc/collections/stations").json()
    assert one["extent"]["spatial"]["bbox"][0][0] > 125
    assert any(link["rel"] == "items" for link in one["links"])
    assert client.get("/ogc/collections/nope").status_code == 404


@pytest.mark.parametrize(
    ("collection", "limit"), [("districts", 2), ("streets", 7), ("stations", 25), ("pairings", 40)]
)
def test_walking_next_links_returns_every_feature_exactly_once(
    client: TestClient, db: Session, collection: str, limit: int
) -> None:
    where = " WHERE valid_to IS NULL" if collection in ("districts", "streets") else ""
    expected = {str(i) for i in db.scalars(text(f"SELECT id FROM {collection}{where}"))}
    features, pages = walk(client, f"/ogc/collections/{collection}/items?limit={limit}")
    ids = [f["id"] for f in features]
    assert len(ids) == len(set(ids)) and set(ids) == expected
    assert all(p["numberMatched"] == len(expected) for p in pages)
    assert all(len(p["features"]) == limit for p in pages[:-1])
    assert not any(link["rel"] == "prev" for link in pages[0]["links"])
    # And back: prev links from the last page visit the same features in reverse page order.
    last = next(link["href"] for link in pages[-1]["links"] if link["rel"] == "self")
    back, _ = walk(client, last, rel="prev")
    assert sorted(f["id"] for f in back) == sorted(ids)


def test_grids_in_a_box_with_bbox_paging(client: TestClient, db: Session) -> None:
    box = (126.54, 43.85, 126.57, 43.87)
    expected = {
        str(i)
        for i in db.scalars(
            text(
                "SELECT id FROM grids WHERE valid_to IS NULL AND "
                "ST_Intersects(geom, ST_MakeEnvelope(:a, :b, :c, :d, 4326))"
            ),
            dict(zip("abcd", box, strict=True)),
        )
    }
    assert len(expected) > 20
    features, _ = walk(client, "/ogc/collections/grids/items?limit=9&bbox=" + ",".join(map(str, box)))
    assert sorted(f["id"] for f in features) == sorted(expected)
    assert features[0]["geometry"]["type"] == "MultiPolygon"
    assert len(features[0]["properties"]["community_code"]) == 12


def test_public_reports_collection_pages_and_coarsens(
    client: TestClient, db: Session, make_report: Callable[..., uuid.UUID]
) -> None:
    ids = {make_report(lon, lat, state="dispatched") for lon, lat in off_centre_points(db, 11)}
    make_report(126.55, 43.86)  # triage: not public
    features, pages = walk(client, "/ogc/collections/reports/items?limit=3")
    got = [uuid.UUID(f["id"]) for f in features]
    assert len(got) == len(set(got)) and ids <= set(got)
    assert pages[0]["numberMatched"] == len(got)
    for feature in features:
        if uuid.UUID(feature["id"]) in ids:
            lon, lat = feature["geometry"]["coordinates"]
            assert_cell_centre(db, uuid.UUID(feature["id"]), lon, lat)
    single = client.get(f"/ogc/collections/reports/items/{features[0]['id']}")
    assert single.status_code == 200 and single.json()["geometry"] == features[0]["geometry"]


def test_datetime_selects_historical_outlines(client: TestClient, db: Session) -> None:
    since = db.scalar(text("SELECT min(valid_from) FROM districts WHERE valid_to IS NULL"))
    assert since is not None
    db.execute(
        text(
            """
            INSERT INTO districts (id, code, name, kind, geom, valid_from, valid_to, is_demo)
            SELECT gen_random_uuid(), code, name || '（旧）', kind, geom, :since - interval '10 years', :since, true
            FROM districts WHERE code = '220202' AND valid_to IS NULL
            """
        ),
        {"since": since},
    )
    current, _ = walk(client, "/ogc/collections/districts/items?limit=100")
    assert all(not f["properties"]["name"].endswith("（旧）") for f in current)
    old = (since.replace(year=since.year - 5)).isoformat()
    then, _ = walk(client, "/ogc/collections/districts/items", params={"limit": 100, "datetime": old})
    assert [f["properties"]["name"] for f in then] == ["昌邑区（旧）"]
    span = f"{old}/.."
    both, _ = walk(client, "/ogc/collections/districts/items", params={"limit": 100, "datetime": span})
    assert len(both) == len(current) + 1
    bad = client.get("/ogc/collections/districts/items?datetime=yesterday")
    assert bad.status_code == 400, "OGC API – Features: an invalid parameter value is 400"
    assert (
        bad.json()["error"]["code"] == "invalid_parameter" and "yesterday" in bad.json()["error"]["message"]
    )


def test_single_items_and_errors(client: TestClient) -> None:
    page = client.get("/ogc/collections/pairings/items?limit=1").json()
    feature = page["features"][0]
    single = client.get(f"/ogc/collections/pairings/items/{feature['id']}")
    assert single.status_code == 200 and single.headers["content-type"].startswith(GEOJSON)
    assert single.json()["properties"] == feature["properties"]
    assert client.get(f"/ogc/collections/pairings/items/{uuid.uuid4()}").status_code == 404
    assert client.get("/ogc/collections/pairings/items/not-an-id").status_code == 404
    assert client.get("/ogc/collections/pairings/items?cursor=garbage").status_code == 400
    unknown = client.get("/ogc/collections/pairings/items?colour=red")
    assert unknown.status_code == 400 and unknown.json()["error"]["details"]["unknown"] == ["colour"]
    assert "bbox" in unknown.json()["error"]["details"]["allowed"]
    assert client.get("/ogc/conformance?x=1").status_code == 400
    too_small = client.get("/ogc/collections/pairings/items?limit=0")
    assert too_small.status_code == 400 and too_small.json()["error"]["message"].startswith("limit")
    big = client.get("/ogc/collections/stations/items?limit=5000").json()
    assert big["numberReturned"] == 267  # limits above 1000 are served as 1000
