import { endianness } from 'node:os';
import type { TensorDType, TensorValues } from './tensor-data';

/**
 * Element sizes and typed-array views for TensorData. Files on disk are little-endian;
 * typed arrays use the host's byte order, so a big-endian host is refused once, here,
 * rather than silently misreading every tensor.
 */
if (endianness() !== 'LE') {
  throw new Error('tensor I/O requires a little-endian host');
}

const ELEMENT_SIZE: Record<TensorDType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

export function elementSize(dtype: TensorDType): number {
  return ELEMENT_SIZE[dtype];
}

/** Number of elements of a shape; [] is a scalar (1 element). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function isValidShape(shape: readonly unknown[]): shape is number[] {
  return shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0);
}

/**
 * A typed array of `dtype` over a copy of `bytes` (which may be unaligned or a view of a
 * larger file buffer). `swap` reverses each element's bytes (big-endian sources).
 */
export function typedArrayFromBytes(dtype: TensorDType, bytes: Uint8Array, swap = false): TensorValues {
  const size = elementSize(dtype);
  if (bytes.byteLength % size !== 0) {
    throw new Error(`${bytes.byteLength} bytes is not a whole number of ${dtype} elements`);
  }
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  if (swap && size > 1) swapBytesInPlace(copy, size);
  return typedArrayView(dtype, copy.buffer, 0, bytes.byteLength / size);
}

/** A view (no copy) of `length` elements of `dtype` at an aligned byte offset. */
export function typedArrayView(dtype: TensorDType, buffer: ArrayBuffer, byteOffset: number, length: number): TensorValues {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, byteOffset, length);
    case 'float64':
      return new Float64Array(buffer, byteOffset, length);
    case 'float16':
      return new Uint16Array(buffer, byteOffset, length);
    case 'int64':
      return new BigInt64Array(buffer, byteOffset, length);
    case 'int32':
      return new Int32Array(buffer, byteOffset, length);
    case 'int16':
      return new Int16Array(buffer, byteOffset, length);
    case 'int8':
      return new Int8Array(buffer, byteOffset, length);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer, byteOffset, length);
  }
}

/** The bytes of a TensorData's values, as stored (a view, not a copy). */
export function valueBytes(values: TensorValues): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

export function swapBytesInPlace(bytes: Uint8Array, size: number): void {
  for (let i = 0; i + size <= bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

/** Check that `values` is the typed array a TensorData of this dtype and shape must carry. */
export function checkTensorData(what: string, dtype: TensorDType, shape: readonly number[], values: TensorValues): void {
  if (!(dtype in ELEMENT_SIZE)) throw new Error(`${what}: unknown dtype '${String(dtype)}'`);
  if (!isValidShape(shape)) throw new Error(`${what}: invalid shape [${shape.join(', ')}]`);
  const expected = typedArrayView(dtype, new ArrayBuffer(0), 0, 0).constructor;
  if (values.constructor !== expected) {
    throw new Error(`${what}: dtype ${dtype} needs a ${expected.name}, got ${values.constructor.name}`);
  }
  const n = shapeSize(shape);
  if (values.length !== n) {
    throw new Error(`${what}: shape [${shape.join(', ')}] has ${n} elements but the data holds ${values.length}`);
  }
}
