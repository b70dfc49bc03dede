"""OGC API – Features endpoints under ``/ogc`` (landing, conformance, collections, items)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from service.deps import PublicMapSettingsDep, SessionDep
from service.errors import ErrorResponse
from service.ogc import service
from service.ogc.query_rules import OgcRoute
from service.publicmap.service import parse_bbox

router = APIRouter(prefix="/ogc", tags=["OGC API – Features"], route_class=OgcRoute)
GEOJSON = "application/geo+json"
JSON = "application/json"
ERRORS: dict[int | str, dict[str, Any]] = {400: {"model": ErrorResponse}, 404: {"model": ErrorResponse}}

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
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
            _link(
                f"{base}/openapi.json",
                "service-desc",
                "application/vnd.oai.openapi+json;version=3.0",
                "the API definition",
            ),
            _link(f"{base}/docs", "service-doc", "text/html", "the API documentation"),
            _link(f"{base}/ogc/conformance", "conformance", JSON, "conformance classes"),
            _link(f"{base}/ogc/collections", "data", JSON, "the collections"),
        ],
    }


@router.get("/conformance", summary="Conformance classes")
def conformance() -> dict[str, list[str]]:
    return {"conformsTo": CONFORMANCE}


def _collection_doc(request: Request, session: SessionDep, collection: service.Collection) -> dict[str, Any]:
    base = _base(request)
    return {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
        "crs": [service.CRS84],
        "extent": {
            "spatial": {
                "bbox": [service.extent(session=session, collection_id=collection.id)],
                "crs": service.CRS84,
            },
            "temporal": {
                "interval": [[None, None]],
                "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
            },
        },
        "links": [
            _link(f"{base}/ogc/collections/{collection.id}", "self", JSON),
            _link(f"{base}/ogc/collections/{collection.id}/items", "items", GEOJSON, "the features"),
        ],
    }


@router.get("/collections", summary="Collections")
def collections(request: Request, session: SessionDep) -> dict[str, Any]:
    base = _base(request)
    return {
        "links": [_link(f"{base}/ogc/collections", "self", JSON)],
        "collections": [_collection_doc(request, session, c) for c in service.COLLECTIONS.values()],
    }


@router.get("/collections/{collection_id}", responses=ERRORS, summary="One collection")
def collection(request: Request, session: SessionDep, collection_id: str) -> dict[str, Any]:
    return _collection_doc(request, session, service.get_collection(collection_id))


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
    request: Request, session: SessionDep, settings: PublicMapSettingsDep, collection_id: str, feature_id: str
) -> JSONResponse:
    feature = service.get_item(
        session=session, settings=settings, collection_id=collection_id, feature_id=feature_id
    )
    base = _base(request)
    feature["links"] = [
        _link(f"{base}/ogc/collections/{collection_id}/items/{feature_id}", "self", GEOJSON),
        _link(f"{base}/ogc/collections/{collection_id}", "collection", JSON),
    ]
    return JSONResponse(feature, media_type=GEOJSON)
