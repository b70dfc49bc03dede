"""Safe retries: the report id is unique forever; Idempotency-Key replays the first answer per user."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from service.accounts.models import Role, User
from service.idempotency import service as idempotency
from service.idempotency.models import IdempotencyKey
from service.photos.models import Photo
from service.reports.form import parse_form, request_hash
from service.reports.models import Report
from tests.media.photo_factory import encode, scene
from tests.service.reports.conftest import Headers, post_report, report_fields
from tests.support.rolled_back import UserFactory

PHOTO = encode(scene(64, 48), "JPEG", quality=90)


def count(db: Session, model: type[Report] | type[Photo] | type[IdempotencyKey]) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_the_same_report_sent_five_times_makes_one_report(
    client: TestClient, reporter_headers: Headers, db: Session
) -> None:
    data = report_fields()
    answers = [post_report(client, reporter_headers, [PHOTO], data=dict(data)) for _ in range(5)]
    assert [a.status_code for a in answers] == [201] * 5
    assert all(a.json() == answers[0].json() for a in answers)
    assert "idempotent-replayed" not in answers[0].headers
    assert all(a.headers["idempotent-replayed"] == "true" for a in answers[1:])
    assert count(db, Report) == 1 and count(db, Photo) == 1 and count(db, IdempotencyKey) == 1
    key = db.scalars(select(IdempotencyKey)).one()
    assert key.key == data["id"] and key.state == "finished" and key.status_code == 201
    assert key.response == answers[0].json()


def test_an_idempotency_key_replays_the_stored_answer(
    client: TestClient, reporter_headers: Headers, db: Session
) -> None:
    data = report_fields()
    key = f'"{uuid.uuid4()}"'  # RFC 8941 string form, as the IETF draft writes it
    first = post_report(client, reporter_headers, [PHOTO], key=key, data=dict(data))
    assert first.status_code == 201, first.text
    # The stored answer is replayed as stored, even if the report changed since.
    db.execute(update(Report).values(text="edited later"))
    db.commit()
    again = post_report(client, reporter_headers, [PHOTO], key=key, data=dict(data))
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    # The same body in another multipart framing (field order, number format) is the same request.
    reordered = {k: data[k] for k in reversed(list(data))} | {"lon": data["lon"] + "0", "accuracy_m": "8.0"}
    third = post_report(client, reporter_headers, [PHOTO], key=key, data=reordered)
    assert third.status_code == 201 and third.json() == first.json()
    assert count(db, Report) == 1


def test_the_same_key_with_a_different_body_is_422(
    client: TestClient, reporter_headers: Headers, db: Session
) -> None:
    key = str(uuid.uuid4())
    assert post_report(client, reporter_headers, [PHOTO], key=key).status_code == 201
    other = post_report(client, reporter_headers, [PHOTO], key=key)  # a new report id, same key
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    other_photo = post_report(client, reporter_headers, [encode(scene(40, 30))], key=key)
    assert other_photo.status_code == 422
    assert count(db, Report) == 1


def test_the_same_report_id_with_a_different_body_is_422(
    client: TestClient, reporter_headers: Headers, db: Session
) -> None:
    report_id = uuid.uuid4()
    assert post_report(client, reporter_headers, [PHOTO], report_id=report_id).status_code == 201
    for key in (None, str(uuid.uuid4())):
        changed = post_report(
            client, reporter_headers, [PHOTO], key=key, report_id=report_id, text="不同的描述"
        )
        assert changed.status_code == 422, changed.text
        assert changed.json()["error"]["code"] == "report_id_used"
    assert count(db, Report) == 1
    assert count(db, IdempotencyKey) == 1  # the refused sends left no claim behind


def test_another_user_cannot_reuse_a_report_id_or_see_anothers_key(
    client: TestClient,
    reporter_headers: Headers,
    make_user: UserFactory,
    login: Callable[[User], Headers],
    db: Session,
) -> None:
    data = report_fields()
    key = str(uuid.uuid4())
    assert post_report(client, reporter_headers, [PHOTO], key=key, data=dict(data)).status_code == 201
    other = login(make_user(Role.courier))
    same_id = post_report(client, other, [PHOTO], key=key, data=dict(data))
    assert same_id.status_code == 422 and same_id.json()["error"]["code"] == "report_id_used"
    # The same key string is a different key for another user: their own report goes through.
    own = post_report(client, other, [PHOTO], key=key)
    assert own.status_code == 201, own.text
    assert count(db, Report) == 2


def claimed_row(db: Session, user: User, data: dict[str, str], key: str, age: timedelta) -> None:
    form = parse_form(data)
    db.add(
        IdempotencyKey(
            user_id=user.id,
            key=key,
            request_hash=request_hash(form, [hashlib.sha256(PHOTO).hexdigest()]),
            state="started",
            locked_at=datetime.now(UTC) - age,
        )
    )
    db.commit()


def test_a_retry_while_the_first_is_running_is_409_and_an_abandoned_claim_is_retaken(
    client: TestClient, reporter: User, reporter_headers: Headers, db: Session
) -> None:
    data = report_fields()
    key = str(uuid.uuid4())
    claimed_row(db, reporter, data, key, age=timedelta(seconds=5))
    busy = post_report(client, reporter_headers, [PHOTO], key=key, data=dict(data))
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "request_in_flight"
    assert busy.headers["retry-after"] == "2"
    assert count(db, Report) == 0

    # The worker holding the claim died: after the in-flight timeout (30 s) the claim is retaken.
    db.execute(update(IdempotencyKey).values(locked_at=datetime.now(UTC) - timedelta(minutes=3)))
    db.commit()
    retaken = post_report(client, reporter_headers, [PHOTO], key=key, data=dict(data))
    assert retaken.status_code == 201, retaken.text
    assert count(db, Report) == 1


def test_a_refused_request_frees_its_key_for_the_corrected_one(
    client: TestClient, reporter_headers: Headers, db: Session
) -> None:
    key = str(uuid.uuid4())
    data = report_fields()
    refused = post_report(client, reporter_headers, [b"not a photo at all" * 10], key=key, data=dict(data))
    assert refused.status_code == 415
    assert count(db, IdempotencyKey) == 0
    fixed = post_report(client, reporter_headers, [PHOTO], key=key, data=dict(data))
    assert fixed.status_code == 201, fixed.text


def test_after_the_key_window_the_report_id_still_answers_the_first_report(
    client: TestClient, reporter_headers: Headers, db: Session
) -> None:
    data = report_fields()
    first = post_report(client, reporter_headers, [PHOTO], key="phone-key-0001", data=dict(data))
    assert first.status_code == 201
    pruned = idempotency.prune(session=db, older_than=datetime.now(UTC) + timedelta(seconds=1))
    assert pruned == 1 and count(db, IdempotencyKey) == 0
    late = post_report(client, reporter_headers, [PHOTO], key="phone-key-0001", data=dict(data))
    assert late.status_code == 201 and late.headers["idempotent-replayed"] == "true"
    assert late.json() == first.json()
    assert count(db, Report) == 1


def test_prune_keeps_keys_inside_the_window(
    client: TestClient, reporter_headers: Headers, db: Session
) -> None:
    assert post_report(client, reporter_headers, [PHOTO]).status_code == 201
    cutoff = idempotency.retention_cutoff(datetime.now(UTC), 30)
    assert idempotency.prune(session=db, older_than=cutoff) == 0
    db.execute(update(IdempotencyKey).values(created_at=datetime.now(UTC) - timedelta(days=31)))
    db.commit()
    assert idempotency.prune(session=db, older_than=cutoff) == 1


def test_two_idempotency_headers_are_400(client: TestClient, reporter_headers: Headers) -> None:
    response = client.post(
        "/api/v1/reports",
        data=report_fields(),
        files=[("photos", ("a.jpg", PHOTO, "image/jpeg"))],
        headers=[*reporter_headers.items(), ("Idempotency-Key", "a" * 20), ("Idempotency-Key", "b" * 20)],
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_idempotency_key"
