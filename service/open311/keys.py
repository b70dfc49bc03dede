"""Open311 API keys: shown once, stored hashed like login tokens (`accounts.hashing.token_digest`, HMAC
under the server secret), tied to the account their reports are filed under.

Keys created before the keyed hash were stored as plain SHA-256; such a key is still accepted, and its
stored hash is replaced by the keyed one the first time it is used.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.accounts import service as accounts
from service.accounts.hashing import token_digest
from service.accounts.models import Role, User
from service.errors import Conflict, NotFound
from service.open311.models import Open311Key

KEY_PREFIX = "o311_"


def _legacy_hash(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


@dataclass(frozen=True)
class CreatedKey:
    key: str  # the only time the plain key exists
    record: Open311Key
    user: User


def create_key(*, session: Session, name: str, secret_key: str, username: str | None = None) -> CreatedKey:
    """A new key called ``name``. Reports posted with it are filed under ``username`` (an existing
    account), or under a new grid-worker account ``open311-<name>`` that cannot log in."""
    if session.scalar(select(Open311Key.id).where(Open311Key.name == name)) is not None:
        raise Conflict(f"an Open311 key named {name!r} exists already")
    if username is not None:
        user = accounts.get_user_by_username(session=session, username=username)
        if user is None:
            raise NotFound(f"no user {username!r}")
    else:
        user = accounts.create_user(
            session=session,
            username=f"open311-{name}"[:64],
            password=secrets.token_urlsafe(32),  # never shown: the account is only a reporter of record
            role=Role.grid_worker,
            display_name=f"Open311：{name}",
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    record = Open311Key(id=uuid.uuid4(), name=name, key_hash=token_digest(key, secret_key), user_id=user.id)
    session.add(record)
    session.flush()
    return CreatedKey(key, record, user)


def verify_key(*, session: Session, key: str | None, secret_key: str) -> tuple[Open311Key, User] | None:
    """The key's record and account, or None for a missing, unknown or revoked key (or inactive user)."""
    if not key:
        return None
    digest = token_digest(key, secret_key)
    live = Open311Key.revoked_at.is_(None)
    record = session.scalar(select(Open311Key).where(Open311Key.key_hash == digest, live))
    if record is None:
        record = session.scalar(select(Open311Key).where(Open311Key.key_hash == _legacy_hash(key), live))
        if record is None:
            return None
        record.key_hash = digest  # upgraded to the keyed hash on first use
    user = session.get(User, record.user_id)
    if user is None or not user.is_active:
        return None
    session.execute(
        update(Open311Key).where(Open311Key.id == record.id).values(last_used_at=datetime.now(UTC))
    )
    return record, user


def revoke_key(*, session: Session, name: str) -> None:
    record = session.scalar(select(Open311Key).where(Open311Key.name == name))
    if record is None:
        raise NotFound(f"no Open311 key named {name!r}")
    record.revoked_at = datetime.now(UTC)
