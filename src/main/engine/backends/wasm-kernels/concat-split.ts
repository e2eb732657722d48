/**
 * Concat and SplitV on the wasm backend as block copies in one SIMD module
 * (./simd-module.ts). The U-Net's skip connections concatenate along channels, the last
 * (NHWC) axis, and their gradient splits there again: per pixel one short run per input.
 * The package copies each run with a TypedArray `set` from JavaScript (Concat) or slices
 * every part (SplitV); in a pix2pix iteration the two took about 115 ms
 * (tests/bench/train-profile.ts).
 *
 * Any axis reduces to rows: with the tensors seen as [outer, inner] (inner = the axis and
 * everything after it), each input is `outer` runs of its `inner` values, placed at its
 * column of the output's rows. Values are copied as they are (4-byte dtypes: float32, int32);
 * other dtypes go to the package's kernels.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '../../tf';
import { noteKernelRoute } from '../kernel-trace';
import { I32, I32_ADD, I32_CONST, LOCAL_GET, LOCAL_SET, V128_LOAD, V128_STORE, backendMemory, heapOffset, instanceFor, loop16, simdModule } from './simd-module';

interface CopyExports {
  /** copyRows(src, srcStride, dst, dstStride, rowBytes, rows): `rows` runs of `rowBytes` (a multiple of 4). */
  copyRows: (src: number, srcStride: number, dst: number, dstStride: number, rowBytes: number, rows: number) => void;
}

function copyModule(): Uint8Array<ArrayBuffer> {
  // Parameters 0 src, 1 srcStride, 2 dst, 3 dstStride, 4 rowBytes, 5 rows; locals 6 i, 7 r, 8 vec.
  const [SRC, SRC_STRIDE, DST, DST_STRIDE, ROW, ROWS, I, R, VEC] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const at = (base: number) => [...LOCAL_GET(base), ...LOCAL_GET(I), ...I32_ADD];
  const advance = (local: number, by: number[]) => [...LOCAL_GET(local), ...by, ...I32_ADD, ...LOCAL_SET(local)];
  const body = [
    // vec = rowBytes & -16: the part copied 16 bytes at a time.
    ...LOCAL_GET(ROW), 0x41, 0x70 /* i32.const -16 */, 0x71 /* i32.and */, ...LOCAL_SET(VEC),
    ...I32_CONST(0), ...LOCAL_SET(R),
    0x02, 0x40, 0x03, 0x40, // block, loop (rows)
    ...LOCAL_GET(R), ...LOCAL_GET(ROWS), 0x4f /* i32.ge_u */, 0x0d, 1,
    ...loop16(I, VEC, [...at(DST), ...at(SRC), ...V128_LOAD(), ...V128_STORE()]),
    // The rest of the row, 4 bytes at a time (i = vec here).
    0x02, 0x40, 0x03, 0x40,
    ...LOCAL_GET(I), ...LOCAL_GET(ROW), 0x4f, 0x0d, 1,
    ...at(DST), ...at(SRC), 0x28, 2, 0 /* i32.load */, 0x36, 2, 0 /* i32.store */,
    ...advance(I, I32_CONST(4)),
    0x0c, 0, 0x0b, 0x0b,
    ...advance(SRC, LOCAL_GET(SRC_STRIDE)),
    ...advance(DST, LOCAL_GET(DST_STRIDE)),
    ...advance(R, I32_CONST(1)),
    0x0c, 0, 0x0b, 0x0b, // br 0, end loop, end block
  ];
  return simdModule([{ name: 'copyRows', params: [I32, I32, I32, I32, I32, I32], locals: [[3, I32]], body }]);
}

const instances = new WeakMap<WebAssembly.Memory, CopyExports>();

const COPYABLE: readonly tf.DataType[] = ['float32', 'int32'];

/** The package's kernels, for what the copies do not take. */
const packageKernels: { Concat?: tf.KernelFunc; SplitV?: tf.KernelFunc } = {};

export function setPackageConcatSplit(kernels: { Concat?: tf.KernelFunc; SplitV?: tf.KernelFunc }): void {
  packageKernels.Concat = kernels.Concat;
  packageKernels.SplitV = kernels.SplitV;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

function fallback(kernel: 'Concat' | 'SplitV', args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const f = packageKernels[kernel];
  if (!f) throw new Error(`${kernel}: the package's kernel is not registered`);
  return f(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo | tf.TensorInfo[];
}

function concat(args: KernelArgs): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const inputs = args.inputs as unknown as tf.TensorInfo[];
  const memory = backendMemory(backend);
  const dtype = inputs[0]?.dtype;
  if (!memory || !dtype || !COPYABLE.includes(dtype) || inputs.some((t) => t.dtype !== dtype || tf.util.sizeFromShape(t.shape) === 0) || inputs.length < 2) {
    return fallback('Concat', args) as tf.TensorInfo;
  }
  const axis = tf.util.parseAxisParam((args.attrs as unknown as { axis: number }).axis, inputs[0]!.shape)[0]!;
  tf.backend_util.assertParamsConsistent(inputs.map((t) => t.shape), axis);
  noteKernelRoute('wasm-simd');
  const out = backend.makeOutput(tf.backend_util.computeOutShape(inputs.map((t) => t.shape), axis), dtype);
  const outer = tf.util.sizeFromShape(inputs[0]!.shape.slice(0, axis));
  const inner = inputs.map((t) => tf.util.sizeFromShape(t.shape.slice(axis)));
  const rowBytes = inner.reduce((a, b) => a + b, 0) * 4;
  const { copyRows } = instanceFor(copyModule, memory, instances);
  const outOff = heapOffset(backend, out);
  let column = 0;
  inputs.forEach((t, i) => {
    copyRows(heapOffset(backend, t), inner[i]! * 4, outOff + column, rowBytes, inner[i]! * 4, outer);
    column += inner[i]! * 4;
  });
  return out;
}

function splitV(args: KernelArgs): tf.TensorInfo[] {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: tf.TensorInfo };
  const memory = backendMemory(backend);
  if (!memory || !COPYABLE.includes(x.dtype) || tf.util.sizeFromShape(x.shape) === 0) return fallback('SplitV', args) as tf.TensorInfo[];
  const attrs = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
  const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits, axis);
  noteKernelRoute('wasm-simd');
  const outs = sizes.map((s) => {
    const shape = [...x.shape];
    shape[axis] = s;
    return backend.makeOutput(shape, x.dtype);
  });
  const outer = tf.util.sizeFromShape(x.shape.slice(0, axis));
  const after = tf.util.sizeFromShape(x.shape.slice(axis + 1));
  const rowBytes = x.shape[axis]! * after * 4;
  const { copyRows } = instanceFor(copyModule, memory, instances);
  const xOff = heapOffset(backend, x);
  let column = 0;
  outs.forEach((out, i) => {
    const bytes = sizes[i]! * after * 4;
    if (bytes > 0) copyRows(xOff + column, rowBytes, heapOffset(backend, out), bytes, bytes, outer);
    column += bytes;
  });
  return outs;
}

export const concatConfig: tf.KernelConfig = {
  kernelName: tf.Concat,
  backendName: 'wasm',
  kernelFunc: concat as unknown as tf.KernelFunc,
};

export const splitVConfig: tf.KernelConfig = {
  kernelName: tf.SplitV,
  backendName: 'wasm',
  kernelFunc: splitV as unknown as tf.KernelFunc,
};
