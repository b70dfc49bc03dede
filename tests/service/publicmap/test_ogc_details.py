"""OGC API details clients rely on (issue 14, item 6): the OpenAPI 3.0 the conformance claims, `limit`'s
declared maximum, a schema and queryables per collection, temporal extents from the data, `f=json`."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from sqlalchemy import text
from sqlalchemy.orm import Session

from service.ogc.collections import COLLECTIONS


def test_the_api_definition_is_the_openapi_30_the_conformance_claims(client: TestClient) -> None:
    landing = client.get("/ogc").json()
    (desc,) = [link for link in landing["links"] if link["rel"] == "service-desc"]
    assert desc["type"] == "application/vnd.oai.openapi+json;version=3.0"
    document = client.get(desc["href"])
    assert document.status_code == 200 and document.headers["content-type"] == desc["type"]
    spec = document.json()
    assert spec["openapi"].startswith("3.0.")
    validate(spec)  # a valid OpenAPI 3.0 document
    items = spec["paths"]["/collections/{collectionId}/items"]["get"]["parameters"]
    (limit,) = [p for p in items if p["name"] == "limit"]
    assert limit["schema"]["maximum"] == 1000 and limit["schema"]["minimum"] == 1
    # The service's own (3.1) document declares the maximum too.
    service_spec = client.get("/openapi.json").json()
    operation = service_spec["paths"]["/ogc/collections/{collection_id}/items"]["get"]
    (limit,) = [p for p in operation["parameters"] if p["name"] == "limit"]
    assert limit["schema"]["maximum"] == 1000
    # Past the maximum is not an error (OGC API – Features): served as the maximum.
    page = client.get("/ogc/collections/grids/items", params={"limit": 5000}).json()
    assert page["numberReturned"] == 1000


@pytest.mark.parametrize("collection_id", sorted(COLLECTIONS))
def test_each_collection_has_a_schema_and_queryables(
    client: TestClient, collection_id: str, make_report: Callable[..., uuid.UUID]
) -> None:
    make_report(126.5535, 43.8625, state="filed", photos=1)
    doc = client.get(f"/ogc/collections/{collection_id}").json()
    rels = {link["rel"]: link for link in doc["links"]}
    schema = client.get(rels["describedby"]["href"])
    queryables = client.get(rels["http://www.opengis.net/def/rel/ogc/1.0/queryables"]["href"])
    for answer in (schema, queryables):
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/schema+json"
        Draft202012Validator.check_schema(answer.json())
    properties = schema.json()["properties"]
    assert properties["geometry"]["x-ogc-role"] == "primary-geometry"
    assert set(queryables.json()["properties"]) <= set(properties)
    # Every property a feature carries is described, and its value fits its schema.
    (feature,) = client.get(f"/ogc/collections/{collection_id}/items", params={"limit": 1}).json()["features"]
    for name, value in feature["properties"].items():
        assert name in properties, f"{collection_id}.{name} is not described"
        Draft202012Validator({k: v for k, v in properties[name].items() if k != "x-ogc-role"}).validate(value)


def test_temporal_extents_come_from_the_data(client: TestClient, db: Session) -> None:
    first = db.scalar(text("SELECT min(valid_from) FROM grids"))
    interval = client.get("/ogc/collections/grids").json()["extent"]["temporal"]["interval"]
    assert datetime.fromisoformat(interval[0][0]) == first and interval[0][1] is None
    updated = db.execute(text("SELECT min(updated_at), max(updated_at) FROM stations")).one()
    ((start, end),) = client.get("/ogc/collections/stations").json()["extent"]["temporal"]["interval"]
    assert (datetime.fromisoformat(start), datetime.fromisoformat(end)) == tuple(updated)


def test_f_json_is_accepted_and_other_formats_are_refused(client: TestClient) -> None:
    for path in ("/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/stations/items"):
        assert client.get(path, params={"f": "json"}).status_code == 200, path
        refused = client.get(path, params={"f": "xml"})
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_parameter"


def test_feature_times_are_written_in_utc_with_z(
    client: TestClient, make_report: Callable[..., uuid.UUID]
) -> None:
    make_report(126.5535, 43.8625, state="filed")
    for collection in ("grids", "stations", "pairings", "reports"):
        (feature,) = client.get(f"/ogc/collections/{collection}/items", params={"limit": 1}).json()[
            "features"
        ]
        times = [v for k, v in feature["properties"].items() if k.endswith(("_at", "_from", "_to")) and v]
        assert times, collection
        assert all(t.endswith("Z") for t in times), (collection, times)
