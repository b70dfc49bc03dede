"""`Idempotency-Key` for uploads from phones on bad networks (IETF draft-ietf-httpapi-idempotency-key-header).

Scope and lifetime:
- a key belongs to one user (primary key `(user_id, key)`): another user's key never matches;
- the key is claimed with `INSERT ... ON CONFLICT DO NOTHING` in its own short transaction *before*
  the work, so of two concurrent sends exactly one does the work; the other gets 409 (in flight);
- the first successful answer (status and body) is stored in the same transaction as the report, and
  every later send with the same key and the same request fingerprint gets it back (replay);
- the same key with a different fingerprint is 422; a refused request (415/413/422, or a failure such
  as a lost database) frees its key, so the corrected or retried request may use it again;
- a `started` claim older than `in_flight_timeout_s` (30 s: a crashed worker, or a release that failed
  while the database was down) may be retaken. The claim is taken only once the whole body has arrived,
  so it covers the processing alone (well under a second per photo); and retaking one that is in fact
  still running is safe: both race on the report id's primary key, and the loser answers with the
  winner's report;
- keys are kept `idempotency_retention_days` (30 by default: couriers may be offline for days), then
  pruned by `whistle media sweep`. The report id's own uniqueness never expires.

Key format (validated before any lookup): 1-255 visible ASCII characters, optionally sent as an RFC
8941 string (in double quotes). Without the header the report id is the key.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from service.errors import Conflict, DomainError, Invalid
from service.idempotency.models import IdempotencyKey

log = logging.getLogger(__name__)

MAX_KEY_LENGTH = 255
IN_FLIGHT_RETRY_AFTER_S = 2


class BadIdempotencyKey(DomainError):
    status, code = 400, "bad_idempotency_key"


class KeyReused(Invalid):
    code = "idempotency_key_reused"


class RequestInFlight(Conflict):
    code = "request_in_flight"


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    status_code: int
    body: Any
    replayed: bool = False  # the first answer, given again to a retry


def parse_key(header: str | None, *, default: uuid.UUID) -> str:
    """The effective key: the header's value (quotes removed) or, without one, the report id."""
    if header is None:
        return str(default)
    value = header.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if not 1 <= len(value) <= MAX_KEY_LENGTH or not all(33 <= ord(c) <= 126 for c in value):
        raise BadIdempotencyKey(
            f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} visible ASCII characters (a UUID is best)"
        )
    return value


def header_key(request: Request) -> str | None:
    """The request's `Idempotency-Key` (checked), or None when it sent none."""
    keys = request.headers.getlist("idempotency-key")
    if len(keys) > 1:
        raise BadIdempotencyKey("send at most one Idempotency-Key header")
    return parse_key(keys[0], default=uuid.UUID(int=0)) if keys else None


def claim(
    *,
    session: Session,
    user_id: uuid.UUID,
    key: str,
    request_hash: str,
    in_flight_timeout_s: float,
    _again: bool = True,
) -> StoredAnswer | None:
    """Claim `key` for this request (None: go ahead, the work is ours), or return the stored answer.

    Commits its own short transaction. Raises `KeyReused` (422) for a different request under the
    key and `RequestInFlight` (409, Retry-After) while another send of it is being worked on.
    """
    inserted = session.execute(
        insert(IdempotencyKey)
        .values(user_id=user_id, key=key, request_hash=request_hash, state="started")
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
        .returning(IdempotencyKey.key)
    ).first()
    if inserted is not None:
        session.commit()
        return None
    row = session.execute(
        select(
            IdempotencyKey.request_hash,
            IdempotencyKey.state,
            IdempotencyKey.status_code,
            IdempotencyKey.response,
        ).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    ).first()
    if row is None:
        # Released or pruned between our insert and our read: claim again, once.
        session.rollback()
        if not _again:
            raise _in_flight()
        return claim(
            session=session,
            user_id=user_id,
            key=key,
            request_hash=request_hash,
            in_flight_timeout_s=in_flight_timeout_s,
            _again=False,
        )
    if row.request_hash != request_hash:
        session.rollback()
        raise KeyReused(
            "This Idempotency-Key was already used for a different request; send a new key for a new "
            "report (the key must not be reused with a different body)."
        )
    if row.state == "finished" and row.status_code is not None:
        session.rollback()
        return StoredAnswer(row.status_code, row.response)
    retaken = session.execute(
        update(IdempotencyKey)
        .where(
            IdempotencyKey.user_id == user_id,
            IdempotencyKey.key == key,
            IdempotencyKey.state == "started",
            IdempotencyKey.locked_at < text("now() - make_interval(secs => :timeout)"),
        )
        .values(locked_at=text("now()"))
        .returning(IdempotencyKey.key),
        {"timeout": in_flight_timeout_s},
    ).first()
    if retaken is not None:
        session.commit()
        return None
    session.rollback()
    raise _in_flight()


def _in_flight() -> RequestInFlight:
    return RequestInFlight(
        "A request with this Idempotency-Key is still being processed; retry in a few seconds.",
        headers={"Retry-After": str(IN_FLIGHT_RETRY_AFTER_S)},
    )


def finish(
    *,
    session: Session,
    user_id: uuid.UUID,
    key: str,
    answer: StoredAnswer,
    report_id: uuid.UUID | None = None,
) -> None:
    """Store the answer in the caller's transaction (commit together with the work it describes)."""
    session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
        .values(state="finished", status_code=answer.status_code, response=answer.body, report_id=report_id)
    )


def release(*, session: Session, user_id: uuid.UUID, key: str) -> None:
    """Free an unfinished claim (the request was refused or failed): a retry may do the work. Commits."""
    session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id, IdempotencyKey.key == key, IdempotencyKey.state == "started"
        )
    )
    session.commit()


def once(
    *,
    session: Session,
    user_id: uuid.UUID,
    key: str | None,
    request_hash: str,
    in_flight_timeout_s: float,
    work: Callable[[], StoredAnswer],
) -> StoredAnswer:
    """Run `work` (which writes in `session` and does not commit) once per key: a retry under the same
    key gets the first answer back. Commits the work with its answer; a failure frees the key.
    Without a key, simply runs and commits `work`."""
    if key is not None:
        stored = claim(
            session=session, user_id=user_id, key=key, request_hash=request_hash,
            in_flight_timeout_s=in_flight_timeout_s,
        )  # fmt: skip
        if stored is not None:
            return replace(stored, replayed=True)
    try:
        answer = work()
        if key is not None:
            finish(session=session, user_id=user_id, key=key, answer=answer)
        session.commit()
        return answer
    except BaseException:
        session.rollback()
        if key is not None:
            release_quietly(session=session, user_id=user_id, key=key)
        raise


def release_quietly(*, session: Session, user_id: uuid.UUID, key: str) -> None:
    """`release` after a refusal; if the database is gone too, the claim expires by itself."""
    try:
        release(session=session, user_id=user_id, key=key)
    except Exception:  # the original failure matters more than this one
        session.rollback()
        log.warning("could not release idempotency key %s of user %s", key, user_id, exc_info=True)


def prune(*, session: Session, older_than: datetime) -> int:
    """Delete keys created before `older_than`; returns how many. Commits."""
    result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < older_than))
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def retention_cutoff(now: datetime, retention_days: int) -> datetime:
    return now - timedelta(days=retention_days)
