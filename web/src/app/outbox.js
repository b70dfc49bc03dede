// The outbox: reports waiting to reach the server, kept in IndexedDB so that they survive closing the
// page, a flat battery or a dead zone. A report is written here (fields and photo bytes) BEFORE the first
// attempt to send it, and keeps its id (also the Idempotency-Key) for every retry.
//
// Record shape:
//   {id, createdAt, fields: {category, text, lon, lat, datum, accuracy_m, captured_at},
//    photos: [{name, type, blob}], state: 'pending'|'sending'|'sent'|'failed',
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

/**
 * Copy the photo bytes now: a File picked on a phone may point at a content URI that is gone later.
 * The copy is what IndexedDB stores.
 */
export async function snapshotPhoto(file) {
  const bytes = await file.arrayBuffer();
  return { name: file.name || 'photo.jpg', type: file.type || 'application/octet-stream', blob: new Blob([bytes], { type: file.type }) };
}

/** Store a new report; resolves once IndexedDB has committed it. */
export async function addReport({ id, fields, photos }) {
  const record = {
    id,
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

export function getReport(id) {
  return withStore('readonly', (store) => promisify(store.get(id)));
}

/** All records, newest first. */
export async function listReports() {
  const all = await withStore('readonly', (store) => promisify(store.getAll()));
  return all.sort((a, b) => b.createdAt - a.createdAt);
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

/** Drop delivered reports after a week (their copy lives on the server), keeping the outbox small. */
export async function pruneSent(now = Date.now()) {
  const all = await listReports();
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
