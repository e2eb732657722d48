/**
 * Run-length coding of class-id bytes: (value, run length as LEB128) pairs. Label maps are
 * long runs of one class, so undo patches and saved edits shrink by two to three orders of
 * magnitude; the coding is exact by construction.
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

/** Decode into `dst` (its length is the expected size); throws on a malformed stream. */
export function rleDecodeInto(src: Uint8Array, dst: Uint8Array): void {
  let o = 0;
  let i = 0;
  while (i < src.length) {
    const v = src[i++]!;
    let run = 0;
    let shift = 0;
    for (;;) {
      if (i >= src.length) throw new Error('rle: truncated run length');
      const b = src[i++]!;
      run += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
      shift += 7;
      if (shift > 35) throw new Error('rle: run length too long');
    }
    if (o + run > dst.length) throw new Error(`rle: decodes past ${dst.length} bytes`);
    dst.fill(v, o, o + run);
    o += run;
  }
  if (o !== dst.length) throw new Error(`rle: decoded ${o} bytes, expected ${dst.length}`);
}

export function rleDecode(src: Uint8Array, length: number): Uint8Array {
  const dst = new Uint8Array(length);
  rleDecodeInto(src, dst);
  return dst;
}
