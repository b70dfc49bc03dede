"""Users, login and tokens: queries and rules, no HTTP."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.accounts.hashing import DUMMY_HASH, hash_password, token_digest, verify_password
from service.accounts.models import UNIT_ROLES, AccessToken, Role, User
from service.audit import service as audit
from service.audit.service import ClientInfo
from service.db import keyset, refs
from service.errors import Conflict, Invalid, NotFound, TooManyRequests, Unauthorized
from service.settings import SecuritySettings

TOKEN_PREFIX = "wst_"  # noqa: S105 - a marker that makes leaked tokens easy to scan for


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    record: AccessToken
    user: User


def create_user(
    *,
    session: Session,
    username: str,
    password: str,
    role: Role,
    display_name: str = "",
    phone: str | None = None,
    unit_id: uuid.UUID | None = None,
    office_id: uuid.UUID | None = None,
    division_code: str | None = None,
) -> User:
    if len(password) < 8:
        raise Invalid("password must have at least 8 characters")
    if role in UNIT_ROLES and unit_id is None:
        raise Invalid(f"a user with role {role.value} must be bound to a department unit")
    _check_office(session, role, office_id)
    if role is Role.street_team and unit_id is not None:
        _check_street_team(session, unit_id)
    if division_code is not None:
        _check_division(session, role, division_code)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"username {username!r} is taken")
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role.value,
        display_name=display_name or username,
        phone=phone,
        unit_id=unit_id,
        office_id=office_id,
        division_code=division_code,
    )
    session.add(user)
    session.flush()
    return user


def _check_office(session: Session, role: Role, office_id: uuid.UUID | None) -> None:
    """A supervisor is bound to one active supervising office (督办单位); no other role is."""
    if role is not Role.supervisor:
        if office_id is not None:
            raise Invalid("只有督办单位账号（supervisor）可以绑定督办单位", details={"field": "office_id"})
        return
    if office_id is None:
        raise Invalid(
            "督办单位账号（supervisor）必须绑定一个督办单位（office_id）", details={"field": "office_id"}
        )
    o = refs.supervising_offices.c
    active = session.scalar(select(o.active).where(o.id == office_id))
    if not active:
        state = "不存在" if active is None else "已停用"
        raise Invalid(f"督办单位 {office_id} {state}", details={"field": "office_id"})


def office_id_of(*, session: Session, office: str) -> uuid.UUID:
    """The id of a supervising office named by its code or id (the `whistle user create` option)."""
    o = refs.supervising_offices.c
    try:
        condition = o.id == uuid.UUID(office)
    except ValueError:
        condition = o.code == office
    found = session.scalar(select(o.id).where(condition))
    if found is None:
        raise NotFound(f"没有督办单位 {office}")
    return uuid.UUID(str(found))


def _check_street_team(session: Session, unit_id: uuid.UUID) -> None:
    """A street team member belongs to a street's enforcement team (it commands that street)."""
    u = refs.department_units.c
    street = session.execute(
        select(u.street_code).where(u.id == unit_id, u.is_street_team.is_(True))
    ).one_or_none()
    if street is None or street[0] is None:
        raise Invalid("街道执法队员须属于某个街道的综合执法队", details={"field": "unit_id"})


def _check_division(session: Session, role: Role, code: str) -> None:
    """A division is a current district (6 digits) or street (12 digits), for dispatchers only."""
    if role is not Role.dispatcher:
        raise Invalid("只有指挥人员（dispatcher）可以指定所辖区域", details={"field": "division_code"})
    table = {6: refs.districts, 12: refs.streets}.get(len(code))
    exists = table is not None and session.scalar(
        select(table.c.code).where(table.c.code == code, table.c.valid_to.is_(None))
    )
    if not exists:
        raise Invalid(
            f"所辖区域 {code} 不是现有的区（6位）或街道（12位）代码", details={"field": "division_code"}
        )


def get_user(*, session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    return user


def get_user_by_username(*, session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def list_users(
    *, session: Session, role: Role | None = None, after: str | None = None, limit: int | None = None
) -> list[User]:
    """Users by username; a page of `limit` after the username `after`."""
    stmt = select(User).order_by(User.username).limit(limit)
    if role:
        stmt = stmt.where(User.role == role.value)
    if after is not None:
        stmt = stmt.where(User.username > after)
    return list(session.scalars(stmt))


def login(
    *,
    session: Session,
    username: str,
    password: str,
    settings: SecuritySettings,
    device_label: str = "",
    client: ClientInfo | None = None,
) -> IssuedToken:
    """Check the password and issue a token. Failures are audited and committed before raising."""
    window_start = now() - timedelta(seconds=settings.login_throttle_window_s)
    failures = audit.count_since(
        session=session, action="login_failed", subject_id=username, since=window_start
    )
    if failures >= settings.login_failures_before_throttle:
        audit.record(
            session=session, action="login_throttled", subject_type="user", subject_id=username, client=client
        )
        session.commit()
        raise TooManyRequests(
            "too many failed logins for this account; wait and try again",
            headers={"Retry-After": str(settings.login_throttle_window_s)},
        )
    user = get_user_by_username(session=session, username=username)
    ok = verify_password(password, user.password_hash if user else DUMMY_HASH)
    if user is None or not ok or not user.is_active:
        audit.record(
            session=session,
            action="login_failed",
            actor_id=user.id if user else None,
            subject_type="user",
            subject_id=username,
            client=client,
            detail={"reason": "inactive" if user and ok else "bad_credentials"},
        )
        session.commit()
        raise Unauthorized("wrong username or password")
    issued = issue_token(session=session, user=user, settings=settings, device_label=device_label)
    audit.record(
        session=session,
        action="login",
        actor_id=user.id,
        actor_username=user.username,
        subject_type="user",
        subject_id=username,
        client=client,
        detail={"token_id": str(issued.record.id), "device": device_label},
    )
    session.commit()
    return issued


def issue_token(
    *, session: Session, user: User, settings: SecuritySettings, device_label: str = ""
) -> IssuedToken:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = AccessToken(
        user_id=user.id,
        token_hash=token_digest(token, settings.secret_key),
        device_label=device_label[:100],
        expires_at=now() + timedelta(hours=settings.token_ttl_hours),
    )
    session.add(record)
    session.flush()
    return IssuedToken(token=token, record=record, user=user)


def resolve_token(*, session: Session, token: str, settings: SecuritySettings) -> tuple[User, AccessToken]:
    """The user behind a bearer token, or Unauthorized. Revocation takes effect on the very next request."""
    if not token.startswith(TOKEN_PREFIX):
        raise Unauthorized()
    row = session.execute(
        select(User, AccessToken)
        .join(AccessToken, AccessToken.user_id == User.id)
        .where(
            AccessToken.token_hash == token_digest(token, settings.secret_key),
            AccessToken.revoked_at.is_(None),
            AccessToken.expires_at > now(),
            User.is_active.is_(True),
        )
    ).first()
    if row is None:
        raise Unauthorized()
    return row[0], row[1]


def list_tokens(
    *,
    session: Session,
    user: User,
    after: tuple[datetime, uuid.UUID] | None = None,
    limit: int | None = None,
) -> list[AccessToken]:
    """The user's tokens, newest first; a page of `limit` after the key `(created_at, id)` `after`."""
    columns = (AccessToken.created_at, AccessToken.id)
    stmt = (
        select(AccessToken)
        .where(AccessToken.user_id == user.id)
        .order_by(*(c.desc() for c in columns))
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(keyset.after(columns, after, descending=(True, True)))
    return list(session.scalars(stmt))


def revoke_token(*, session: Session, user: User, token_id: uuid.UUID, by: User) -> AccessToken:
    record = session.get(AccessToken, token_id)
    if record is None or record.user_id != user.id:
        raise NotFound(f"token {token_id} does not exist")
    if record.revoked_at is None:
        record.revoked_at = now()
        audit.record(
            session=session,
            action="token_revoked",
            actor_id=by.id,
            actor_username=by.username,
            subject_type="token",
            subject_id=str(token_id),
        )
    session.commit()
    return record


def revoke_all_tokens(*, session: Session, user: User, by: User) -> int:
    """Cut off every device of a user at once (a lost phone)."""
    result = session.execute(
        update(AccessToken)
        .where(AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    count = int(getattr(result, "rowcount", 0) or 0)
    audit.record(
        session=session,
        action="tokens_revoked_all",
        actor_id=by.id,
        actor_username=by.username,
        subject_type="user",
        subject_id=user.username,
        detail={"count": count},
    )
    session.commit()
    return count
