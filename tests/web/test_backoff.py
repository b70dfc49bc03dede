"""The outbox's retry delays (web/src/app/backoff.js), run in Node: a busy service's Retry-After is
honoured with jitter, so the phones it turned away in the same second do not all come back together."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

BACKOFF = Path(__file__).resolve().parents[2] / "web" / "src" / "app" / "backoff.js"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js builds the web apps")


def delays(calls: list[tuple[int, float | None, float]]) -> list[int]:
    """backoffDelay(attempts, retryAfterS, () => random) for each call, in Node."""
    script = f"""
import {{ backoffDelay }} from {json.dumps(BACKOFF.as_uri())};
const calls = {json.dumps(calls)};
console.log(JSON.stringify(calls.map(([a, r, x]) => backoffDelay(a, r, () => x))));
"""
    out = subprocess.run(
        ["node", "--input-type=module", "-e", script], check=True, capture_output=True, text=True
    ).stdout
    result: list[int] = json.loads(out)
    return result


def test_retry_after_is_waited_at_least_and_at_most_half_again() -> None:
    # Retry-After: 2 on the first refusal → between 2 s and 3 s, by the random draw.
    assert delays([(1, 2, 0.0), (1, 2, 0.5), (1, 2, 0.999999), (1, 10, 0.0)]) == [2000, 2500, 3000, 10_000]


def test_a_phone_refused_again_and_again_waits_longer_each_time() -> None:
    # Retry-After: 2 is a floor: the fourth refusal in a row waits 16–24 s, not 2 s.
    assert delays([(2, 2, 0.0), (3, 2, 0.0), (4, 2, 0.0), (4, 2, 0.999999)]) == [4000, 8000, 16_000, 24_000]


def test_phones_turned_away_together_come_back_spread_out() -> None:
    draws = [i / 100 for i in range(100)]
    spread = delays([(1, 2, x) for x in draws])
    assert min(spread) == 2000
    assert max(spread) >= 2950
    assert len(set(spread)) == 100  # a hundred phones, a hundred different moments


def test_a_long_retry_after_is_capped_at_five_minutes() -> None:
    assert delays([(1, 3600, 0.3), (1, 250, 0.9)]) == [300_000, 300_000]


def test_without_retry_after_the_delay_doubles_up_to_five_minutes() -> None:
    assert delays([(1, None, 1.0), (2, None, 1.0), (3, None, 1.0), (30, None, 1.0)]) == [
        2000,
        4000,
        8000,
        300_000,
    ]
    assert delays([(1, None, 0.0)]) == [1500]
