"""Open311 GeoReport v2 on top of the categories and reports (no HTTP here).

* Services are our event categories (``service_code`` = category code such as ``0501``), all
  ``realtime``: a POST answers the request id at once (and a token, which ``tokens/{token}`` resolves).
* A POST files a report like the phone does, minus photos: routed from ``lat``/``long`` (WGS-84; the
  ``datum`` attribute accepts gcj02/bd09/cgcs2000), reporter of record = the API key's account.
  Address-only requests are refused: this service has no geocoder.
* Requests are reports as the public sees them (``service.publicmap.public_reports``, the publication
  policy of every public interface): accepted cases only, coarsened positions, public photo derivatives
  as absolute URLs, no reporter and no free text. Our states map to ``open`` / ``closed`` with the state
  in words as ``status_notes``. A partner that sends its ``api_key`` with a GET also reads back the
  requests it filed itself, in every state (a request waits in triage before it is public) and with
  their description.
* ``jurisdiction_id`` is optional (one jurisdiction); any other value than ours is 404, as the spec says.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.crs import Datum
from service.accounts.models import User
from service.geography.models import Category
from service.geography.service import category_rule, route
from service.open311.models import Open311Key, Open311Request
from service.publicmap.public_reports import Link, PublicReport, ReportFilter, list_public_reports
from service.reports.location import choose_location
from service.reports.schemas import DeviceFix
from service.reports.service import create_report
from service.settings import PublicMapSettings

UNIT_WORDS = {
    "urgent_hours": "紧急小时",
    "work_hours": "工作小时",
    "work_days": "工作日",
    "natural_days": "自然日",
}
MAX_DESCRIPTION = 4000


class Open311Error(Exception):
    """An error in the spec's shape: ``[{"code": ..., "description": ...}]`` with that HTTP status."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _limit_text(amount: Decimal, unit: str) -> str:
    return f"{amount.normalize():f} {UNIT_WORDS.get(unit, unit)}"


def list_services(*, session: Session) -> list[dict[str, Any]]:
    categories = session.scalars(
        select(Category).where(Category.active).order_by(Category.sort, Category.code)
    )
    return [
        {
            "service_code": c.code,
            "service_name": c.name,
            "description": f"{c.major_name} · {c.name}" + (f"（{c.note}）" if c.note else ""),
            "metadata": True,
            "type": "realtime",
            "keywords": ",".join(k for k in (c.major_name, c.name) if k),
            "group": c.major_name,
        }
        for c in categories
    ]


def _category(session: Session, code: str) -> Category:
    category = session.get(Category, code)
    if category is None or not category.active:
        raise Open311Error(404, f"service_code {code!r} is not a service of this endpoint")
    return category


def service_definition(*, session: Session, code: str) -> dict[str, Any]:
    category = _category(session, code)
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": "datum",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "The datum of lat/long; WGS-84 when absent.",
                "order": 1,
                "description": "坐标系",
                "values": [
                    {"key": "wgs84", "name": "WGS-84 (GPS)"},
                    {"key": "cgcs2000", "name": "CGCS2000"},
                    {"key": "gcj02", "name": "GCJ-02（高德、腾讯）"},
                    {"key": "bd09", "name": "BD-09（百度）"},
                ],
            },
            {
                "variable": True,
                "code": "accuracy_m",
                "datatype": "number",
                "required": False,
                "datatype_description": "Horizontal accuracy of the position, in metres.",
                "order": 2,
                "description": "定位精度（米）",
                "values": [],
            },
            {
                "variable": False,
                "code": "time_limits",
                "datatype": "string",
                "required": False,
                "datatype_description": "",
                "order": 3,
                "description": f"报到时限 {_limit_text(category.report_in_amount, category.report_in_unit)}，"
                f"处置时限 {_limit_text(category.handling_amount, category.handling_unit)}",
                "values": [],
            },
        ],
    }


@dataclass(frozen=True)
class PostedRequest:
    service_request_id: uuid.UUID
    token: str
    service_notice: str


def _number(value: str | None, name: str) -> float | None:
    if value is None or value.strip() == "":
        return None
    try:
        number = float(value)
    except ValueError:
        raise Open311Error(400, f"{name} {value!r} is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise Open311Error(400, f"{name} {value!r} is not a finite number")
    return number


def create_request(
    *, session: Session, key: Open311Key, user: User, form: dict[str, str], tolerance_m: float
) -> PostedRequest:
    """File one report from a POST (the caller has checked the key). Caller commits."""
    code = (form.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "service_code is required")
    rule = category_rule(session=session, code=code)
    if rule is None or not rule.active:
        raise Open311Error(404, f"service_code {code!r} is not a service of this endpoint")
    lat, lon = _number(form.get("lat"), "lat"), _number(form.get("long"), "long")
    if lat is None or lon is None:
        if form.get("address_string") or form.get("address_id"):
            raise Open311Error(
                400, "lat and long are required: this endpoint cannot geocode address_string or address_id"
            )
        raise Open311Error(400, "lat and long are required (a location is required)")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Open311Error(400, "lat must be within ±90 and long within ±180")
    datum_text = (form.get("attribute[datum]") or "wgs84").strip().lower()
    try:
        datum = Datum(datum_text)
    except ValueError:
        raise Open311Error(
            400, f"attribute[datum] {datum_text!r}: use wgs84, cgcs2000, gcj02 or bd09"
        ) from None
    accuracy = _number(form.get("attribute[accuracy_m]"), "attribute[accuracy_m]")
    description = (form.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, f"description is longer than {MAX_DESCRIPTION} characters")

    location = choose_location(DeviceFix(lon=lon, lat=lat, datum=datum, accuracy_m=accuracy), [])
    routing = route(
        session=session, lon=location.lon, lat=location.lat, datum="wgs84", rule=rule, tolerance_m=tolerance_m
    )
    flags = {"open311": "经 Open311 接口提交，无现场照片"}
    if routing.status == "unrouted":
        flags["unrouted"] = "位置不在任何网格内，需人工研判"
    report = create_report(
        session=session,
        report_id=uuid.uuid4(),
        reporter_id=user.id,
        category_code=rule.code,
        text=description,
        location=location,
        routing=routing,
        flags=flags,
        request_hash=secrets.token_hex(32),
        created_at=datetime.now(UTC),
        channel="open311",
    )
    token = secrets.token_urlsafe(16)
    session.add(Open311Request(token=token, report_id=report.id, key_id=key.id))
    session.flush()
    notice = "已受理，指挥中心研判后派遣" + (
        "；照片链接未下载，请用手机端补充照片" if form.get("media_url") else ""
    )
    return PostedRequest(report.id, token, notice)


def _request_fields(report: PublicReport) -> dict[str, Any]:
    media = report.photos[0]["display_url"] if report.photos else None
    return {
        "service_request_id": str(report.id),
        "status": report.status,
        "status_notes": report.status_notes,
        "service_name": report.category_name,
        "service_code": report.category_code,
        "description": report.description,  # None but for the partner's own requests (the policy)
        "agency_responsible": None,
        "service_notice": None,
        "requested_datetime": report.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "updated_datetime": report.updated_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "expected_datetime": None,
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": round(report.lat, 6),
        "long": round(report.lon, 6),
        "media_url": media,
    }


def _date(value: str | None, name: str) -> datetime | None:
    if value is None or value.strip() == "":
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Open311Error(400, f"{name} {value!r} is not a W3C/ISO 8601 datetime") from None
    if parsed.tzinfo is None:
        raise Open311Error(400, f"{name} {value!r} needs a time zone (Z or ±HH:MM)")
    return parsed


def _ids(value: str) -> list[uuid.UUID]:
    ids = []
    for part in value.split(","):
        try:
            ids.append(uuid.UUID(part.strip()))
        except ValueError:
            continue  # an id that is not ours matches nothing
    return ids


def check_jurisdiction(settings: PublicMapSettings, params: Mapping[str, str]) -> None:
    """An empty or absent ``jurisdiction_id`` is ours; another one is 404, as the spec says."""
    value = (params.get("jurisdiction_id") or "").strip()
    if value and value != settings.open311_jurisdiction_id:
        raise Open311Error(
            404,
            f"jurisdiction_id {value!r} is not served here (this endpoint serves "
            f"{settings.open311_jurisdiction_id!r})",
        )


def _own_ids(session: Session, key: Open311Key, ids: list[uuid.UUID] | None = None) -> list[uuid.UUID]:
    stmt = select(Open311Request.report_id).where(Open311Request.key_id == key.id)
    if ids is not None:
        stmt = stmt.where(Open311Request.report_id.in_(ids))
    return list(session.scalars(stmt))


def list_requests(
    *,
    session: Session,
    settings: PublicMapSettings,
    params: dict[str, str],
    link: Link,
    now: datetime,
    key: Open311Key | None = None,
) -> list[dict[str, Any]]:
    """GET requests: ``service_request_id`` overrides every other filter; else codes, status and a
    date window of at most 90 days (default: the last 90 days); the newest 1000 at most. With a
    partner's key, its own requests in every state join the public ones."""
    window = timedelta(days=settings.open311_window_days)
    if (ids_text := params.get("service_request_id", "").strip()) != "":
        filt = ReportFilter(ids=_ids(ids_text))
    else:
        start, end = _date(params.get("start_date"), "start_date"), _date(params.get("end_date"), "end_date")
        if start is None and end is None:
            end, start = now, now - window
        elif start is None:
            assert end is not None
            start = end - window
        elif end is None:
            end = start + window
        if end < start:
            raise Open311Error(400, "end_date is before start_date")
        if end - start > window:
            raise Open311Error(
                400, f"start_date and end_date may span at most {settings.open311_window_days} days"
            )
        codes = [c.strip() for c in params.get("service_code", "").split(",") if c.strip()]
        statuses = {s.strip().lower() for s in params.get("status", "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status must be open or closed")
        status = next(iter(statuses)) if len(statuses) == 1 else None
        filt = ReportFilter(
            category_codes=codes or None,
            status=status,  # type: ignore[arg-type]
            created_from=start,
            created_to=end + timedelta(microseconds=1),
        )
    cap = settings.open311_max_requests
    reports = {
        r.id: r
        for r in list_public_reports(session=session, settings=settings, filt=filt, limit=cap, link=link)
    }
    if key is not None:
        own = _own_ids(session, key, filt.ids)
        if own:
            mine = replace(filt, ids=[i for i in own if filt.ids is None or i in filt.ids])
            for r in list_public_reports(
                session=session, settings=settings, filt=mine, limit=cap, link=link, disclose=True
            ):
                reports[r.id] = r
    newest = sorted(reports.values(), key=lambda r: (r.created_at, r.id), reverse=True)[:cap]
    return [_request_fields(r) for r in newest]


def get_request(
    *,
    session: Session,
    settings: PublicMapSettings,
    request_id: str,
    link: Link,
    key: Open311Key | None = None,
) -> dict[str, Any]:
    ids = _ids(request_id)
    disclose = bool(ids) and key is not None and bool(_own_ids(session, key, ids))
    reports = (
        list_public_reports(
            session=session,
            settings=settings,
            filt=ReportFilter(ids=ids),
            limit=1,
            link=link,
            disclose=disclose,
        )
        if ids
        else []
    )
    if not reports:
        raise Open311Error(404, f"service_request_id {request_id!r} does not exist")
    return _request_fields(reports[0])


def resolve_token(*, session: Session, token: str) -> dict[str, str]:
    request = session.get(Open311Request, token)
    if request is None:
        raise Open311Error(404, f"token {token!r} does not exist")
    return {"service_request_id": str(request.report_id), "token": token}
