// Sends the outbox to the server, one report at a time, with exponential backoff.
//
// Rules (the server makes retries safe: the report id is also the Idempotency-Key, and a repeat
// returns the first answer):
// - 2xx: delivered; the photo bytes are dropped from the phone, the server's answer is kept.
// - network error, timeout, 5xx, 408, 409 (same key still in flight), 429: retried with the same id
//   and key, after 2 s, 4 s, 8 s … up to 5 min (or the server's Retry-After), and at once when the
//   browser comes back online.
// - 401: kept, waiting for the user to log in again (a report is never lost to an expired token).
// - any other 4xx: final; the server's message is shown; the user may delete the report.

import { ApiError, NetworkError, request } from '../shared/api.js';
import { getToken } from '../shared/auth.js';
import { listReports, updateReport } from './outbox.js';

const BASE_DELAY_MS = 2000;
const MAX_DELAY_MS = 5 * 60 * 1000;
const UPLOAD_TIMEOUT_MS = 120 * 1000;
const LOCK_NAME = 'whistle-outbox-sync';

let timer = null;
let running = false;
let again = false;

export function backoffDelay(attempts, retryAfterS = null) {
  if (retryAfterS !== null && retryAfterS !== undefined) return Math.min(MAX_DELAY_MS, retryAfterS * 1000);
  const exp = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(exp * (0.75 + Math.random() * 0.25));
}

function isRetryable(error) {
  if (error instanceof NetworkError) return true;
  if (!(error instanceof ApiError)) return true;
  const s = error.status;
  return s >= 500 || s === 408 || s === 409 || s === 429;
}

function toFormData(record) {
  const form = new FormData();
  form.set('id', record.id);
  for (const [key, value] of Object.entries(record.fields)) {
    if (value !== null && value !== undefined && value !== '') form.set(key, String(value));
  }
  for (const photo of record.photos) form.append('photos', photo.blob, photo.name);
  return form;
}

async function sendOne(record) {
  await updateReport(record.id, { state: 'sending' });
  try {
    const result = await request('/api/v1/reports', {
      method: 'POST',
      form: toFormData(record),
      headers: { 'Idempotency-Key': record.id },
      timeoutMs: UPLOAD_TIMEOUT_MS,
    });
    await updateReport(record.id, {
      state: 'sent',
      sentAt: Date.now(),
      lastError: null,
      photos: [],
      result: { id: result.id, status: result.status, created_at: result.created_at, routing: result.routing, flags: result.flags },
    });
  } catch (error) {
    const attempts = record.attempts + 1;
    const lastError = {
      status: error instanceof ApiError ? error.status : 0,
      code: error instanceof ApiError ? error.code : 'network',
      message: error.message,
    };
    if (error instanceof ApiError && error.status === 401) {
      await updateReport(record.id, { state: 'pending', attempts, lastError, nextAttemptAt: 0 });
    } else if (isRetryable(error)) {
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
    const due = (await listReports())
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
  const waiting = (await listReports()).filter((r) => r.state === 'pending');
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
  const waiting = (await listReports()).filter((r) => r.state === 'pending');
  for (const record of waiting) await updateReport(record.id, { nextAttemptAt: 0 });
  await kick();
}

/** Start syncing: reports left "sending" by a closed page go back to pending (same id, same key). */
export async function startSync() {
  const resetStale = async () => {
    const stale = (await listReports()).filter((r) => r.state === 'sending');
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
