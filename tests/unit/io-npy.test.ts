import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeNpy, parseNpy, readNpy, writeNpy } from '../../src/main/engine/io/npy';
import type { TensorData } from '../../src/main/engine/io/tensor-data';
import { torchFixturesDir } from '../helpers/paths';

function findNpyFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...findNpyFiles(p));
    else if (entry.endsWith('.npy')) out.push(p);
  }
  return out;
}

/** meta.json lists every array file with its shape and dtype under `files`. */
function metaEntry(file: string): { shape: number[]; dtype: string; stats: { min: number; max: number } } {
  const meta = JSON.parse(readFileSync(join(dirname(file), 'meta.json'), 'utf8'));
  const name = file.slice(dirname(file).length + 1);
  const entry = Object.values(meta.files as Record<string, { file: string }>).find((f) => f.file === name);
  if (!entry) throw new Error(`${file} is not listed in its meta.json`);
  return entry as never;
}

/** A .npy header as numpy writes it, for hand-made variants. */
function npyBytes(header: string, data: Uint8Array, version: 1 | 2 | 3 = 1): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const total = Math.ceil((prefix + header.length + 1) / 64) * 64;
  const text = header.padEnd(total - prefix - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(new TextEncoder().encode(text), prefix);
  out.set(data, total);
  return out;
}

const f32 = (values: number[]) => new Uint8Array(Float32Array.from(values).buffer);

describe('fixture arrays', () => {
  const files = findNpyFiles(torchFixturesDir);
  it('finds the fixture arrays', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
  });
  for (const file of files) {
    it(`${relative(torchFixturesDir, file)}: shape and dtype as in meta.json, re-encodes byte for byte`, async () => {
      const bytes = await readFile(file);
      const t = await readNpy(file);
      const meta = metaEntry(file);
      expect(t.shape).toEqual(meta.shape);
      expect(t.dtype).toBe(meta.dtype);
      const values = t.data as Float32Array;
      let min = Infinity;
      let max = -Infinity;
      for (const v of values) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      expect(min).toBe(Math.fround(meta.stats.min));
      expect(max).toBe(Math.fround(meta.stats.max));
      // numpy's own header layout (64-byte alignment, growth padding) is reproduced exactly.
      expect(Buffer.compare(Buffer.from(encodeNpy(t)), bytes)).toBe(0);
    });
  }
});

describe('npy encoding', () => {
  const samples: TensorData[] = [
    { dtype: 'float32', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, -0, 1e-30]) },
    { dtype: 'float64', shape: [3], data: Float64Array.from([Math.PI, -1e300, 5e-324]) },
    { dtype: 'float16', shape: [2], data: Uint16Array.from([0x3c00, 0xfc00]) },
    { dtype: 'int64', shape: [], data: BigInt64Array.from([-(2n ** 62n)]) },
    { dtype: 'int32', shape: [1, 1, 2], data: Int32Array.from([-2147483648, 2147483647]) },
    { dtype: 'int16', shape: [2], data: Int16Array.from([-32768, 32767]) },
    { dtype: 'int8', shape: [2], data: Int8Array.from([-128, 127]) },
    { dtype: 'uint8', shape: [4], data: Uint8Array.from([0, 1, 254, 255]) },
    { dtype: 'bool', shape: [2, 1], data: Uint8Array.from([1, 0]) },
    { dtype: 'float32', shape: [0, 4], data: new Float32Array(0) },
  ];
  it('round-trips every dtype and rank', () => {
    for (const t of samples) {
      const bytes = encodeNpy(t);
      expect(bytes.length % 64, t.dtype).toBe((t.data.byteLength) % 64);
      const back = parseNpy(bytes);
      expect(back.dtype).toBe(t.dtype);
      expect(back.shape).toEqual(t.shape);
      expect(back.data.constructor).toBe(t.data.constructor);
      expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(Array.from(t.data as ArrayLike<number | bigint>));
    }
  });

  it('refuses data that does not match the shape', () => {
    expect(() => encodeNpy({ dtype: 'float32', shape: [2, 2], data: new Float32Array(3) })).toThrow(/4 elements.*3/);
  });
});

describe('npy parsing', () => {
  it('reads version 2.0 and 3.0 headers', () => {
    const data = f32([1, 2, 3]);
    for (const version of [2, 3] as const) {
      const t = parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", data, version));
      expect(Array.from(t.data as Float32Array)).toEqual([1, 2, 3]);
    }
  });

  it('converts big-endian data', () => {
    const be = new Uint8Array(8);
    new DataView(be.buffer).setFloat32(0, 1.5, false);
    new DataView(be.buffer).setFloat32(4, -2.25, false);
    const t = parseNpy(npyBytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", be));
    expect(Array.from(t.data as Float32Array)).toEqual([1.5, -2.25]);
  });

  it('accepts Python 2 long literals in the shape', () => {
    const t = parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1L, 2L), }", f32([4, 5])));
    expect(t.shape).toEqual([1, 2]);
  });

  it('gives clear errors for malformed files', () => {
    const good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
    const cases: Array<[Uint8Array, RegExp]> = [
      [new TextEncoder().encode('hello world, not numpy'), /missing the \\x93NUMPY magic/],
      [npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", f32([1, 2])), /fortran_order is True/],
      [npyBytes("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", f32([1, 2])), /unsupported dtype '<c8'/],
      [npyBytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", f32([1])), /structured dtype/],
      [npyBytes(good, f32([1])), /truncated data: shape \(2\) of float32 needs 8 bytes, the file has 4/],
      [npyBytes(good, f32([1, 2, 3])), /4 unexpected bytes/],
      [npyBytes("{'descr': '<f4', 'shape': (2,), }", f32([1, 2])), /lacks 'fortran_order'/],
      [npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,-1), }", f32([1, 2])), /shape must be a tuple of non-negative integers/],
      [npyBytes("__import__('os').system('true')", f32([1, 2])), /malformed header/],
      [npyBytes(good, f32([1, 2])).subarray(0, 40), /truncated header/],
    ];
    for (const [bytes, message] of cases) expect(() => parseNpy(bytes)).toThrow(message);
    const v9 = npyBytes(good, f32([1, 2]));
    v9[6] = 9;
    expect(() => parseNpy(v9)).toThrow(/unsupported format version 9\.0/);
  });

  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atelier-npy-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names the file in read errors, and writes atomically', async () => {
    const bad = join(dir, 'bad.npy');
    await writeFile(bad, 'text');
    await expect(readNpy(bad)).rejects.toThrow(bad);
    const path = join(dir, 'sub', 'x.npy');
    const t: TensorData = { dtype: 'float32', shape: [1, 2], data: Float32Array.from([7, 8]) };
    await writeNpy(path, t);
    expect(Array.from((await readNpy(path)).data as Float32Array)).toEqual([7, 8]);
    expect((await readdir(join(dir, 'sub'))).filter((f) => f !== 'x.npy')).toEqual([]);
  });
});
