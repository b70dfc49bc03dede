"""A case made by hand at the console (手工建案): a 12345 call, a supervising office's referral, the street's
own inspection. It is a report like any other — made by `create_report` (channel `console`, no photos),
routed by `geography.route` — filed at once by `cases.file_report` with the source the desk names,
optionally put under supervision (`cases.supervise_case`): all in one transaction.

- Position: lon/lat (any datum), or a place picked from the place search (`geography.places`); a
  position outside the city's districts is refused (422 `outside_city`): a hand-made case is placed by
  a person who can place it again.
- A district's or a street's command (a street team member too) makes cases only in its own division
  (`service.cases.command`): elsewhere 403, nothing stored; the case is commanded by its maker's level.
- `Idempotency-Key` (optional) as for uploads (`service.idempotency`): a retry with the same key
  and body gets the first answer again, a different body under the key is 422, a refused request frees
  its key. Without the header every request makes a new case.
- The caller's name and phone are kept on the case for the command center only.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from geo.crs import Datum
from service.accounts.models import User
from service.audit.service import ClientInfo
from service.cases import service as cases
from service.cases.command import command_of, division_of
from service.cases.views.presenters import case_public
from service.errors import Forbidden, Invalid
from service.geography.places import find_place
from service.geography.service import Routing, category_rule, distance_to_city_m, route
from service.idempotency import service as idempotency
from service.idempotency.service import StoredAnswer
from service.reports.location import choose_location
from service.reports.schemas import DeviceFix, HandMadeCaseRequest
from service.reports.service import create_report
from service.settings import Settings

CREATED = 201


class OutsideCity(Invalid):
    code = "outside_city"


@dataclass(frozen=True, slots=True)
class Made:
    status_code: int
    body: dict[str, object]
    case_id: uuid.UUID
    report_id: uuid.UUID
    replayed: bool = False


def request_hash(body: HandMadeCaseRequest) -> str:
    """The fingerprint a key's retries must match: the request as parsed (field order is fixed)."""
    return hashlib.sha256(body.model_dump_json().encode()).hexdigest()


def make_case(
    *,
    session: Session,
    settings: Settings,
    user: User,
    body: HandMadeCaseRequest,
    key: str | None,
    client: ClientInfo | None = None,
) -> Made:
    """Make (or, for a retried key, answer again) one case by hand; commits."""
    fingerprint = request_hash(body)
    if key is not None:
        stored = idempotency.claim(
            session=session, user_id=user.id, key=key, request_hash=fingerprint,
            in_flight_timeout_s=settings.reports.in_flight_timeout_s,
        )  # fmt: skip
        if stored is not None:
            case_id, report_id = uuid.UUID(stored.body["id"]), uuid.UUID(stored.body["primary_report_id"])
            return Made(stored.status_code, stored.body, case_id, report_id, replayed=True)
    try:
        made = _make(session, settings, user, body, fingerprint, client)
        if key is not None:
            idempotency.finish(
                session=session, user_id=user.id, key=key, answer=StoredAnswer(made.status_code, made.body),
                report_id=made.report_id,
            )  # fmt: skip
        session.commit()
        return made
    except BaseException:
        session.rollback()
        if key is not None:
            idempotency.release_quietly(session=session, user_id=user.id, key=key)
        raise


def _make(
    session: Session,
    settings: Settings,
    user: User,
    body: HandMadeCaseRequest,
    fingerprint: str,
    client: ClientInfo | None,
) -> Made:
    rule = category_rule(session=session, code=body.category)
    if rule is None or not rule.active:
        raise Invalid(f"category：没有这个类别或已停用：{body.category}", details={"field": "category"})
    if body.place is not None:
        place = find_place(session=session, kind=body.place.kind, code=body.place.code)
        fix = DeviceFix(lon=place.lon, lat=place.lat, datum=Datum.WGS84, accuracy_m=None)
    else:
        if body.lon is None or body.lat is None:  # the request model requires one or the other
            raise AssertionError("no position")
        fix = DeviceFix(lon=body.lon, lat=body.lat, datum=body.datum, accuracy_m=None)
    location = choose_location(fix, [])
    routing = route(
        session=session, lon=location.lon, lat=location.lat, datum="wgs84", rule=rule,
        tolerance_m=settings.router.snap_tolerance_m,
    )  # fmt: skip
    _refuse_outside_city(session, routing)
    command = command_of(session=session, user=user)
    if not command.covers(routing.code("district"), routing.code("street")):
        name = division_of(session=session, command=command).name
        raise Forbidden(f"只能在本辖区（{name}）内建案；该位置不在辖区内")
    now = datetime.now(UTC)
    flags = {"unrouted": "位置不在任何网格内，需人工研判"} if routing.status == "unrouted" else {}
    report = create_report(
        session=session, report_id=uuid.uuid4(), reporter_id=user.id, category_code=rule.code,
        text=body.description, location=location, routing=routing, flags=flags, request_hash=fingerprint,
        created_at=now, channel="console",
    )  # fmt: skip
    origin = cases.CaseOrigin(
        source=body.source, source_ref=body.source_ref or None, caller_name=body.caller_name or None,
        caller_phone=body.caller_phone or None,
    )  # fmt: skip
    case = cases.file_report(
        session=session, report_id=report.id, by=user, client=client, note=body.note, at=now, origin=origin
    )
    if body.supervision is not None:
        s = body.supervision
        cases.supervise_case(
            session=session, case_id=case.id, office_id=s.office_id, deadline=s.deadline, by=user,
            note=s.note, client=client, at=now,
        )  # fmt: skip
    answer = case_public(case, now).model_dump(mode="json")
    return Made(CREATED, answer, case.id, report.id)


def _refuse_outside_city(session: Session, routing: Routing) -> None:
    """No district outline covers the point (the router's `district` None, and not by a lack of grids)."""
    if routing.district is not None:
        return
    distance = distance_to_city_m(session=session, lon=routing.lon, lat=routing.lat)
    if distance == 0:
        return
    away = f"，距本市边界约 {distance / 1000:.1f} 公里" if distance is not None else ""
    raise OutsideCity(
        f"位置（{routing.lon:.5f}, {routing.lat:.5f}）不在本市各区县范围内{away}，不能建案；请核对位置",
        details={"lon": routing.lon, "lat": routing.lat, "distance_m": distance},
    )
