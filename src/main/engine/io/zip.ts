import { inflateSync } from 'fflate';

/**
 * The ZIP container of PyTorch ≥ 1.6 checkpoints (PKWARE APPNOTE 6.3). Reading trusts the
 * central directory (PyTorch writes data descriptors, so local headers carry zero sizes),
 * handles ZIP64 and both stored and deflated entries, and checks each entry's CRC-32.
 * Writing produces stored entries whose data start on 64-byte boundaries, as PyTorch's
 * own writer does (padding in a local 'FB' extra field), so readers may map them in place.
 */

export class ZipFormatError extends Error {
  override name = 'ZipFormatError';
}

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  /** Offset of the local file header. */
  headerOffset: number;
}

export interface ZipArchive {
  entries: Map<string, ZipEntry>;
  /** The entry's bytes; a view into the archive for stored entries. */
  read(name: string): Uint8Array;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;

export function readZip(bytes: Uint8Array): ZipArchive {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const u64 = (at: number) => {
    const v = view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError('ZIP64 field out of range');
    return Number(v);
  };

  const eocd = findEndOfCentralDirectory(bytes, view);
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  const locator = eocd - 20;
  if (locator >= 0 && u32(locator) === SIG_ZIP64_LOCATOR) {
    const z64 = u64(locator + 8);
    if (z64 + 56 > bytes.length || u32(z64) !== SIG_ZIP64_EOCD) throw new ZipFormatError('corrupt ZIP64 end record');
    count = u64(z64 + 32);
    cdSize = u64(z64 + 40);
    cdOffset = u64(z64 + 48);
  }
  if (cdOffset + cdSize > bytes.length) {
    throw new ZipFormatError(`truncated archive: the central directory ends at byte ${cdOffset + cdSize}, the file has ${bytes.length}`);
  }

  const entries = new Map<string, ZipEntry>();
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > cdOffset + cdSize || u32(at) !== SIG_CENTRAL) throw new ZipFormatError(`corrupt central directory entry ${i}`);
    const flags = u16(at + 8);
    const method = u16(at + 10);
    const crc32 = u32(at + 16);
    let compressedSize = u32(at + 20);
    let size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    let headerOffset = u32(at + 42);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    if (flags & 0x1) throw new ZipFormatError(`entry ${name} is encrypted`);
    // ZIP64 extended information: the fields whose 32-bit value is 0xffffffff, in order.
    let extra = at + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = u16(extra);
      const len = u16(extra + 2);
      if (id === 0x0001) {
        let p = extra + 4;
        if (size === 0xffffffff) {
          size = u64(p);
          p += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = u64(p);
          p += 8;
        }
        if (headerOffset === 0xffffffff) headerOffset = u64(p);
      }
      extra += 4 + len;
    }
    entries.set(name, { name, method, compressedSize, size, crc32, headerOffset });
    at = extraEnd + commentLength;
  }

  const read = (name: string): Uint8Array => {
    const entry = entries.get(name);
    if (!entry) throw new ZipFormatError(`no entry '${name}' in the archive`);
    const h = entry.headerOffset;
    if (h + 30 > bytes.length || u32(h) !== SIG_LOCAL) throw new ZipFormatError(`corrupt local header of '${name}'`);
    const start = h + 30 + u16(h + 26) + u16(h + 28);
    const end = start + entry.compressedSize;
    if (end > bytes.length) throw new ZipFormatError(`truncated archive: entry '${name}' ends at byte ${end}, the file has ${bytes.length}`);
    const stored = bytes.subarray(start, end);
    let data: Uint8Array;
    if (entry.method === 0) {
      if (entry.size !== entry.compressedSize) throw new ZipFormatError(`stored entry '${name}' has inconsistent sizes`);
      data = stored;
    } else if (entry.method === 8) {
      try {
        data = inflateSync(stored, { out: new Uint8Array(entry.size) });
      } catch (err) {
        throw new ZipFormatError(`entry '${name}' does not inflate: ${(err as Error).message}`);
      }
    } else {
      throw new ZipFormatError(`entry '${name}' uses compression method ${entry.method} (only stored and deflate are supported)`);
    }
    if (data.length !== entry.size) throw new ZipFormatError(`entry '${name}' has ${data.length} bytes, expected ${entry.size}`);
    if (crc32(data) !== entry.crc32) throw new ZipFormatError(`entry '${name}' fails its CRC-32 check (corrupt file)`);
    return data;
  };

  return { entries, read };
}

function findEndOfCentralDirectory(bytes: Uint8Array, view: DataView): number {
  // The record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
  const lowest = Math.max(0, bytes.length - 22 - 0xffff);
  for (let at = bytes.length - 22; at >= lowest; at--) {
    if (view.getUint32(at, true) === SIG_EOCD && at + 22 + view.getUint16(at + 20, true) === bytes.length) return at;
  }
  throw new ZipFormatError('no end-of-central-directory record: the archive is truncated or not a ZIP file');
}

export interface ZipInput {
  name: string;
  data: Uint8Array;
}

const ALIGN = 64;

/** A ZIP of stored entries, each entry's data 64-byte aligned. No ZIP64: entries < 4 GiB. */
export function writeZip(inputs: readonly ZipInput[]): Uint8Array {
  const encoder = new TextEncoder();
  const records = inputs.map((input) => ({ ...input, nameBytes: encoder.encode(input.name), crc: crc32(input.data), offset: 0, padding: 0 }));
  let offset = 0;
  for (const r of records) {
    if (r.data.length >= 0xffffffff) throw new Error(`zip entry '${r.name}' is 4 GiB or more; ZIP64 writing is not supported`);
    r.offset = offset;
    const headerEnd = offset + 30 + r.nameBytes.length;
    // An extra field needs at least its 4-byte header.
    r.padding = (ALIGN - ((headerEnd + 4) % ALIGN)) % ALIGN;
    offset = headerEnd + 4 + r.padding + r.data.length;
  }
  const cdOffset = offset;
  const cdSize = records.reduce((n, r) => n + 46 + r.nameBytes.length, 0);
  if (cdOffset + cdSize >= 0xffffffff || records.length > 0xffff) throw new Error('archive too large: ZIP64 writing is not supported');

  const out = new Uint8Array(cdOffset + cdSize + 22);
  const view = new DataView(out.buffer);
  const DOS_DATE_1980_01_01 = (1 << 5) | 1;
  for (const r of records) {
    let p = r.offset;
    view.setUint32(p, SIG_LOCAL, true);
    view.setUint16(p + 4, 20, true); // version needed: 2.0
    view.setUint16(p + 6, 0, true); // flags
    view.setUint16(p + 8, 0, true); // stored
    view.setUint16(p + 10, 0, true); // time
    view.setUint16(p + 12, DOS_DATE_1980_01_01, true);
    view.setUint32(p + 14, r.crc, true);
    view.setUint32(p + 18, r.data.length, true);
    view.setUint32(p + 22, r.data.length, true);
    view.setUint16(p + 26, r.nameBytes.length, true);
    view.setUint16(p + 28, 4 + r.padding, true);
    out.set(r.nameBytes, p + 30);
    p += 30 + r.nameBytes.length;
    out[p] = 0x46; // 'F'
    out[p + 1] = 0x42; // 'B'
    view.setUint16(p + 2, r.padding, true);
    out.fill(0x5a, p + 4, p + 4 + r.padding); // 'Z'
    out.set(r.data, p + 4 + r.padding);
  }
  let p = cdOffset;
  for (const r of records) {
    view.setUint32(p, SIG_CENTRAL, true);
    view.setUint16(p + 4, 20, true); // version made by
    view.setUint16(p + 6, 20, true); // version needed
    view.setUint16(p + 8, 0, true);
    view.setUint16(p + 10, 0, true);
    view.setUint16(p + 12, 0, true);
    view.setUint16(p + 14, DOS_DATE_1980_01_01, true);
    view.setUint32(p + 16, r.crc, true);
    view.setUint32(p + 20, r.data.length, true);
    view.setUint32(p + 24, r.data.length, true);
    view.setUint16(p + 28, r.nameBytes.length, true);
    // extra, comment, disk number, internal and external attributes: 0
    view.setUint32(p + 42, r.offset, true);
    out.set(r.nameBytes, p + 46);
    p += 46 + r.nameBytes.length;
  }
  view.setUint32(p, SIG_EOCD, true);
  view.setUint16(p + 8, records.length, true);
  view.setUint16(p + 10, records.length, true);
  view.setUint32(p + 12, cdSize, true);
  view.setUint32(p + 16, cdOffset, true);
  return out;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
