/**
 * Class ids over the API: run-length coded (src/shared/rle.ts), base64 in the JSON
 * message. Encoding reads the live map synchronously, so it is a consistent snapshot
 * without copying 16 MB; a 4096² map with strokes travels as tens of kilobytes.
 */
import { rleDecodeInto, rleEncode } from '../../../shared/rle';
import { TILE, type LabelMap } from './label-map';

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) s += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(s);
}

export function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function encodeIds(ids: Uint8Array): string {
  return toBase64(rleEncode(ids));
}

export function decodeIds(data: string, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  rleDecodeInto(fromBase64(data), out);
  return out;
}

/**
 * Run-length coding of a label map that re-encodes only the bands of 64 rows written since
 * the last call: an autosave after a stroke costs the stroke's rows, not 16 M pixels. Bands
 * are coded separately and concatenated; a run that crosses a band edge becomes two runs,
 * which decode the same.
 */
export class IncrementalRleEncoder {
  private readonly cache: ({ stamp: number; bytes: Uint8Array } | undefined)[] = [];

  constructor(private readonly map: LabelMap) {}

  encode(): Uint8Array {
    const { map } = this;
    const parts: Uint8Array[] = [];
    let total = 0;
    for (let band = 0; band < map.tilesY; band++) {
      const stamp = map.bandStamp(band);
      let c = this.cache[band];
      if (!c || c.stamp !== stamp) {
        const start = band * TILE * map.width;
        const end = Math.min(map.height, (band + 1) * TILE) * map.width;
        c = { stamp, bytes: rleEncode(map.ids.subarray(start, end)) };
        this.cache[band] = c;
      }
      parts.push(c.bytes);
      total += c.bytes.length;
    }
    const out = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  /** base64 for the API. */
  encodeBase64(): string {
    return toBase64(this.encode());
  }
}
