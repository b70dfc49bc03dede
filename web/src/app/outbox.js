// The outbox: uploads waiting to reach the server, kept in IndexedDB so that they survive closing the
// page, a flat battery or a dead zone. An upload is written here (fields and photo bytes) BEFORE the first
// attempt to send it, and keeps its id (also the Idempotency-Key) for every retry.
//
// Three kinds share the store and the one sender (sync.js):
//   'report'    a grid worker's or courier's report (records made before kinds existed have no `kind`);
//   'check_in'  a unit's 报到 on site (`dispatchId`; fields: note, lon, lat, accuracy_m | position_error);
//   'result'    a unit's 处置反馈 (`dispatchId`; fields: note).
//
// Record shape:
//   {id, kind, dispatchId?, createdAt, fields: {...}, photos: [{name, type, blob, prepared, originalSize}],
//    (photos as `prepare.js` made them: resized on the phone, or the original with 原图 on)
//    state: 'pending'|'sending'|'sent'|'failed',
//    attempts, nextAttemptAt (ms), lastError: {status, code, message}|null, sentAt, result}

const DB_NAME = 'whistle-app';
const DB_VERSION = 1;
const STORE = 'outbox';
const KEEP_SENT_MS = 7 * 24 * 3600 * 1000;

let dbPromise = null;

function promisify(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function openDb() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        const store = req.result.createObjectStore(STORE, { keyPath: 'id' });
        store.createIndex('createdAt', 'createdAt');
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
      req.onblocked = () => reject(new Error('IndexedDB blocked by another tab'));
    });
  }
  return dbPromise;
}

async function withStore(mode, work) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    let result;
    Promise.resolve(work(tx.objectStore(STORE)))
      .then((value) => {
        result = value;
      })
      .catch(reject);
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
  });
}

/** Store a new upload; resolves once IndexedDB has committed it. */
export async function addRecord({ id, kind, dispatchId = null, fields, photos }) {
  const record = {
    id,
    kind,
    dispatchId,
    createdAt: Date.now(),
    fields,
    photos,
    state: 'pending',
    attempts: 0,
    nextAttemptAt: 0,
    lastError: null,
    sentAt: null,
    result: null,
  };
  await withStore('readwrite', (store) => promisify(store.add(record)));
  notify();
  return record;
}

/** Store a new report (kind 'report'). */
export function addReport({ id, fields, photos }) {
  return addRecord({ id, kind: 'report', fields, photos });
}

export function getReport(id) {
  return withStore('readonly', (store) => promisify(store.get(id)));
}

export const kindOf = (record) => record.kind || 'report';

/** All records of every kind, newest first. */
export async function listRecords() {
  const all = await withStore('readonly', (store) => promisify(store.getAll()));
  return all.sort((a, b) => b.createdAt - a.createdAt);
}

/** The reports alone, newest first. */
export async function listReports() {
  return (await listRecords()).filter((r) => kindOf(r) === 'report');
}

/** A dispatch's 报到 or 处置反馈 uploads (kind 'check_in' | 'result'), newest first. */
export async function listForDispatch(dispatchId, kind) {
  return (await listRecords()).filter((r) => r.dispatchId === dispatchId && kindOf(r) === kind);
}

/** Read-modify-write one record in a single transaction. */
export async function updateReport(id, change) {
  const updated = await withStore('readwrite', async (store) => {
    const record = await promisify(store.get(id));
    if (!record) return null;
    const next = { ...record, ...(typeof change === 'function' ? change(record) : change) };
    await promisify(store.put(next));
    return next;
  });
  notify();
  return updated;
}

export async function deleteReport(id) {
  await withStore('readwrite', (store) => promisify(store.delete(id)));
  notify();
}

/** Drop delivered uploads after a week (their copy lives on the server), keeping the outbox small. */
export async function pruneSent(now = Date.now()) {
  const all = await listRecords();
  const old = all.filter((r) => r.state === 'sent' && r.sentAt && now - r.sentAt > KEEP_SENT_MS);
  for (const record of old) await deleteReport(record.id);
}

// Change notifications, also across tabs of the same app.
export const outboxEvents = new EventTarget();
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('whistle-outbox') : null;
if (channel) channel.onmessage = () => outboxEvents.dispatchEvent(new Event('change'));

function notify() {
  outboxEvents.dispatchEvent(new Event('change'));
  if (channel) channel.postMessage('change');
}
