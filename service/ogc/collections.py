"""The OGC API's collections: what each one is, the JSON Schema of its features' properties
(`/schema`, OGC API – Features Part 5) and of what it can be filtered by (`/queryables`, Part 3), and
its extents in space and time, read from the data.

Divisions keep their history (`valid_from`/`valid_to`): without `datetime` a collection holds the
current features; with it, those valid at that instant or during that interval. Stations and pairing
points filter on their last update, reports on their creation time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.orm import Session

from service.errors import NotFound
from service.publicmap.public_reports import PUBLIC_STATES

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CITY_BBOX = [125.6, 42.5, 127.9, 44.7]
JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"

Temporal = Literal["validity", "updated", "created"]

STRING: dict[str, Any] = {"type": "string"}
NULLABLE_STRING: dict[str, Any] = {"type": ["string", "null"]}
INSTANT: dict[str, Any] = {"type": "string", "format": "date-time"}
BOOLEAN: dict[str, Any] = {"type": "boolean"}
STRINGS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    table: str
    properties: str  # a json_build_object(...) over the row alias t
    temporal: Temporal
    geometry: str  # the GeoJSON geometry type of its features
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)  # property → JSON Schema

    @property
    def temporal_property(self) -> str:
        return {"validity": "valid_from", "updated": "updated_at", "created": "created_at"}[self.temporal]


def _division(cid: str, title: str, description: str, parent: str | None) -> Collection:
    parent_sql = f", '{parent}', t.{parent}" if parent else ""
    fields = {"code": STRING, "name": STRING, "kind": STRING}
    if parent:
        fields[parent] = STRING
    fields |= {"valid_from": INSTANT, "valid_to": {**INSTANT, "type": ["string", "null"]}, "is_demo": BOOLEAN}
    return Collection(
        id=cid,
        title=title,
        description=description
        + " Without datetime: the current outlines; with datetime: those valid then (history included).",
        table=cid,
        properties="json_build_object('code', t.code, 'name', t.name, 'kind', t.kind"
        + parent_sql
        + ", 'valid_from', t.valid_from, 'valid_to', t.valid_to, 'is_demo', t.is_demo)",
        temporal="validity",
        geometry="MultiPolygon",
        fields=fields,
    )


# fmt: off
COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        _division("districts", "区县 Districts", "County-level divisions.", None),
        _division("streets", "街道乡镇 Streets", "Township-level divisions.", "district_code"),
        _division("communities", "社区村 Communities", "Village-level divisions.", "street_code"),
        _division("grids", "单元网格 Grids", "Unit grids (15-digit codes).", "community_code"),
        Collection(
            id="stations",
            title="暖新驿站 Warm-new stations",
            description="Stations for couriers and other new-employment workers: services, opening hours.",
            table="stations",
            properties="json_build_object('code', t.code, 'name', t.name, 'address', t.address, "
            "'services', t.services, 'opening_hours', t.opening_hours, 'always_open', t.always_open, "
            "'operator', t.operator, 'community_code', t.community_code, 'updated_at', t.updated_at, "
            "'is_demo', t.is_demo)",
            temporal="updated",
            geometry="Point",
            fields={
                "code": STRING, "name": STRING, "address": STRING, "services": STRINGS,
                "opening_hours": {"type": "object"}, "always_open": BOOLEAN, "operator": STRING,
                "community_code": NULLABLE_STRING, "updated_at": INSTANT, "is_demo": BOOLEAN,
            },
        ),
        Collection(
            id="pairings",
            title="包联点位 Pairing points",
            description="Municipal units paired with communities: first secretary, liaison, joint projects.",
            table="pairings",
            properties="json_build_object('code', t.code, 'unit_name', t.unit_name, "
            "'community_code', t.community_code, 'community_name', t.community_name, "
            "'first_secretary_role', t.first_secretary_role, 'first_secretary_name', t.first_secretary_name, "
            "'liaison_name', t.liaison_name, 'projects', t.projects, 'updated_at', t.updated_at, "
            "'is_demo', t.is_demo)",
            temporal="updated",
            geometry="Point",
            fields={
                "code": STRING, "unit_name": STRING, "community_code": STRING, "community_name": STRING,
                "first_secretary_role": STRING, "first_secretary_name": STRING,
                "liaison_name": NULLABLE_STRING,
                "projects": STRINGS, "updated_at": INSTANT, "is_demo": BOOLEAN,
            },
        ),
        Collection(
            id="reports",
            title="公开事件 Public reports",
            description="Accepted cases, positions at the centres of the cells of a grid about 100 m wide; "
            "public photo derivatives only; no reporter, no free text.",
            table="reports",
            properties="",
            temporal="created",
            geometry="Point",
            fields={
                "category": STRING, "category_name": STRING, "state": STRING,
                "status": {"type": "string", "enum": ["open", "closed"]}, "status_notes": STRING,
                "created_at": INSTANT, "updated_at": INSTANT, "district_code": NULLABLE_STRING,
                "street_code": NULLABLE_STRING, "community_code": NULLABLE_STRING,
                "coarsened_to_m": {"type": "number"},
                "photos": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "display_url": {"type": "string", "format": "uri"},
                            "thumb_url": {"type": "string", "format": "uri"},
                        },
                    },
                },
            },
        ),
    )
}
# fmt: on


def get_collection(collection_id: str) -> Collection:
    try:
        return COLLECTIONS[collection_id]
    except KeyError:
        raise NotFound(f"no collection {collection_id!r}; see /ogc/collections") from None


def _geometry_schema(collection: Collection) -> dict[str, Any]:
    return {"format": f"geometry-{collection.geometry.lower()}", "x-ogc-role": "primary-geometry"}


def schema_document(collection: Collection, base: str) -> dict[str, Any]:
    """The JSON Schema of a feature's properties (Part 5 `describedby`)."""
    instant = collection.temporal_property
    properties = {
        name: {**schema, **({"x-ogc-role": "primary-instant"} if name == instant else {})}
        for name, schema in collection.fields.items()
    }
    return {
        "$schema": JSON_SCHEMA,
        "$id": f"{base}/ogc/collections/{collection.id}/schema",
        "type": "object",
        "title": collection.title,
        "properties": {"geometry": _geometry_schema(collection), **properties},
    }


def queryables_document(collection: Collection, base: str) -> dict[str, Any]:
    """What the items can be filtered by (Part 3): the geometry (`bbox`) and the instant (`datetime`)."""
    return {
        "$schema": JSON_SCHEMA,
        "$id": f"{base}/ogc/collections/{collection.id}/queryables",
        "type": "object",
        "title": collection.title,
        "properties": {
            "geometry": _geometry_schema(collection),
            collection.temporal_property: {**INSTANT, "x-ogc-role": "primary-instant"},
        },
        "additionalProperties": False,
    }


def extent(*, session: Session, collection_id: str) -> list[float]:
    collection = get_collection(collection_id)
    table = "grids" if collection.id == "reports" else collection.table
    where = "WHERE valid_to IS NULL" if collection.temporal == "validity" or table == "grids" else ""
    box = session.execute(
        text(
            "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) "
            f"FROM (SELECT ST_Extent(geom) FROM {table} {where}) q(b)"
        )
    ).one()
    return [round(float(v), 6) for v in box] if box[0] is not None else CITY_BBOX


def temporal_extent(*, session: Session, collection_id: str) -> list[str | None]:
    """The first and last instant of the collection's data (null: open, or no data): divisions from the
    first `valid_from` (open-ended while any outline is current), others over their update or creation
    times (public reports: the accepted ones)."""
    collection = get_collection(collection_id)
    if collection.temporal == "validity":
        sql = (
            f"SELECT min(valid_from), CASE WHEN bool_or(valid_to IS NULL) THEN NULL ELSE max(valid_to) END "
            f"FROM {collection.table}"
        )
        params: dict[str, Any] = {}
    elif collection.id == "reports":
        sql = (
            "SELECT min(r.created_at), max(r.created_at) FROM reports r JOIN cases c ON c.id = r.case_id "
            "WHERE c.state = ANY(:states)"
        )
        params = {"states": list(PUBLIC_STATES)}
    else:
        sql = f"SELECT min(updated_at), max(updated_at) FROM {collection.table}"
        params = {}
    first, last = session.execute(text(sql), params).one()
    return [_iso(first), _iso(last)]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None
