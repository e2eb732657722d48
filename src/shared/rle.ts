/**
 * Run-length coding of class-id bytes: (value, run length as LEB128) pairs. Label maps are
 * long runs of one class, so undo patches and label maps sent between the renderer and main
 * shrink by two to three orders of magnitude, and both ends code and decode them in one
 * pass (runs decode as native fills); the coding is exact by construction.
 */
export function rleEncode(src: Uint8Array): Uint8Array {
  const n = src.length;
  // Worst case: every byte its own run, value + 1-byte length.
  let out = new Uint8Array(Math.min(64 + n * 2, 1024));
  let o = 0;
  const ensure = (k: number) => {
    if (o + k <= out.length) return;
    let size = out.length * 2;
    while (size < o + k) size *= 2;
    const next = new Uint8Array(size);
    next.set(out.subarray(0, o));
    out = next;
  };
  let i = 0;
  while (i < n) {
    const v = src[i]!;
    let j = i + 1;
    while (j < n && src[j] === v) j++;
    let run = j - i;
    ensure(6);
    out[o++] = v;
    while (run >= 0x80) {
      out[o++] = (run & 0x7f) | 0x80;
      run >>>= 7;
    }
    out[o++] = run;
    i = j;
  }
  return out.slice(0, o);
}

/**
 * Visit the runs of a stream in order: `run(value, start, length)`. Throws on a malformed
 * stream or one that does not cover exactly `total` bytes.
 */
export function rleForEachRun(src: Uint8Array, total: number, run: (value: number, start: number, length: number) => void): void {
  let o = 0;
  let i = 0;
  while (i < src.length) {
    const v = src[i++]!;
    let n = 0;
    let shift = 0;
    for (;;) {
      if (i >= src.length) throw new Error('rle: truncated run length');
      const b = src[i++]!;
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
      shift += 7;
      if (shift > 35) throw new Error('rle: run length too long');
    }
    if (o + n > total) throw new Error(`rle: decodes past ${total} bytes`);
    run(v, o, n);
    o += n;
  }
  if (o !== total) throw new Error(`rle: decoded ${o} bytes, expected ${total}`);
}

/** Decode into `dst` (its length is the expected size); throws on a malformed stream. */
export function rleDecodeInto(src: Uint8Array, dst: Uint8Array): void {
  rleForEachRun(src, dst.length, (v, start, n) => dst.fill(v, start, start + n));
}

export function rleDecode(src: Uint8Array, length: number): Uint8Array {
  const dst = new Uint8Array(length);
  rleDecodeInto(src, dst);
  return dst;
}
