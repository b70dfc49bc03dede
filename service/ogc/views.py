"""OGC API – Features endpoints under ``/ogc`` (landing, conformance, collections, items)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from service.deps import PublicMapSettingsDep, SessionDep
from service.errors import ErrorResponse
from service.ogc import openapi, service
from service.ogc.collections import (
    COLLECTIONS,
    CRS84,
    Collection,
    extent,
    get_collection,
    queryables_document,
    schema_document,
    temporal_extent,
)
from service.ogc.openapi import OPENAPI_30
from service.ogc.query_rules import OgcRoute
from service.photos.service import public_link
from service.photos.store import MediaStoreDep
from service.publicmap.service import parse_bbox


def answer_format(
    f: Annotated[
        Literal["json", "geojson"] | None,
        Query(description="The answer's format: JSON (GeoJSON for features), the only one served."),
    ] = None,
) -> None:
    """`f=json` (or `geojson`) is accepted on every OGC route as the standard's clients send it."""


router = APIRouter(
    prefix="/ogc",
    tags=["OGC API – Features"],
    route_class=OgcRoute,
    dependencies=[Depends(answer_format)],
)
GEOJSON = "application/geo+json"
SCHEMA_JSON = "application/schema+json"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
JSON = "application/json"
ERRORS: dict[int | str, dict[str, Any]] = {400: {"model": ErrorResponse}, 404: {"model": ErrorResponse}}

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _link(href: str, rel: str, media: str, title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": media}
    if title:
        link["title"] = title
    return link


@router.get("", summary="Landing page")
@router.get("/", include_in_schema=False)
def landing(request: Request) -> dict[str, Any]:
    base = _base(request)
    return {
        "title": "Whistle 吹哨 – OGC API Features",
        "description": "Divisions, warm-new stations, pairing points and public reports of the grid "
        "incident service (Jilin City demo).",
        "links": [
            _link(f"{base}/ogc", "self", JSON, "this document"),
            _link(f"{base}/ogc/api", "service-desc", OPENAPI_30, "the API definition (OpenAPI 3.0)"),
            _link(f"{base}/docs", "service-doc", "text/html", "the API documentation"),
            _link(f"{base}/ogc/conformance", "conformance", JSON, "conformance classes"),
            _link(f"{base}/ogc/collections", "data", JSON, "the collections"),
        ],
    }


@router.get("/api", summary="The OGC API's definition in OpenAPI 3.0", response_class=JSONResponse)
def api_definition(request: Request) -> JSONResponse:
    return JSONResponse(openapi.document(_base(request)), media_type=OPENAPI_30)


@router.get("/conformance", summary="Conformance classes")
def conformance() -> dict[str, list[str]]:
    return {"conformsTo": CONFORMANCE}


def _collection_doc(request: Request, session: SessionDep, collection: Collection) -> dict[str, Any]:
    base = _base(request)
    here = f"{base}/ogc/collections/{collection.id}"
    return {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {
            "spatial": {"bbox": [extent(session=session, collection_id=collection.id)], "crs": CRS84},
            "temporal": {
                "interval": [temporal_extent(session=session, collection_id=collection.id)],
                "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
            },
        },
        "links": [
            _link(here, "self", JSON),
            _link(f"{here}/items", "items", GEOJSON, "the features"),
            _link(f"{here}/schema", "describedby", SCHEMA_JSON, "the features' properties"),
            _link(f"{here}/queryables", QUERYABLES_REL, SCHEMA_JSON, "what the features can be filtered by"),
        ],
    }


@router.get("/collections", summary="Collections")
def collections(request: Request, session: SessionDep) -> dict[str, Any]:
    base = _base(request)
    return {
        "links": [_link(f"{base}/ogc/collections", "self", JSON)],
        "collections": [_collection_doc(request, session, c) for c in COLLECTIONS.values()],
    }


@router.get("/collections/{collection_id}", responses=ERRORS, summary="One collection")
def collection(request: Request, session: SessionDep, collection_id: str) -> dict[str, Any]:
    return _collection_doc(request, session, get_collection(collection_id))


@router.get("/collections/{collection_id}/schema", responses=ERRORS, summary="The features' properties")
def schema(request: Request, collection_id: str) -> JSONResponse:
    document = schema_document(get_collection(collection_id), _base(request))
    return JSONResponse(document, media_type=SCHEMA_JSON)


@router.get(
    "/collections/{collection_id}/queryables",
    responses=ERRORS,
    summary="What the features can be filtered by",
)
def queryables(request: Request, collection_id: str) -> JSONResponse:
    document = queryables_document(get_collection(collection_id), _base(request))
    return JSONResponse(document, media_type=SCHEMA_JSON)


@router.get(
    "/collections/{collection_id}/items",
    response_class=JSONResponse,
    responses={200: {"content": {GEOJSON: {}}}, **ERRORS},
    summary="Features of a collection",
)
def items(
    request: Request,
    session: SessionDep,
    settings: PublicMapSettingsDep,
    store: MediaStoreDep,
    collection_id: str,
    limit: Annotated[
        int,
        Query(
            ge=1,
            # Declared, not enforced: a larger value is served as the maximum, never refused (OGC 17-069r4,
            # /req/core/fc-limit-response-1); clients size their pages from the declared maximum.
            json_schema_extra={"maximum": service.MAX_LIMIT},
            description=f"At most {service.MAX_LIMIT}; larger values are served as {service.MAX_LIMIT}.",
        ),
    ] = service.DEFAULT_LIMIT,
    bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat (CRS84)")] = None,
    datetime: Annotated[
        str | None, Query(description="An instant or an interval (start/end, '..' for open ends), RFC 3339")
    ] = None,
    cursor: Annotated[str | None, Query(description="Opaque page cursor from a next/prev link")] = None,
) -> JSONResponse:
    limit = min(limit, service.MAX_LIMIT)
    page = service.list_items(
        session=session,
        settings=settings,
        link=public_link(store, str(request.base_url)),
        collection_id=collection_id,
        limit=limit,
        bbox=parse_bbox(bbox),
        datetime_value=datetime,
        cursor_value=cursor,
    )
    base = f"{_base(request)}/ogc/collections/{collection_id}/items"
    kept = {k: v for k, v in (("limit", str(limit)), ("bbox", bbox), ("datetime", datetime)) if v is not None}
    links = [
        _link(f"{base}?{urlencode({**kept, **({'cursor': cursor} if cursor else {})})}", "self", GEOJSON)
    ]
    if page.next_cursor:
        links.append(_link(f"{base}?{urlencode({**kept, 'cursor': page.next_cursor})}", "next", GEOJSON))
    if page.prev_cursor:
        links.append(_link(f"{base}?{urlencode({**kept, 'cursor': page.prev_cursor})}", "prev", GEOJSON))
    body = {
        "type": "FeatureCollection",
        "features": page.features,
        "numberMatched": page.number_matched,
        "numberReturned": len(page.features),
        "links": links,
    }
    return JSONResponse(body, media_type=GEOJSON)


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    response_class=JSONResponse,
    responses={200: {"content": {GEOJSON: {}}}, **ERRORS},
    summary="One feature",
)
def item(
    request: Request,
    session: SessionDep,
    settings: PublicMapSettingsDep,
    store: MediaStoreDep,
    collection_id: str,
    feature_id: str,
) -> JSONResponse:
    feature = service.get_item(
        session=session,
        settings=settings,
        link=public_link(store, str(request.base_url)),
        collection_id=collection_id,
        feature_id=feature_id,
    )
    base = _base(request)
    feature["links"] = [
        _link(f"{base}/ogc/collections/{collection_id}/items/{feature_id}", "self", GEOJSON),
        _link(f"{base}/ogc/collections/{collection_id}", "collection", JSON),
    ]
    return JSONResponse(feature, media_type=GEOJSON)
