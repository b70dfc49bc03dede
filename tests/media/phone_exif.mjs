// The reporter app's own EXIF carry-over (web/src/app/exif.js), run by node for the Python tests:
//   node phone_exif.mjs ORIGINAL CANVAS_JPEG OUT
// writes OUT = CANVAS_JPEG with ORIGINAL's EXIF block (Orientation 1), or CANVAS_JPEG when the original
// has none; prints {"exif": bool, "orientation": n} (the original's orientation).
import { readFileSync, writeFileSync } from 'node:fs';
import { exifOrientation, readExif, uprightExif, withExif } from '../../web/src/app/exif.js';

const [original, canvas, out] = process.argv.slice(2);
const exif = readExif(new Uint8Array(readFileSync(original)));
const pixels = new Uint8Array(readFileSync(canvas));
const result = exif ? withExif(pixels, uprightExif(exif)) : pixels;
if (!result) throw new Error('EXIF block too large for APP1');
writeFileSync(out, result);
console.log(JSON.stringify({ exif: Boolean(exif), orientation: exif ? exifOrientation(exif) : 1 }));
