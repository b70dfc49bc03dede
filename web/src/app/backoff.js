// When the outbox sends a record again after a failed attempt (no imports: `tests/web/test_backoff.py`
// runs it in Node).
//
// - Without a Retry-After: 2 s, 4 s, 8 s … up to 5 min, each shortened by up to a quarter at random.
// - With the server's Retry-After (a busy service answers 503 `overloaded` at once, with Retry-After:
//   2): the larger of Retry-After and the delay above, × (1 + a random 0 … 0.5), capped at 5 min. The
//   header is a floor, not an appointment: every phone turned away in the same busy second would
//   otherwise come back in the same second, and be turned away together again; and a phone turned away
//   again and again waits longer each time, so that a long spike is not met by a growing crowd of
//   phones retrying every two seconds.

export const BASE_DELAY_MS = 2000;
export const MAX_DELAY_MS = 5 * 60 * 1000;
export const RETRY_AFTER_JITTER = 0.5;

export function backoffDelay(attempts, retryAfterS = null, random = Math.random) {
  const exp = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1));
  if (retryAfterS !== null && retryAfterS !== undefined) {
    const spread = 1 + random() * RETRY_AFTER_JITTER;
    return Math.round(Math.min(MAX_DELAY_MS, Math.max(retryAfterS * 1000, exp) * spread));
  }
  return Math.round(exp * (0.75 + random() * 0.25));
}
