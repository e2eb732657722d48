/**
 * Class ids over the API: run-length coded (src/shared/rle.ts), base64 in the JSON
 * message. Encoding reads the live map synchronously, so it is a consistent snapshot
 * without copying 16 MB; a 4096² map with strokes travels as tens of kilobytes.
 */
import { rleDecodeInto, rleEncode } from '../../../shared/rle';

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
