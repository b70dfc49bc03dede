"""What a delivery carries besides its body: the headers, and the HMAC that proves Whistle sent it.

The body is the delivery's payload as compact JSON (UTF-8, keys sorted, no ASCII escaping). The
signature is HMAC-SHA256, keyed with the endpoint's secret (its UTF-8 bytes), over the bytes

    <X-Whistle-Timestamp> "." <raw body>

i.e. `f"{timestamp}.".encode() + body`, sent as `X-Whistle-Signature: sha256=<lower-case hex>`. The
timestamp (Unix seconds of the attempt) is inside the signed bytes, so a captured request cannot be
replayed later with a fresh timestamp: a receiver recomputes the HMAC, compares it in constant time,
and refuses a timestamp more than `TOLERANCE_S` from its own clock (`verify` is exactly that check).
`X-Whistle-Delivery` (the delivery's id, the same on every retry) lets a receiver drop a repeat.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

TOLERANCE_S = 300
USER_AGENT = "Whistle-Webhooks/1"


def body_of(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes sent (and signed) for a payload."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def signature(*, secret: str, timestamp: int | str, body: bytes) -> str:
    """`sha256=` and the hex HMAC-SHA256 of `f"{timestamp}.".encode() + body` keyed with the secret."""
    signed = f"{timestamp}.".encode("ascii") + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def headers(*, secret: str, event: str, delivery_id: int, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Whistle-Event": event,
        "X-Whistle-Delivery": str(delivery_id),
        "X-Whistle-Timestamp": str(timestamp),
        "X-Whistle-Signature": signature(secret=secret, timestamp=timestamp, body=body),
    }


def verify(
    *,
    secret: str,
    body: bytes,
    timestamp: str,
    signature_header: str,
    now: float,
    tolerance_s: int = TOLERANCE_S,
) -> bool:
    """A receiver's check: the signature matches and the timestamp is within `tolerance_s` of `now`."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent_at) > tolerance_s:
        return False
    expected = signature(secret=secret, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected, signature_header)
