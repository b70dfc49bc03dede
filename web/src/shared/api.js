// A small fetch wrapper for the Whistle API.
// Every error the service sends has one shape: {"error": {"code", "message", "details"}};
// it becomes an ApiError here. A request that never got an answer becomes a NetworkError.

import { clearSession, getToken } from './auth.js';

export class ApiError extends Error {
  constructor(status, code, message, details = null, retryAfterS = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfterS = retryAfterS;
  }
}

export class NetworkError extends Error {
  constructor(message) {
    super(message);
    this.name = 'NetworkError';
  }
}

/** Listeners told when the server no longer accepts our token (expired or revoked: a lost phone). */
export const authEvents = new EventTarget();

function retryAfterSeconds(response) {
  const value = response.headers.get('Retry-After');
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, (at - Date.now()) / 1000);
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's error page, for instance): keep the HTTP status.
  }
  const error = body && body.error;
  return new ApiError(
    response.status,
    error?.code ?? `http_${response.status}`,
    error?.message ?? `${response.status} ${response.statusText}`,
    error?.details ?? null,
    retryAfterSeconds(response),
  );
}

/**
 * Call the API. `json` sends a JSON body, `form` a FormData (multipart) body.
 * Resolves to the parsed JSON answer (null for 204); rejects with ApiError or NetworkError.
 */
export async function request(path, options = {}) {
  const response = await send(path, options);
  if (response.status === 204) return null;
  return response.json();
}

/** `request`, resolving to the fetch Response itself (a successful one) so its headers can be read. */
async function send(path, { method = 'GET', json, form, headers = {}, auth = true, signal, timeoutMs } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, signal };
  const token = auth ? getToken() : null;
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    init.body = form; // the browser sets the multipart boundary
  }
  let timer = null;
  if (timeoutMs && !signal) {
    const controller = new AbortController();
    init.signal = controller.signal;
    timer = setTimeout(() => controller.abort(), timeoutMs);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new NetworkError(err?.name === 'AbortError' ? 'timeout' : String(err?.message || err));
  } finally {
    if (timer) clearTimeout(timer);
  }
  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401 && token) {
      clearSession();
      authEvents.dispatchEvent(new Event('logout'));
    }
    throw error;
  }
  return response;
}

// Lists answer a page at a time (`limit`, `cursor`); the next page's cursor comes in this header.
const NEXT_CURSOR = 'X-Next-Cursor';
const MAX_PAGES = 100;

/**
 * Every row of a paged list: asks for the largest page (500, or `pageSize` for lists whose maximum is
 * smaller), then follows `X-Next-Cursor` to the end.
 */
async function getAll(path, { pageSize = 500, ...options } = {}) {
  const rows = [];
  const sep = path.includes('?') ? '&' : '?';
  let url = `${path}${sep}limit=${pageSize}`;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const response = await send(url, { ...options, method: 'GET' });
    rows.push(...(await response.json()));
    const cursor = response.headers.get(NEXT_CURSOR);
    if (!cursor) break;
    url = `${path}${sep}limit=${pageSize}&cursor=${encodeURIComponent(cursor)}`;
  }
  return rows;
}

export const api = {
  get: (path, options) => request(path, { ...options, method: 'GET' }),
  getAll,
  post: (path, json, options) => request(path, { ...options, method: 'POST', json }),
};

/** Log in and return the raw login answer ({access_token, expires_at, user}). */
export function login(username, password, device) {
  return request('/api/v1/auth/login', {
    method: 'POST',
    json: { username, password, device },
    auth: false,
  });
}

/** Build a query string from an object, leaving out empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
