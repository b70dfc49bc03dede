"""Outbound messages: what Whistle tells the outside world when nobody has the app open.

A department unit registers webhook endpoints (a URL and a shared secret; admins manage them). Events
are appended to an outbox (`outbound_deliveries`) in the transaction that makes them — a rolled-back
whistle sends nothing — and delivered later, never inside a request: a background worker in each
service process (`worker`) and `whistle outbound deliver` claim due rows with `FOR UPDATE SKIP LOCKED`,
sign each body with HMAC-SHA256 (`signing`), POST it (`transport`) and retry with exponential backoff
and jitter (`delivery`). The mechanism knows nothing of cases: `service` enqueues any event for any
endpoint by an idempotency key. What a unit hears of the case workflow — a new whistle, a clock turning
yellow or red — is `dispatch_events`, which reads dispatches through `service.db.refs` (the case
workflow calls it; this package never imports `service.cases`).
"""
