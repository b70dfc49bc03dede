// Sends the outbox to the server, one upload at a time, with exponential backoff: reports, and a unit's
// 报到 (check-in) and 处置反馈 (result) — one loop, one set of rules for all three kinds.
//
// Rules (the server makes retries safe: the record id is also the Idempotency-Key, and a repeat
// returns the first answer):
// - 2xx: delivered; the photo bytes are dropped from the phone, the server's answer is kept.
// - network error, timeout, 5xx, 408, 409 (same key still in flight), 429: retried with the same id
//   and key, after 2 s, 4 s, 8 s … up to 5 min (or the server's Retry-After with up to half of it again
//   at random: see backoff.js), and at once when the browser comes back online.
// - 401: kept, waiting for the user to log in again (a report is never lost to an expired token).
// - any other 4xx: final; the server's message is shown; the user may delete the report. For a check-in
//   or a result, a 409 that names the allowed actions (the dispatch moved on: already checked in, sent
//   back, withdrawn) is final too; only "the same key still in flight" is retried.

import { ApiError, NetworkError, request } from '../shared/api.js';
import { getToken } from '../shared/auth.js';
import { backoffDelay } from './backoff.js';
import { kindOf, listRecords, updateReport } from './outbox.js';

const UPLOAD_TIMEOUT_MS = 120 * 1000;
const LOCK_NAME = 'whistle-outbox-sync';

let timer = null;
let running = false;
let again = false;

function isRetryable(error, kind) {
  if (error instanceof NetworkError) return true;
  if (!(error instanceof ApiError)) return true;
  const s = error.status;
  if (s === 409 && kind !== 'report' && error.details?.allowed) return false; // the dispatch moved on
  return s >= 500 || s === 408 || s === 409 || s === 429;
}

function toFormData(record, { withId }) {
  const form = new FormData();
  if (withId) form.set('id', record.id);
  for (const [key, value] of Object.entries(record.fields)) {
    if (value !== null && value !== undefined && value !== '') form.set(key, String(value));
  }
  for (const photo of record.photos) form.append('photos', photo.blob, photo.name);
  return form;
}

// What the server's answer to a unit's upload is worth keeping on the phone.
const dispatchSummary = (d) => ({
  state: d.state,
  checked_in_at: d.checked_in_at,
  check_in_distance_m: d.check_in_distance_m ?? null,
  check_in_far: Boolean(d.check_in_far),
  check_in_position_error: d.check_in_position_error ?? null,
  result_at: d.result_at,
});

// Where each kind goes and what of the answer is kept.
const KINDS = {
  report: {
    path: () => '/api/v1/reports',
    form: (r) => toFormData(r, { withId: true }),
    keep: (a) => ({ id: a.id, status: a.status, created_at: a.created_at, routing: a.routing, flags: a.flags }),
  },
  check_in: {
    path: (r) => `/api/v1/department/dispatches/${r.dispatchId}/check-in`,
    form: (r) => toFormData(r, { withId: false }),
    keep: dispatchSummary,
  },
  result: {
    path: (r) => `/api/v1/department/dispatches/${r.dispatchId}/result`,
    form: (r) => toFormData(r, { withId: false }),
    keep: dispatchSummary,
  },
};

async function sendOne(record) {
  const kind = KINDS[kindOf(record)];
  await updateReport(record.id, { state: 'sending' });
  try {
    const answer = await request(kind.path(record), {
      method: 'POST',
      form: kind.form(record),
      headers: { 'Idempotency-Key': record.id },
      timeoutMs: UPLOAD_TIMEOUT_MS,
    });
    await updateReport(record.id, {
      state: 'sent',
      sentAt: Date.now(),
      lastError: null,
      photos: [],
      result: kind.keep(answer),
    });
  } catch (error) {
    const attempts = record.attempts + 1;
    const lastError = {
      status: error instanceof ApiError ? error.status : 0,
      code: error instanceof ApiError ? error.code : 'network',
      message: error.message,
      allowed: error instanceof ApiError ? (error.details?.allowed ?? null) : null,
    };
    if (error instanceof ApiError && error.status === 401) {
      await updateReport(record.id, { state: 'pending', attempts, lastError, nextAttemptAt: 0 });
    } else if (isRetryable(error, kindOf(record))) {
      const delay = backoffDelay(attempts, error.retryAfterS ?? null);
      await updateReport(record.id, { state: 'pending', attempts, lastError, nextAttemptAt: Date.now() + delay });
    } else {
      await updateReport(record.id, { state: 'failed', attempts, lastError });
    }
  }
}

async function drain() {
  while (true) {
    if (!getToken()) return; // wait for login
    const now = Date.now();
    const due = (await listRecords())
      .filter((r) => r.state === 'pending' && r.nextAttemptAt <= now)
      .sort((a, b) => a.createdAt - b.createdAt);
    if (due.length === 0) return;
    await sendOne(due[0]);
  }
}

async function schedule() {
  if (timer) clearTimeout(timer);
  timer = null;
  if (!getToken()) return;
  const waiting = (await listRecords()).filter((r) => r.state === 'pending');
  if (waiting.length === 0) return;
  const next = Math.min(...waiting.map((r) => r.nextAttemptAt));
  timer = setTimeout(kick, Math.max(0, next - Date.now()));
}

/** Run the sender now (no-op if it is already running; it then runs once more). */
export async function kick() {
  if (running) {
    again = true;
    return;
  }
  running = true;
  try {
    do {
      again = false;
      // One sender across all open tabs of the app, when the browser offers Web Locks.
      if (navigator.locks) await navigator.locks.request(LOCK_NAME, drain);
      else await drain();
    } while (again);
  } finally {
    running = false;
    await schedule();
  }
}

/** Everything waiting is due now (the network came back, the user logged in, or tapped "retry"). */
export async function retryAllNow() {
  const waiting = (await listRecords()).filter((r) => r.state === 'pending');
  for (const record of waiting) await updateReport(record.id, { nextAttemptAt: 0 });
  await kick();
}

/** Start syncing: reports left "sending" by a closed page go back to pending (same id, same key). */
export async function startSync() {
  const resetStale = async () => {
    const stale = (await listRecords()).filter((r) => r.state === 'sending');
    for (const record of stale) await updateReport(record.id, { state: 'pending', nextAttemptAt: 0 });
  };
  // Under the lock: a report another tab is sending right now is not "stale".
  if (navigator.locks) await navigator.locks.request(LOCK_NAME, resetStale);
  else await resetStale();
  window.addEventListener('online', () => retryAllNow());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') kick();
  });
  await kick();
}
