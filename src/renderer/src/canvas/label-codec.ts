/**
 * Class ids over the API: zlib-compressed (label maps are long runs, so 16 MB of ids at
 * 4096² travel as a few hundred kilobytes), base64 in the JSON message. Uses the browser's
 * native CompressionStream when present, fflate otherwise (Node tests).
 */
import { unzlibSync, zlibSync } from 'fflate';

type Streams = { CompressionStream?: typeof CompressionStream; DecompressionStream?: typeof DecompressionStream };

async function throughStream(data: Uint8Array, stream: GenericTransformStream): Promise<Uint8Array> {
  const out = new Response(new Blob([data as BlobPart]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

export async function zlibCompress(data: Uint8Array): Promise<Uint8Array> {
  const g = globalThis as Streams;
  if (g.CompressionStream) return throughStream(data, new g.CompressionStream('deflate'));
  return zlibSync(data, { level: 1 });
}

export async function zlibDecompress(data: Uint8Array, expectedLength: number): Promise<Uint8Array> {
  const g = globalThis as Streams;
  const out = g.DecompressionStream
    ? await throughStream(data, new g.DecompressionStream('deflate'))
    : unzlibSync(data, { out: new Uint8Array(expectedLength) });
  if (out.length !== expectedLength) throw new Error(`label data: ${out.length} class ids, expected ${expectedLength}`);
  return out;
}

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

export async function encodeIds(ids: Uint8Array): Promise<string> {
  return toBase64(await zlibCompress(ids));
}

export async function decodeIds(data: string, width: number, height: number): Promise<Uint8Array> {
  return zlibDecompress(fromBase64(data), width * height);
}
