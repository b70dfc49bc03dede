// The original photo's EXIF block, carried over into the prepared (resized) JPEG.
//
// The service reads capture time, GPS position and accuracy, device and DateTime from a photo's EXIF
// and raises its integrity flags from them (service/reports/flags.py). The prepared JPEG carries the
// original's EXIF block byte for byte, with one change: Orientation is set to 1, because the pixels are
// already upright. So the service reads exactly the facts the original would have given it, through
// the same parser and the same checks, and nothing new has to be trusted from a form field.

const TIFF_LE = [0x49, 0x49, 0x2a, 0x00]; // "II*\0"
const TIFF_BE = [0x4d, 0x4d, 0x00, 0x2a]; // "MM\0*"
const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00]; // "Exif\0\0"
const TAG_ORIENTATION = 0x0112;
const MAX_APP1 = 0xffff - 2; // a segment's length field counts itself

function startsWith(bytes, at, prefix) {
  if (at + prefix.length > bytes.length) return false;
  return prefix.every((value, i) => bytes[at + i] === value);
}

/** The APP1 EXIF payload ("Exif\0\0" + TIFF) of a JPEG, or null when it has none. */
function jpegExif(bytes) {
  let pos = 2;
  while (pos + 4 <= bytes.length && bytes[pos] === 0xff) {
    const marker = bytes[pos + 1];
    if (marker === 0xda || marker === 0xd9) return null; // scan or end: no more metadata segments
    const length = (bytes[pos + 2] << 8) | bytes[pos + 3];
    if (length < 2) return null;
    if (marker === 0xe1 && startsWith(bytes, pos + 4, EXIF_HEADER)) return bytes.slice(pos + 4, pos + 2 + length);
    pos += 2 + length;
  }
  return null;
}

/** HEIF, WebP and PNG keep EXIF in a box or chunk: find a TIFF header right after an "Exif" tag
 * (HEIF: "Exif\0\0"; WebP: the "EXIF" chunk; PNG: the "eXIf" chunk) and take the block as far as its
 * directories and values reach. */
function containerExif(bytes) {
  for (let i = 0; i + 16 < bytes.length; i++) {
    if (bytes[i] !== 0x45 && bytes[i] !== 0x65) continue; // 'E' or 'e'
    const tag = String.fromCharCode(bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]);
    if (tag !== 'Exif' && tag !== 'EXIF' && tag !== 'eXIf') continue;
    for (const skip of [6, 8, 4]) {
      const tiff = i + skip;
      if (!startsWith(bytes, tiff, TIFF_LE) && !startsWith(bytes, tiff, TIFF_BE)) continue;
      const block = bytes.subarray(tiff, Math.min(bytes.length, tiff + MAX_APP1 - EXIF_HEADER.length));
      const end = tiffExtent(block);
      if (!end) continue;
      const payload = new Uint8Array(EXIF_HEADER.length + end);
      payload.set(EXIF_HEADER, 0);
      payload.set(block.subarray(0, end), EXIF_HEADER.length);
      return payload;
    }
  }
  return null;
}

const TYPE_SIZES = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4 };
const SUB_IFDS = new Set([0x8769, 0x8825, 0xa005]);

/** How far a TIFF block's IFD0, Exif, GPS, Interop and IFD1 directories and their values reach (bytes),
 * or 0 when the block is not one. */
function tiffExtent(block) {
  if (block.length < 8) return 0;
  const little = startsWith(block, 0, TIFF_LE);
  const view = new DataView(block.buffer, block.byteOffset, block.length);
  let end = 8;
  const seen = new Set();
  const visit = (offset, follow) => {
    if (seen.has(offset) || offset < 8 || offset + 2 > block.length) return;
    seen.add(offset);
    const count = view.getUint16(offset, little);
    const dirEnd = offset + 2 + 12 * count + 4;
    if (dirEnd > block.length) return;
    end = Math.max(end, dirEnd);
    let thumbAt = 0;
    let thumbLength = 0;
    for (let i = 0; i < count; i++) {
      const at = offset + 2 + 12 * i;
      const tag = view.getUint16(at, little);
      const size = (TYPE_SIZES[view.getUint16(at + 2, little)] || 0) * view.getUint32(at + 4, little);
      const value = view.getUint32(at + 8, little);
      if (size > 4 && value + size <= block.length) end = Math.max(end, value + size);
      if (SUB_IFDS.has(tag)) visit(value, false);
      if (tag === 0x0201) thumbAt = value;
      if (tag === 0x0202) thumbLength = value;
    }
    if (thumbAt && thumbAt + thumbLength <= block.length) end = Math.max(end, thumbAt + thumbLength);
    if (follow) visit(view.getUint32(offset + 2 + 12 * count, little), false);
  };
  visit(view.getUint32(4, little), true);
  return end;
}

/** The original's EXIF payload ("Exif\0\0" + TIFF), or null when it carries none we can find. */
export function readExif(bytes) {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return jpegExif(bytes);
  return containerExif(bytes);
}

/** The EXIF orientation (1–8) stated in a payload, or 1. */
export function exifOrientation(payload) {
  const entry = orientationEntry(payload);
  return entry ? entry.view.getUint16(entry.at + 8, entry.little) : 1;
}

function orientationEntry(payload) {
  if (!payload || payload.length < EXIF_HEADER.length + 8) return null;
  const base = EXIF_HEADER.length;
  const little = startsWith(payload, base, TIFF_LE);
  if (!little && !startsWith(payload, base, TIFF_BE)) return null;
  const view = new DataView(payload.buffer, payload.byteOffset + base, payload.length - base);
  const ifd0 = view.getUint32(4, little);
  if (ifd0 + 2 > view.byteLength) return null;
  const count = view.getUint16(ifd0, little);
  for (let i = 0; i < count; i++) {
    const at = ifd0 + 2 + 12 * i;
    if (at + 12 > view.byteLength) return null;
    if (view.getUint16(at, little) === TAG_ORIENTATION && view.getUint16(at + 2, little) === 3) return { view, at, little };
  }
  return null;
}

/** A copy of the payload saying Orientation = 1 (the prepared pixels are upright). */
export function uprightExif(payload) {
  const copy = payload.slice();
  const entry = orientationEntry(copy);
  if (entry) entry.view.setUint16(entry.at + 8, 1, entry.little);
  return copy;
}

/** The JPEG with `payload` as its APP1 EXIF segment (after SOI and a JFIF APP0), or null if too large. */
export function withExif(jpeg, payload) {
  if (payload.length > MAX_APP1 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return null;
  let at = 2;
  if (jpeg[2] === 0xff && jpeg[3] === 0xe0) at = 4 + ((jpeg[4] << 8) | jpeg[5]);
  const length = payload.length + 2;
  const out = new Uint8Array(jpeg.length + 4 + payload.length);
  out.set(jpeg.subarray(0, at), 0);
  out.set([0xff, 0xe1, length >> 8, length & 0xff], at);
  out.set(payload, at + 4);
  out.set(jpeg.subarray(at), at + 4 + payload.length);
  return out;
}
