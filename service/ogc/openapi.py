"""The OGC API's own definition in OpenAPI 3.0 (`GET /ogc/api`), as the `oas30` conformance class claims.

The service's `/openapi.json` is OpenAPI 3.1 (what FastAPI writes); OGC clients that read the API
definition to size their pages or find the parameters expect 3.0, so this document describes the OGC
paths in 3.0 — the same paths, parameters and bounds the routes in `service.ogc.views` take.
"""

from __future__ import annotations

from typing import Any

from service.ogc.collections import COLLECTIONS
from service.ogc.service import DEFAULT_LIMIT, MAX_LIMIT

OPENAPI_30 = "application/vnd.oai.openapi+json;version=3.0"
FORMATS = ["json", "geojson"]


def _param(name: str, schema: dict[str, Any], description: str, *, where: str = "query") -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "description": description,
        "schema": schema,
        "style": "form",
        "explode": False,
    } | ({"style": "simple"} if where == "path" else {})


F = _param("f", {"type": "string", "enum": FORMATS}, "The answer's format: JSON (GeoJSON for features).")
LIMIT = _param(
    "limit",
    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    f"At most this many features (larger values are served as {MAX_LIMIT}).",
)
BBOX = _param(
    "bbox",
    {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}},
    "minlon,minlat,maxlon,maxlat (CRS84)",
)
DATETIME = _param(
    "datetime", {"type": "string"}, "An instant or an interval (start/end, '..' for open ends), RFC 3339"
)
CURSOR = _param("cursor", {"type": "string"}, "Opaque page cursor from a next/prev link")
COLLECTION_ID = _param(
    "collectionId", {"type": "string", "enum": sorted(COLLECTIONS)}, "The collection.", where="path"
)
FEATURE_ID = _param("featureId", {"type": "string", "format": "uuid"}, "The feature.", where="path")

ERROR = {
    "description": "The service's error (400: a parameter it does not take or cannot read; 404: unknown).",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/error"}}},
}


def _get(summary: str, media: str, parameters: list[dict[str, Any]], schema: str) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": [*parameters, F],
            "responses": {
                "200": {
                    "description": summary,
                    "content": {media: {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
                },
                "400": ERROR,
                "404": ERROR,
            },
        }
    }


def document(base_url: str) -> dict[str, Any]:
    """The OpenAPI 3.0.3 definition of the OGC API under `base_url`."""
    collection = [COLLECTION_ID]
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Whistle 吹哨 – OGC API Features",
            "version": "1.0.0",
            "description": "Divisions, warm-new stations, pairing points and public reports (accepted cases, "
            "positions at the centres of cells, no reporter, no free text).",
        },
        "servers": [{"url": f"{base_url}/ogc"}],
        "paths": {
            "/": _get("Landing page", "application/json", [], "object"),
            "/conformance": _get("Conformance classes", "application/json", [], "object"),
            "/api": _get("This API definition", OPENAPI_30, [], "object"),
            "/collections": _get("Collections", "application/json", [], "object"),
            "/collections/{collectionId}": _get("One collection", "application/json", collection, "object"),
            "/collections/{collectionId}/items": _get(
                "Features of a collection",
                "application/geo+json",
                [*collection, LIMIT, BBOX, DATETIME, CURSOR],
                "featureCollection",
            ),
            "/collections/{collectionId}/items/{featureId}": _get(
                "One feature", "application/geo+json", [*collection, FEATURE_ID], "feature"
            ),
            "/collections/{collectionId}/queryables": _get(
                "What the features can be filtered by", "application/schema+json", collection, "object"
            ),
            "/collections/{collectionId}/schema": _get(
                "The features' properties", "application/schema+json", collection, "object"
            ),
        },
        "components": {
            "schemas": {
                "object": {"type": "object"},
                "error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                        }
                    },
                },
                "feature": {
                    "type": "object",
                    "required": ["type", "geometry", "properties"],
                    "properties": {
                        "type": {"type": "string", "enum": ["Feature"]},
                        "id": {"type": "string"},
                        "geometry": {"type": "object", "nullable": True},
                        "properties": {"type": "object", "nullable": True},
                    },
                },
                "featureCollection": {
                    "type": "object",
                    "required": ["type", "features"],
                    "properties": {
                        "type": {"type": "string", "enum": ["FeatureCollection"]},
                        "features": {"type": "array", "items": {"$ref": "#/components/schemas/feature"}},
                        "numberMatched": {"type": "integer", "minimum": 0},
                        "numberReturned": {"type": "integer", "minimum": 0},
                        "links": {"type": "array", "items": {"type": "object"}},
                    },
                },
            }
        },
    }
