import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-write';
import { checkTensorData, shapeSize, valueBytes } from './dtype';
import { PickleDict, PickleError, PickleTuple, unpickle } from './pickle';
import { encodePickle, PickleCall, PickleGlobalRef, PicklePersistentId } from './pickle-writer';
import {
  CheckpointFormatError,
  STORAGE_TYPE_NAME,
  TensorRef,
  contiguousStrides,
  findTorchGlobal,
  materializeTensor,
  storageElementSize,
  storageFromPersistentId,
  type StorageRef,
} from './torch-pickle';
import type { StateDict } from './tensor-data';
import { readZip, writeZip, ZipFormatError, type ZipArchive } from './zip';

/**
 * PyTorch checkpoints (`torch.save(net.state_dict(), path)`) without Python, in both
 * serialisations torch.load accepts (torch/serialization.py):
 * - the zip format (PyTorch ≥ 1.6): `<stem>/data.pkl` pickles the state dict, each
 *   storage's raw little-endian bytes are the entry `<stem>/data/<key>`;
 * - the legacy format (older PyTorch, and the reference's published pretrained models):
 *   a run of pickles (magic number, protocol version, system info, the state dict, the
 *   storage keys) followed by each storage as an 8-byte element count and its bytes.
 * Pickles are read by a VM that only knows an allow-list of globals, so a .pth file can
 * never execute code.
 */

export { CheckpointFormatError } from './torch-pickle';

export interface ParsePthOptions {
  /**
   * Where the state dict lives when the checkpoint wraps it, e.g. 'state_dict' for
   * {'epoch': 3, 'state_dict': {...}}. Without it, a top-level dict of tensors is the state
   * dict, else the value under 'state_dict', else the only dict-of-tensors value.
   */
  key?: string;
}

// torch/serialization.py: MAGIC_NUMBER and PROTOCOL_VERSION of the legacy format.
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL_VERSION = 1001;

export async function readPth(path: string, options: ParsePthOptions = {}): Promise<StateDict> {
  const bytes = await readFile(path);
  try {
    return parsePth(bytes, options);
  } catch (err) {
    if (err instanceof Error && isFormatError(err)) {
      const wrapped = new CheckpointFormatError(`${path}: ${err.message}`);
      wrapped.cause = err;
      throw wrapped;
    }
    throw err;
  }
}

export function parsePth(bytes: Uint8Array, options: ParsePthOptions = {}): StateDict {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) {
    return parseZipCheckpoint(bytes, options);
  }
  if (bytes.length >= 2 && bytes[0] === 0x80) {
    return parseLegacyCheckpoint(bytes, options);
  }
  if (bytes.length >= 262 && new TextDecoder().decode(bytes.subarray(257, 262)) === 'ustar') {
    throw new CheckpointFormatError('tar-format checkpoint (PyTorch < 0.1.10) is not supported');
  }
  throw new CheckpointFormatError('not a PyTorch checkpoint (neither a zip archive nor a legacy pickle stream)');
}

function parseZipCheckpoint(bytes: Uint8Array, options: ParsePthOptions): StateDict {
  const archive = readZip(bytes);
  const names = [...archive.entries.keys()];
  const prefix = findRecordPrefix(names);
  if (archive.entries.has(`${prefix}constants.pkl`)) {
    throw new CheckpointFormatError('this is a TorchScript archive (torch.jit.save), not a state dict');
  }
  const byteorder = archive.entries.has(`${prefix}byteorder`) ? new TextDecoder().decode(archive.read(`${prefix}byteorder`)).trim() : 'little';
  if (byteorder !== 'little' && byteorder !== 'big') throw new CheckpointFormatError(`unknown byteorder record '${byteorder}'`);

  const { value } = unpickle(archive.read(`${prefix}data.pkl`), {
    findGlobal: findTorchGlobal,
    persistentLoad: (pid) => storageFromPersistentId(pid, false),
  });
  const storageBytes = (storage: StorageRef) => zipStorage(archive, prefix, storage);
  return materializeStateDict(selectStateDict(value, options.key), storageBytes, byteorder === 'big');
}

/**
 * The folder that holds data.pkl: `<stem>/` for torch.save, where <stem> is whatever the
 * writer chose (the file's stem in PyTorch 1.x, 'archive' in 2.x).
 */
function findRecordPrefix(names: string[]): string {
  const candidates = names.filter((n) => n === 'data.pkl' || n.endsWith('/data.pkl')).map((n) => n.slice(0, -'data.pkl'.length));
  if (candidates.length === 0) {
    throw new CheckpointFormatError(`zip archive without a data.pkl record (entries: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''})`);
  }
  // As PyTorch's reader: the records live in the folder of the archive's first entry.
  const first = names[0]!;
  const root = first.includes('/') ? first.slice(0, first.indexOf('/') + 1) : '';
  const chosen = candidates.filter((c) => c === root);
  if (chosen.length === 1) return chosen[0]!;
  if (candidates.length === 1) return candidates[0]!;
  throw new CheckpointFormatError(`zip archive with several data.pkl records: ${candidates.map((c) => c + 'data.pkl').join(', ')}`);
}

function zipStorage(archive: ZipArchive, prefix: string, storage: StorageRef): Uint8Array {
  const name = `${prefix}data/${storage.key}`;
  if (!archive.entries.has(name)) throw new CheckpointFormatError(`storage '${storage.key}' is missing (no entry ${name})`);
  return archive.read(name);
}

function parseLegacyCheckpoint(bytes: Uint8Array, options: ParsePthOptions): StateDict {
  const next = (offset: number, what: string, persistentLoad?: (pid: unknown) => unknown) => {
    if (offset >= bytes.length) throw new CheckpointFormatError(`truncated legacy checkpoint: the ${what} is missing`);
    return unpickle(bytes, { offset, findGlobal: findTorchGlobal, persistentLoad });
  };
  const magic = next(0, 'magic number');
  if (typeof magic.value !== 'bigint' || magic.value !== LEGACY_MAGIC) {
    throw new CheckpointFormatError('not a PyTorch checkpoint: a pickle, but without the legacy magic number');
  }
  const protocol = next(magic.end, 'protocol version');
  if (protocol.value !== LEGACY_PROTOCOL_VERSION) {
    throw new CheckpointFormatError(`unsupported legacy protocol version ${String(protocol.value)}`);
  }
  const sysInfo = next(protocol.end, 'system info');
  const littleEndian = sysInfo.value instanceof PickleDict ? sysInfo.value.entries.get('little_endian') !== false : true;

  const storages = new Map<string, StorageRef>();
  const body = next(sysInfo.end, 'state dict', (pid) => {
    const storage = storageFromPersistentId(pid, true);
    const known = storages.get(storage.key);
    if (known && (known.dtype !== storage.dtype || known.numel !== storage.numel)) {
      throw new CheckpointFormatError(`storage '${storage.key}' is declared twice with different types or sizes`);
    }
    storages.set(storage.key, storage);
    return storage;
  });
  const keyList = next(body.end, 'list of storage keys');
  if (!Array.isArray(keyList.value) || !keyList.value.every((k) => typeof k === 'string')) {
    throw new CheckpointFormatError('the list of storage keys is not a list of strings');
  }

  // Each storage follows in the order of that list: int64 element count, then the bytes.
  const data = new Map<string, Uint8Array>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = keyList.end;
  for (const key of keyList.value as string[]) {
    const storage = storages.get(key);
    if (!storage) throw new CheckpointFormatError(`storage '${key}' is listed but no tensor uses it`);
    if (at + 8 > bytes.length) throw new CheckpointFormatError(`truncated legacy checkpoint: storage '${key}' is missing`);
    const count = view.getBigInt64(at, littleEndian);
    if (count !== BigInt(storage.numel)) {
      throw new CheckpointFormatError(`storage '${key}' holds ${count} elements, its tensors declare ${storage.numel}`);
    }
    const length = storage.numel * storageElementSize(storage.dtype);
    if (at + 8 + length > bytes.length) {
      throw new CheckpointFormatError(`truncated legacy checkpoint: storage '${key}' needs ${length} bytes, ${bytes.length - at - 8} remain`);
    }
    data.set(key, bytes.subarray(at + 8, at + 8 + length));
    at += 8 + length;
  }
  const storageBytes = (storage: StorageRef) => {
    const found = data.get(storage.key);
    if (!found) throw new CheckpointFormatError(`storage '${storage.key}' is used but its data is missing`);
    return found;
  };
  return materializeStateDict(selectStateDict(body.value, options.key), storageBytes, !littleEndian);
}

function materializeStateDict(
  entries: Array<[string, TensorRef]>,
  storageBytes: (storage: StorageRef) => Uint8Array,
  bigEndian: boolean,
): StateDict {
  const out: StateDict = new Map();
  for (const [name, ref] of entries) out.set(name, materializeTensor(name, ref, storageBytes(ref.storage), bigEndian));
  return out;
}

function isTensorDict(v: unknown): boolean {
  return v instanceof PickleDict && [...v.entries.values()].every((x) => x instanceof TensorRef);
}

function selectStateDict(top: unknown, key: string | undefined): Array<[string, TensorRef]> {
  if (!(top instanceof PickleDict)) throw new CheckpointFormatError('the checkpoint does not hold a dict');
  let dict: PickleDict;
  if (key !== undefined) {
    const inner = top.entries.get(key);
    if (!top.entries.has(key)) throw new CheckpointFormatError(`the checkpoint has no key '${key}' (keys: ${describeKeys(top)})`);
    if (!isTensorDict(inner)) throw new CheckpointFormatError(`'${key}' is not a dict of tensors`);
    dict = inner as PickleDict;
  } else if (isTensorDict(top)) {
    dict = top;
  } else {
    const nested = [...top.entries].filter(([, v]) => isTensorDict(v) && (v as PickleDict).entries.size > 0);
    const named = nested.find(([k]) => k === 'state_dict');
    const only = nested.length === 1 ? nested[0] : undefined;
    const chosen = named ?? only;
    if (!chosen) {
      throw new CheckpointFormatError(
        nested.length === 0
          ? `no state dict found (top-level keys: ${describeKeys(top)})`
          : `several state dicts (${nested.map(([k]) => String(k)).join(', ')}): choose one with the key option`,
      );
    }
    dict = chosen[1] as PickleDict;
  }
  const entries: Array<[string, TensorRef]> = [];
  for (const [k, v] of dict.entries) {
    if (typeof k !== 'string') throw new CheckpointFormatError(`state dict key ${String(k)} is not a string`);
    entries.push([k, v as TensorRef]);
  }
  return entries;
}

function describeKeys(dict: PickleDict): string {
  const keys = [...dict.entries.keys()].map(String);
  return keys.length > 10 ? `${keys.slice(0, 10).join(', ')}, …` : keys.join(', ') || '(none)';
}

function isFormatError(err: Error): boolean {
  return err instanceof CheckpointFormatError || err instanceof PickleError || err instanceof ZipFormatError;
}

export interface EncodePthOptions {
  /** The archive's top folder; torch.save uses the file's stem (1.x) or 'archive' (2.x). */
  stem?: string;
}

/**
 * A state dict in the zip format that torch.load reads (PyTorch 1.6 and later, including
 * `weights_only=True`): pickle protocol 2 of an OrderedDict of `_rebuild_tensor_v2` calls,
 * one storage per tensor, `version` 3 and a `byteorder` record ('little': PyTorch 2.x
 * writes and reads it; 1.x ignores records it does not know).
 */
export function encodePth(sd: StateDict, options: EncodePthOptions = {}): Uint8Array {
  const stem = options.stem ?? 'archive';
  if (!/^[A-Za-z0-9_.-]+$/.test(stem)) throw new Error(`invalid archive stem '${stem}': use letters, digits, '_', '.', '-'`);
  const rebuild = new PickleGlobalRef('torch._utils', '_rebuild_tensor_v2');
  const orderedDict = new PickleGlobalRef('collections', 'OrderedDict');
  const root = new PickleDict('collections.OrderedDict');
  const storages: Array<{ key: string; data: Uint8Array }> = [];
  for (const [name, t] of sd) {
    checkTensorData(`state dict entry '${name}'`, t.dtype, t.shape, t.data);
    const key = String(storages.length);
    storages.push({ key, data: valueBytes(t.data) });
    const storageType = new PickleGlobalRef('torch', STORAGE_TYPE_NAME[t.dtype]);
    const pid = new PickleTuple(['storage', storageType, key, 'cpu', shapeSize(t.shape)]);
    root.entries.set(
      name,
      new PickleCall(rebuild, [
        new PicklePersistentId(pid),
        0,
        new PickleTuple(t.shape),
        new PickleTuple(contiguousStrides(t.shape)),
        false, // requires_grad
        new PickleCall(orderedDict, []), // backward_hooks
      ]),
    );
  }
  const encoder = new TextEncoder();
  // Storage records in sorted key order, as torch.save writes them.
  storages.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return writeZip([
    { name: `${stem}/data.pkl`, data: encodePickle(root) },
    { name: `${stem}/byteorder`, data: encoder.encode('little') },
    ...storages.map((s) => ({ name: `${stem}/data/${s.key}`, data: s.data })),
    { name: `${stem}/version`, data: encoder.encode('3\n') },
  ]);
}

/** Write a state dict atomically (temp file, fsync, rename); the archive stem is the file's. */
export async function writePth(path: string, sd: StateDict): Promise<void> {
  const stem = basename(path, extname(path)).replace(/[^A-Za-z0-9_.-]/g, '_') || 'archive';
  await writeFileAtomic(path, encodePth(sd, { stem }));
}
