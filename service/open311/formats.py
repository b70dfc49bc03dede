"""JSON and XML bodies as GeoReport v2 writes them (XML is the required format, JSON the optional one)."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from fastapi import Response

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
FORMATS = ("json", "xml")


def _xml_value(parent: ET.Element, name: str, value: Any, item_names: dict[str, str]) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, inner in value.items():
            _xml_value(element, key, inner, item_names)
    elif isinstance(value, list):
        for inner in value:
            _xml_value(element, item_names.get(name, "item"), inner, item_names)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


# The element name of one item inside each list (as the spec's XML examples write them).
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


def to_xml(root: str, body: Any) -> bytes:
    element = ET.Element(root)
    if isinstance(body, list):
        for item in body:
            _xml_value(element, ITEM_NAMES.get(root, "item"), item, ITEM_NAMES)
    else:
        for key, value in body.items():
            _xml_value(element, key, value, ITEM_NAMES)
    text: bytes = ET.tostring(element, encoding="utf-8")
    return b'<?xml version="1.0" encoding="utf-8"?>' + text


def render(fmt: str, root: str, body: Any, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(to_xml(root, body), status_code=status, media_type=XML_TYPE)
    return Response(json.dumps(body, ensure_ascii=False).encode(), status_code=status, media_type=JSON_TYPE)


def error(fmt: str, status: int, description: str) -> Response:
    """``[{"code": 404, "description": "..."}]`` / ``<errors><error><code>…``."""
    return render(
        fmt if fmt in FORMATS else "json", "errors", [{"code": status, "description": description}], status
    )
