import { PickleDict, PickleTuple, type PickleGlobal } from './pickle';
import { elementSize, shapeSize, swapBytesInPlace, typedArrayView } from './dtype';
import type { TensorData, TensorDType } from './tensor-data';

/**
 * The PyTorch side of checkpoint unpickling: which globals a state-dict pickle may name
 * (the same short list `torch.load(weights_only=True)` accepts for plain tensors), how a
 * tensor is rebuilt from a storage (torch/_utils.py `_rebuild_tensor_v2`), and how a
 * strided view of a storage becomes a contiguous TensorData.
 */

/** bfloat16 storages are widened to float32 on load (exact: bfloat16 is float32's top half). */
export type StorageDType = TensorDType | 'bfloat16';

const STORAGE_TYPES: Record<string, StorageDType> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

/** The storage class to name when writing a tensor of this dtype. */
export const STORAGE_TYPE_NAME: Record<TensorDType, string> = {
  float32: 'FloatStorage',
  float64: 'DoubleStorage',
  float16: 'HalfStorage',
  int64: 'LongStorage',
  int32: 'IntStorage',
  int16: 'ShortStorage',
  int8: 'CharStorage',
  uint8: 'ByteStorage',
  bool: 'BoolStorage',
};

export function storageElementSize(dtype: StorageDType): number {
  return dtype === 'bfloat16' ? 2 : elementSize(dtype);
}

interface StorageTypeGlobal extends PickleGlobal {
  readonly storageDType: StorageDType;
}

function isStorageType(v: unknown): v is StorageTypeGlobal {
  return typeof v === 'object' && v !== null && typeof (v as StorageTypeGlobal).storageDType === 'string';
}

/** A storage named by a persistent id; its bytes are found after unpickling. */
export interface StorageRef {
  readonly key: string;
  readonly dtype: StorageDType;
  /** Elements in the root storage. */
  readonly numel: number;
  /** Legacy files may reference a slice of a root storage: element offset and length. */
  readonly view?: { readonly key: string; readonly offset: number; readonly numel: number };
}

export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly size: readonly number[],
    readonly stride: readonly number[],
  ) {}
}

export class CheckpointFormatError extends Error {
  override name = 'CheckpointFormatError';
}

const TENSOR_TYPES = new Set(['torch._tensor.Tensor', 'torch.Tensor', 'torch.nn.parameter.Parameter']);

/** The allow-list: every global a state-dict checkpoint needs, nothing that runs code. */
export function findTorchGlobal(module: string, name: string): PickleGlobal | undefined {
  const full = `${module}.${name}`;
  if (module === 'torch' && name in STORAGE_TYPES) {
    return { module, name, storageDType: STORAGE_TYPES[name]! } as StorageTypeGlobal;
  }
  if (TENSOR_TYPES.has(full)) return { module, name };
  switch (full) {
    case 'collections.OrderedDict':
      return { module, name, call: newOrderedDict };
    case 'torch._utils._rebuild_tensor_v2':
    case 'torch._utils._rebuild_tensor':
      return { module, name, call: (args) => rebuildTensor(full, args) };
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
      // (data, requires_grad, backward_hooks[, state]): the parameter is its data here.
      return { module, name, call: (args) => expectTensor(full, args[0]) };
    case 'torch._tensor._rebuild_from_type_v2':
      // (func, new_type, args, state): plain Tensor / Parameter subclasses only.
      return { module, name, call: rebuildFromType };
    default:
      return undefined;
  }
}

function newOrderedDict(args: readonly unknown[]): PickleDict {
  const dict = new PickleDict('collections.OrderedDict');
  const items = args[0];
  if (items === undefined) return dict;
  if (!Array.isArray(items)) throw new CheckpointFormatError('OrderedDict(...) with an argument that is not a list of pairs');
  for (const item of items) {
    if (!(item instanceof PickleTuple) || item.items.length !== 2) throw new CheckpointFormatError('OrderedDict(...) item is not a pair');
    dict.entries.set(item.items[0], item.items[1]);
  }
  return dict;
}

function rebuildTensor(fn: string, args: readonly unknown[]): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!isStorageRef(storage)) throw new CheckpointFormatError(`${fn}: first argument is not a storage`);
  const sizes = intTuple(size);
  const strides = intTuple(stride);
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0 || !sizes || !strides || sizes.length !== strides.length) {
    throw new CheckpointFormatError(`${fn}: bad offset/size/stride arguments`);
  }
  return new TensorRef(storage, offset, sizes, strides);
}

function rebuildFromType(args: readonly unknown[]): unknown {
  const [func, newType, funcArgs] = args;
  const type = newType as PickleGlobal | undefined;
  if (!type || !TENSOR_TYPES.has(`${type.module}.${type.name}`)) {
    throw new CheckpointFormatError('_rebuild_from_type_v2 with a tensor subclass that is not torch.Tensor or Parameter');
  }
  const f = func as PickleGlobal | undefined;
  if (!f?.call || !(funcArgs instanceof PickleTuple)) throw new CheckpointFormatError('_rebuild_from_type_v2 with bad arguments');
  return f.call(funcArgs.items);
}

function expectTensor(fn: string, v: unknown): TensorRef {
  if (!(v instanceof TensorRef)) throw new CheckpointFormatError(`${fn}: data is not a tensor`);
  return v;
}

function isStorageRef(v: unknown): v is StorageRef {
  return typeof v === 'object' && v !== null && typeof (v as StorageRef).key === 'string' && typeof (v as StorageRef).numel === 'number';
}

function intTuple(v: unknown): number[] | undefined {
  const items = v instanceof PickleTuple ? v.items : undefined;
  if (!items || !items.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) return undefined;
  return items as number[];
}

/**
 * A persistent id of the zip format: ('storage', storage_type, key, location, numel).
 * Legacy files add a sixth item, view_metadata: None or (view_key, offset, view_numel).
 */
export function storageFromPersistentId(pid: unknown, legacy: boolean): StorageRef {
  const items = pid instanceof PickleTuple ? pid.items : undefined;
  const typename = items?.[0];
  if (typename === 'module') {
    throw new CheckpointFormatError(
      'the checkpoint pickles a whole nn.Module (torch.save(model)); only state dicts (torch.save(model.state_dict())) can be read',
    );
  }
  if (!items || typename !== 'storage' || items.length !== (legacy ? 6 : 5)) {
    throw new CheckpointFormatError(`unexpected persistent id ${describePid(items)}`);
  }
  const [, type, key, , numel, viewMetadata] = items;
  if (!isStorageType(type)) throw new CheckpointFormatError(`persistent id names an unsupported storage type`);
  if (typeof key !== 'string' || typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
    throw new CheckpointFormatError(`malformed storage persistent id ${describePid(items)}`);
  }
  if (viewMetadata === undefined || viewMetadata === null) return { key, dtype: type.storageDType, numel };
  const view = viewMetadata instanceof PickleTuple ? viewMetadata.items : [];
  const [viewKey, offset, viewNumel] = view;
  if (typeof viewKey !== 'string' || typeof offset !== 'number' || typeof viewNumel !== 'number' || offset + viewNumel > numel) {
    throw new CheckpointFormatError(`malformed storage view in persistent id ${describePid(items)}`);
  }
  return { key, dtype: type.storageDType, numel, view: { key: viewKey, offset, numel: viewNumel } };
}

function describePid(items: readonly unknown[] | undefined): string {
  if (!items) return '(not a tuple)';
  return `(${items.map((v) => (typeof v === 'string' || typeof v === 'number' ? JSON.stringify(v) : typeof v)).join(', ')})`;
}

/**
 * The tensor a TensorRef describes, as a contiguous C-order copy. `storageBytes` are the
 * root storage's raw bytes in the file's byte order (`bigEndian` says which).
 */
export function materializeTensor(name: string, ref: TensorRef, storageBytes: Uint8Array, bigEndian: boolean): TensorData {
  const { storage } = ref;
  const itemSize = storageElementSize(storage.dtype);
  if (storageBytes.length !== storage.numel * itemSize) {
    throw new CheckpointFormatError(
      `tensor '${name}': storage '${storage.key}' has ${storageBytes.length} bytes, expected ${storage.numel} × ${itemSize}`,
    );
  }
  // A legacy storage view is a window into its root storage.
  const base = storage.view ? storage.view.offset : 0;
  const available = storage.view ? storage.view.numel : storage.numel;
  const shape = [...ref.size];
  const count = shapeSize(shape);
  let lastIndex = ref.offset;
  for (let d = 0; d < shape.length; d++) lastIndex += (shape[d]! - 1) * ref.stride[d]!;
  if (count > 0 && lastIndex >= available) {
    throw new CheckpointFormatError(
      `tensor '${name}' (size [${shape.join(', ')}], stride [${ref.stride.join(', ')}], offset ${ref.offset}) reads past its storage of ${available} elements`,
    );
  }

  // A contiguous little-endian tensor is a window into the checkpoint's bytes: a view,
  // not a copy, so a loaded state dict costs the file's size once (unet_256: 208 MiB)
  // instead of twice until the file's buffer is collected. Views need their element
  // alignment, which the zip format's 64-byte record alignment gives; otherwise it is copied.
  if (count > 0 && !bigEndian && storage.dtype !== 'bfloat16' && isContiguous(shape, ref.stride)) {
    const at = storageBytes.byteOffset + (base + ref.offset) * itemSize;
    if (at % itemSize === 0) return { dtype: storage.dtype, shape, data: typedArrayView(storage.dtype, storageBytes.buffer as ArrayBuffer, at, count) };
  }
  const out = new Uint8Array(count * itemSize);
  if (count > 0) {
    if (isContiguous(shape, ref.stride)) {
      const start = (base + ref.offset) * itemSize;
      out.set(storageBytes.subarray(start, start + out.length));
    } else {
      gatherStrided(out, storageBytes, itemSize, base + ref.offset, shape, ref.stride);
    }
  }
  if (bigEndian && itemSize > 1) swapBytesInPlace(out, itemSize);

  if (storage.dtype === 'bfloat16') {
    const bits = new Uint16Array(out.buffer);
    const widened = new Uint32Array(count);
    for (let i = 0; i < count; i++) widened[i] = bits[i]! << 16;
    return { dtype: 'float32', shape, data: new Float32Array(widened.buffer) };
  }
  return { dtype: storage.dtype, shape, data: typedArrayView(storage.dtype, out.buffer, 0, count) };
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return strides;
}

/** Dimensions of size 1 may carry any stride without changing the layout. */
function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d]!;
  }
  return true;
}

function gatherStrided(
  out: Uint8Array,
  src: Uint8Array,
  itemSize: number,
  offset: number,
  shape: readonly number[],
  stride: readonly number[],
): void {
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let srcElement = offset;
  const count = out.length / itemSize;
  for (let i = 0; i < count; i++) {
    const s = srcElement * itemSize;
    for (let b = 0; b < itemSize; b++) out[i * itemSize + b] = src[s + b]!;
    // Odometer increment over the C-order index.
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      srcElement += stride[d]!;
      if (index[d]! < shape[d]!) break;
      srcElement -= stride[d]! * shape[d]!;
      index[d] = 0;
    }
  }
}
