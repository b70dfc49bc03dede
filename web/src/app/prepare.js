// Photos are prepared on the phone before they go into the outbox: a 12 MP photo of 3–5 MB becomes a
// JPEG with a long edge of 2048 px at quality 0.85 (a few hundred KB; both from the server's settings,
// /api/v1/web/config), upright, carrying the original's EXIF block (capture time, GPS position and
// accuracy, device: see exif.js) so the service's integrity checks read the same facts.
//
// Sent as is instead: with the "原图" switch on; a photo the browser cannot decode (HEIC on most
// Android browsers); a HEIC/other container whose EXIF we cannot find (its facts would be lost); a JPEG
// already within the bound and upright; and whenever the prepared file would not be smaller.

import { api } from '../shared/api.js';
import { exifOrientation, readExif, uprightExif, withExif } from './exif.js';

export const DEFAULT_PHOTO_SETTINGS = { maxEdge: 2048, quality: 0.85 };
const STORAGE_KEY = 'whistle-photo-settings';
let known = null;

/** The server's photo settings; offline, the last ones seen (or the defaults). */
export async function photoSettings() {
  if (known) return known;
  try {
    const config = await api.get('/api/v1/web/config', { auth: false, timeoutMs: 5000 });
    known = { maxEdge: config.photo_max_edge_px, quality: config.photo_quality };
    localStorage.setItem(STORAGE_KEY, JSON.stringify(known));
    return known;
  } catch {
    try {
      return JSON.parse(localStorage.getItem(STORAGE_KEY)) || DEFAULT_PHOTO_SETTINGS;
    } catch {
      return DEFAULT_PHOTO_SETTINGS;
    }
  }
}

function isHeif(bytes) {
  return String.fromCharCode(...bytes.subarray(4, 8)) === 'ftyp';
}

function jpegName(name) {
  const stem = name.replace(/\.[^.]*$/, '') || 'photo';
  return `${stem}.jpg`;
}

async function encodeJpeg(bitmap, width, height, quality) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff'; // a transparent PNG lands on white, as on the server
  ctx.fillRect(0, 0, width, height);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, width, height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
  canvas.width = canvas.height = 0; // free the pixels at once (phones run short of canvas memory)
  if (!blob) throw new Error('canvas encode failed');
  return new Uint8Array(await blob.arrayBuffer());
}

/**
 * One photo as the outbox stores it: {name, type, blob, prepared, originalSize}.
 * The bytes are read now: a File picked on a phone may point at a content URI that is gone later.
 */
export async function preparePhoto(file, { original = false } = {}) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const name = file.name || 'photo.jpg';
  const type = file.type || 'application/octet-stream';
  const asIs = () => ({ name, type, blob: new Blob([bytes], { type }), prepared: false, originalSize: bytes.length });
  if (original) return asIs();
  const exif = readExif(bytes);
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  if (!jpeg && isHeif(bytes) && !exif) return asIs();
  const { maxEdge, quality } = await photoSettings();
  let bitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes], { type }), { imageOrientation: 'from-image' });
  } catch {
    return asIs(); // e.g. HEIC where the browser has no decoder: the server decodes it
  }
  try {
    const longEdge = Math.max(bitmap.width, bitmap.height);
    if (jpeg && longEdge <= maxEdge && exifOrientation(exif) === 1) return asIs();
    const scale = Math.min(1, maxEdge / longEdge);
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    let out = await encodeJpeg(bitmap, width, height, quality);
    if (exif) out = withExif(out, uprightExif(exif));
    if (!out || out.length >= bytes.length) return asIs();
    return { name: jpegName(name), type: 'image/jpeg', blob: new Blob([out], { type: 'image/jpeg' }), prepared: true, originalSize: bytes.length };
  } catch {
    return asIs();
  } finally {
    bitmap.close();
  }
}

/** Prepare photos one after the other (one decoded 12 MP picture in memory at a time). */
export async function preparePhotos(files, options) {
  const out = [];
  for (const file of files) out.push(await preparePhoto(file, options));
  return out;
}
