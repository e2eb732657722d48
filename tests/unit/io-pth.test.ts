import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePth, parsePth, readPth, writePth } from '../../src/main/engine/io/pth';
import { PickleDict, PickleTuple } from '../../src/main/engine/io/pickle';
import { encodePickle, PickleCall, PickleGlobalRef, PicklePersistentId } from '../../src/main/engine/io/pickle-writer';
import { readZip, writeZip } from '../../src/main/engine/io/zip';
import type { StateDict, TensorData } from '../../src/main/engine/io/tensor-data';
import { torchFixturesDir } from '../helpers/paths';

interface Listing {
  key: string;
  shape: number[];
  dtype: string;
}

function findPthFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...findPthFiles(p));
    else if (entry.endsWith('.pth')) out.push(p);
  }
  return out;
}

const BUFFER_SUFFIXES = ['.running_mean', '.running_var', '.num_batches_tracked'];

/** What meta.json says a fixture .pth holds, from the file's name (see the fixtures' README). */
function expectedListing(file: string): { listing: Listing[]; kind: 'state' | 'grad' | 'old_instancenorm' } {
  const meta = JSON.parse(readFileSync(join(dirname(file), 'meta.json'), 'utf8'));
  const name = basename(file, '.pth');
  const network = /^(?:init_net|step3_net|step1_grad_net)_(.+)$/.exec(name)?.[1];
  if (network) {
    const listing = meta.networks[network].state_dict as Listing[];
    if (name.startsWith('step1_grad_net_')) return { listing: listing.filter((l) => !BUFFER_SUFFIXES.some((s) => l.key.endsWith(s))), kind: 'grad' };
    return { listing, kind: 'state' };
  }
  if (name === 'weights' || name === 'weights_legacy') return { listing: meta.state_dict, kind: 'state' };
  if (name === 'weights_legacy_old_instancenorm') return { listing: meta.state_dict, kind: 'old_instancenorm' };
  throw new Error(`no rule for fixture ${file}: extend expectedListing`);
}

function describeSd(sd: StateDict): Listing[] {
  return [...sd].map(([key, t]) => ({ key, shape: t.shape, dtype: t.dtype }));
}

function bytesOf(t: TensorData): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

function expectSameStateDict(a: StateDict, b: StateDict): void {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [k, ta] of a) {
    const tb = b.get(k)!;
    expect(tb.dtype, k).toBe(ta.dtype);
    expect(tb.shape, k).toEqual(ta.shape);
    expect(Buffer.compare(bytesOf(ta), bytesOf(tb)), k).toBe(0);
  }
}

const fixtureFiles = findPthFiles(torchFixturesDir);

describe('fixture checkpoints', () => {
  it('finds the zip and legacy fixtures', () => {
    expect(fixtureFiles.length).toBeGreaterThanOrEqual(20);
    expect(fixtureFiles.some((f) => f.endsWith('weights_legacy_old_instancenorm.pth'))).toBe(true);
  });

  for (const file of fixtureFiles) {
    const label = relative(torchFixturesDir, file);
    it(`${label}: keys, order, shapes and dtypes agree with meta.json`, async () => {
      const sd = await readPth(file);
      const { listing, kind } = expectedListing(file);
      if (kind === 'old_instancenorm') {
        // PyTorch < 0.4 also saved InstanceNorm running stats: zeros and ones, [C] each.
        const known = new Set(listing.map((l) => l.key));
        const extra = [...sd].filter(([k]) => !known.has(k));
        expect(extra.length).toBeGreaterThan(0);
        for (const [k, t] of extra) {
          expect(k).toMatch(/\.running_(mean|var)$/);
          expect(t.shape.length).toBe(1);
          expect([...(t.data as Float32Array)].every((v) => v === (k.endsWith('mean') ? 0 : 1))).toBe(true);
        }
        expect(describeSd(sd).filter((l) => known.has(l.key))).toEqual(listing);
      } else {
        expect(describeSd(sd)).toEqual(listing);
      }
      for (const [k, t] of sd) {
        if (k.endsWith('num_batches_tracked')) expect(t.data).toBeInstanceOf(BigInt64Array);
        else expect(t.data).toBeInstanceOf(Float32Array);
      }
    });

    it(`${label}: encodePth → parsePth round trip is exact`, async () => {
      const sd = await readPth(file);
      const again = parsePth(encodePth(sd, { stem: 'roundtrip' }));
      expectSameStateDict(sd, again);
    });
  }

  it('legacy and zip files of the same case hold identical tensors', async () => {
    for (const c of ['G_resnet9_in', 'G_unet256_bn']) {
      const zip = await readPth(join(torchFixturesDir, c, 'weights.pth'));
      const legacy = await readPth(join(torchFixturesDir, c, 'weights_legacy.pth'));
      expectSameStateDict(zip, legacy);
    }
    const zip = await readPth(join(torchFixturesDir, 'G_resnet9_in', 'weights.pth'));
    const old = await readPth(join(torchFixturesDir, 'G_resnet9_in', 'weights_legacy_old_instancenorm.pth'));
    const common = new Map([...old].filter(([k]) => zip.has(k)));
    expectSameStateDict(zip, common);
  });

  it('reads BatchNorm buffers with their values (num_batches_tracked = 3 after the warm-up)', async () => {
    const sd = await readPth(join(torchFixturesDir, 'G_unet256_bn', 'weights.pth'));
    const tracked = [...sd].filter(([k]) => k.endsWith('num_batches_tracked'));
    expect(tracked.length).toBeGreaterThan(0);
    for (const [, t] of tracked) {
      expect(t.shape).toEqual([]);
      expect((t.data as BigInt64Array)[0]).toBe(3n);
    }
  });

  it('gives the zip format’s contiguous tensors as views of the file, not copies', async () => {
    // PyTorch aligns zip records to 64 bytes: every float32 tensor can be a view, so a
    // loaded state dict costs the file's size once.
    const bytes = await readFile(join(torchFixturesDir, 'G_unet256_bn', 'weights.pth'));
    const sd = parsePth(bytes);
    const floats = [...sd.values()].filter((t) => t.dtype === 'float32');
    expect(floats.length).toBeGreaterThan(10);
    for (const t of floats) expect(t.data.buffer).toBe(bytes.buffer);
    // The legacy format's storages follow 8-byte headers at arbitrary offsets: still correct
    // (compared above), whether viewed or copied.
    expectSameStateDict(sd, await readPth(join(torchFixturesDir, 'G_unet256_bn', 'weights_legacy.pth')));
  });

  it('reads the same tensors when the zip entries are deflated', async () => {
    const file = join(torchFixturesDir, 'D_basic_in', 'weights.pth');
    const bytes = await readFile(file);
    const deflated = zipSync(unzipSync(bytes), { level: 6 });
    expect(readZip(deflated).entries.get('weights/data/6')!.method).toBe(8);
    expectSameStateDict(parsePth(bytes), parsePth(deflated));
  });
});

describe('tensor layouts', () => {
  const rebuild = new PickleGlobalRef('torch._utils', '_rebuild_tensor_v2');
  const floatStorage = new PickleGlobalRef('torch', 'FloatStorage');
  const hooks = () => new PickleCall(new PickleGlobalRef('collections', 'OrderedDict'), []);

  function tensorCall(storageKey: string, numel: number, offset: number, size: number[], stride: number[]): PickleCall {
    const pid = new PicklePersistentId(new PickleTuple(['storage', floatStorage, storageKey, 'cpu', numel]));
    return new PickleCall(rebuild, [pid, offset, new PickleTuple(size), new PickleTuple(stride), false, hooks()]);
  }

  function checkpoint(root: unknown, storages: Record<string, Float32Array>): Uint8Array {
    return writeZip([
      { name: 'ckpt/data.pkl', data: encodePickle(root) },
      ...Object.entries(storages).map(([k, v]) => ({ name: `ckpt/data/${k}`, data: new Uint8Array(v.buffer) })),
      { name: 'ckpt/version', data: new TextEncoder().encode('3\n') },
    ]);
  }

  /** Element [i, j, ...] of a strided view, computed directly. */
  function gather(storage: Float32Array, offset: number, size: number[], stride: number[]): number[] {
    const out: number[] = [];
    const walk = (d: number, at: number) => {
      if (d === size.length) return void out.push(storage[at]!);
      for (let i = 0; i < size[d]!; i++) walk(d + 1, at + i * stride[d]!);
    };
    walk(0, offset);
    return out;
  }

  const storage = Float32Array.from({ length: 24 }, (_, i) => i * 1.5 - 7);
  const views: Array<[string, number, number[], number[]]> = [
    ['whole', 0, [2, 3, 4], [12, 4, 1]],
    ['transposed', 0, [4, 6], [1, 4]],
    ['offset_slice', 5, [3], [2]],
    ['channels_last', 0, [2, 4, 3], [12, 1, 4]],
    ['expanded', 3, [3, 2], [0, 1]],
    ['scalar', 7, [], []],
    ['empty', 0, [0, 5], [5, 1]],
  ];

  it('copies strided views and offsets of one shared storage into contiguous tensors', () => {
    const root = new PickleDict('collections.OrderedDict');
    for (const [name, offset, size, stride] of views) root.entries.set(name, tensorCall('0', 24, offset, size, stride));
    const sd = parsePth(checkpoint(root, { '0': storage }));
    expect([...sd.keys()]).toEqual(views.map((v) => v[0]));
    for (const [name, offset, size, stride] of views) {
      const t = sd.get(name)!;
      expect(t.shape, name).toEqual(size);
      expect([...(t.data as Float32Array)], name).toEqual(gather(storage, offset, size, stride));
    }
    // Each tensor owns its values: changing one leaves the storage-sharing others alone.
    (sd.get('whole')!.data as Float32Array)[0] = 99;
    expect((sd.get('transposed')!.data as Float32Array)[0]).toBe(storage[0]);
  });

  it('refuses a view that reads past its storage', () => {
    const root = new PickleDict('collections.OrderedDict');
    root.entries.set('bad', tensorCall('0', 24, 10, [3, 5], [5, 1]));
    expect(() => parsePth(checkpoint(root, { '0': storage }))).toThrow(/'bad'.*reads past its storage of 24 elements/);
  });

  it('finds a state dict nested under a key, and honours an explicit key', () => {
    const inner = new PickleDict('collections.OrderedDict');
    inner.entries.set('w', tensorCall('0', 24, 0, [24], [1]));
    const other = new PickleDict('collections.OrderedDict');
    other.entries.set('v', tensorCall('0', 24, 0, [2], [1]));
    const wrapped = new PickleDict();
    wrapped.entries.set('epoch', 7);
    wrapped.entries.set('state_dict', inner);
    const sd = parsePth(checkpoint(wrapped, { '0': storage }));
    expect([...sd.keys()]).toEqual(['w']);

    const two = new PickleDict();
    two.entries.set('netG', inner);
    two.entries.set('netD', other);
    const bytes = checkpoint(two, { '0': storage });
    expect(() => parsePth(bytes)).toThrow(/several state dicts \(netG, netD\)/);
    expect([...parsePth(bytes, { key: 'netD' }).keys()]).toEqual(['v']);
    expect(() => parsePth(bytes, { key: 'ema' })).toThrow(/no key 'ema' \(keys: netG, netD\)/);
  });

  it('reads legacy files with storage views and big-endian data', () => {
    const values = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const pid = (view: PickleTuple | null) => new PicklePersistentId(new PickleTuple(['storage', floatStorage, 'root', 'cpu', 6, view]));
    const sdPickle = new PickleDict('collections.OrderedDict');
    sdPickle.entries.set('full', new PickleCall(rebuild, [pid(null), 0, new PickleTuple([6]), new PickleTuple([1]), false, hooks()]));
    // A storage view: elements 2..5 of the root, and a tensor at offset 1 inside it.
    sdPickle.entries.set('view', new PickleCall(rebuild, [pid(new PickleTuple(['view1', 2, 4])), 1, new PickleTuple([3]), new PickleTuple([1]), false, hooks()]));
    const build = (littleEndian: boolean) => {
      const sysInfo = new PickleDict();
      sysInfo.entries.set('protocol_version', 1001);
      sysInfo.entries.set('little_endian', littleEndian);
      const data = new Uint8Array(values.buffer.slice(0));
      const count = new Uint8Array(8);
      new DataView(count.buffer).setBigInt64(0, 6n, littleEndian);
      if (!littleEndian) for (let i = 0; i < data.length; i += 4) data.subarray(i, i + 4).reverse();
      return Buffer.concat([
        encodePickle(0x1950a86a20f9469cfc6cn),
        encodePickle(1001),
        encodePickle(sysInfo),
        encodePickle(sdPickle),
        encodePickle(['root']),
        count,
        data,
      ]);
    };
    for (const littleEndian of [true, false]) {
      const sd = parsePth(build(littleEndian));
      expect([...(sd.get('full')!.data as Float32Array)]).toEqual([1, 2, 3, 4, 5, 6]);
      expect([...(sd.get('view')!.data as Float32Array)]).toEqual([4, 5, 6]);
    }
  });
});

describe('refusing unsafe or broken checkpoints', () => {
  // PROTO 2; GLOBAL 'os system'; BINUNICODE 'echo pwned'; TUPLE1; REDUCE; STOP
  const osSystem = Buffer.concat([
    Buffer.from([0x80, 0x02]),
    Buffer.from('cos\nsystem\n', 'latin1'),
    Buffer.from([0x58, 10, 0, 0, 0]),
    Buffer.from('echo pwned', 'utf8'),
    Buffer.from([0x85, 0x52, 0x2e]),
  ]);

  it('refuses a zip checkpoint whose pickle names os.system', () => {
    const bytes = writeZip([{ name: 'evil/data.pkl', data: osSystem }]);
    expect(() => parsePth(bytes)).toThrow(/refusing to load global 'os\.system'/);
  });

  it('refuses a legacy checkpoint whose state dict names os.system', () => {
    const bytes = Buffer.concat([encodePickle(0x1950a86a20f9469cfc6cn), encodePickle(1001), encodePickle(new PickleDict()), osSystem]);
    expect(() => parsePth(bytes)).toThrow(/refusing to load global 'os\.system'/);
  });

  it('refuses torch functions that would load nested pickles', () => {
    const nested = Buffer.concat([
      Buffer.from([0x80, 0x02]),
      Buffer.from('ctorch.storage\n_load_from_bytes\n', 'latin1'),
      Buffer.from([0x43, 1, 0x00, 0x85, 0x52, 0x2e]),
    ]);
    expect(() => parsePth(writeZip([{ name: 'x/data.pkl', data: nested }]))).toThrow(/'torch\.storage\._load_from_bytes'/);
  });

  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atelier-pth-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names the path and the problem for truncated, corrupt and foreign files', async () => {
    const zipBytes = await readFile(join(torchFixturesDir, 'D_basic_in', 'weights.pth'));
    const legacyBytes = await readFile(join(torchFixturesDir, 'G_resnet9_in', 'weights_legacy.pth'));
    const corrupt = Buffer.from(zipBytes);
    const entry = readZip(zipBytes).entries.get('weights/data/6')!;
    corrupt[entry.headerOffset + 200] ^= 0xff;
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['truncated-zip.pth', zipBytes.subarray(0, zipBytes.length >> 1), /truncated|end-of-central-directory/],
      ['truncated-legacy.pth', legacyBytes.subarray(0, legacyBytes.length - 1000), /truncated legacy checkpoint/],
      ['truncated-pickle.pth', legacyBytes.subarray(0, 3000), /truncated pickle/],
      ['corrupt.pth', corrupt, /CRC-32/],
      ['text.pth', Buffer.from('not a checkpoint\n'), /not a PyTorch checkpoint/],
      ['empty.pth', new Uint8Array(0), /not a PyTorch checkpoint/],
    ];
    for (const [name, bytes, message] of cases) {
      const path = join(dir, name);
      await writeFile(path, bytes);
      const err = await readPth(path).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err, name).toBeInstanceOf(Error);
      expect(err!.message, name).toContain(path);
      expect(err!.message, name).toMatch(message);
    }
  });

  it('writes atomically and reads back what it wrote', async () => {
    const sd: StateDict = new Map<string, TensorData>([
      ['conv.weight', { dtype: 'float32', shape: [2, 1, 3, 3], data: Float32Array.from({ length: 18 }, (_, i) => i / 7) }],
      ['bn.num_batches_tracked', { dtype: 'int64', shape: [], data: BigInt64Array.from([5n]) }],
      ['half', { dtype: 'float16', shape: [3], data: Uint16Array.from([0x3c00, 0xc000, 0x7bff]) }],
      ['mask', { dtype: 'bool', shape: [2, 2], data: Uint8Array.from([1, 0, 0, 1]) }],
      ['f64', { dtype: 'float64', shape: [2], data: Float64Array.from([Math.PI, -1e300]) }],
      ['i8', { dtype: 'int8', shape: [2], data: Int8Array.from([-128, 127]) }],
    ]);
    const path = join(dir, 'net G.pth');
    await writePth(path, sd);
    expectSameStateDict(sd, await readPth(path));
    expect((await readdir(dir)).filter((f) => f.includes('.tmp'))).toEqual([]);
    // PyTorch's reader takes the folder of the first entry as the archive name.
    expect([...readZip(await readFile(path)).entries.keys()][0]).toBe('net_G/data.pkl');
  });

  it('refuses to encode tensors whose data do not match their shape or dtype', () => {
    const bad: StateDict = new Map([['w', { dtype: 'float32', shape: [2, 2], data: new Float32Array(3) }]]);
    expect(() => encodePth(bad)).toThrow(/'w'.*4 elements.*3/);
    const wrongType: StateDict = new Map([['w', { dtype: 'int64', shape: [1], data: new Float32Array(1) }]]);
    expect(() => encodePth(wrongType)).toThrow(/'w'.*BigInt64Array/);
  });
});
