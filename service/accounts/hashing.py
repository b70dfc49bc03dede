"""Hashing every secret, one way each: passwords with scrypt (slow, salted; the standard library, no
native dependency to build), and secret tokens — login tokens and Open311 API keys — with HMAC-SHA-256
under the server secret (`security.secret_key`): a stolen table of hashes cannot be replayed without it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(
        password.encode(), salt=base64.b64decode(salt_b64), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))


# A hash of a random password, checked when the username is unknown so that timing does not reveal it.
DUMMY_HASH = hash_password(secrets.token_hex(16))


def token_digest(token: str, secret_key: str) -> bytes:
    """Keyed hash of a secret token (a bearer token, an Open311 key): what the database stores."""
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).digest()
