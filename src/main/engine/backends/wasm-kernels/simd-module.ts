/**
 * Small WebAssembly modules with 128-bit SIMD, encoded byte by byte (no toolchain needed),
 * that import the wasm backend's own memory and so work on its tensors where they are
 * (adam-step.ts, leaky-relu.ts). Only for the single-threaded build: the threaded one's
 * memory is shared, and a module importing it would have to declare that.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '../../tf';
import { noteKernelRoute } from '../kernel-trace';

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

/** A SIMD instruction (0xFD prefix, LEB128 opcode). */
const simd = (op: number) => [0xfd, ...uleb(op)];
export const V128_LOAD = (offset = 0) => [...simd(0x00), 4, ...uleb(offset)];
export const V128_STORE = (offset = 0) => [...simd(0x0b), 4, ...uleb(offset)];
export const V128_ZERO = [...simd(0x0c), ...new Array<number>(16).fill(0)];
/** v128.const of four float32 1.0 (0x3f800000, little-endian). */
export const V128_ONES_F32 = [...simd(0x0c), ...[0, 0, 0x80, 0x3f, 0, 0, 0x80, 0x3f, 0, 0, 0x80, 0x3f, 0, 0, 0x80, 0x3f]];
export const V128_BITSELECT = simd(0x52);
export const F32X4_SPLAT = simd(0x13);
export const F32X4_NE = simd(0x42);
export const F32X4_LT = simd(0x43);
export const F32X4_GT = simd(0x44);
export const F32X4_SQRT = simd(0xe3);
export const F32X4_ADD = simd(0xe4);
export const F32X4_SUB = simd(0xe5);
export const F32X4_MUL = simd(0xe6);
export const F32X4_DIV = simd(0xe7);
export const LOCAL_GET = (i: number) => [0x20, ...uleb(i)];
export const LOCAL_SET = (i: number) => [0x21, ...uleb(i)];
export const LOCAL_TEE = (i: number) => [0x22, ...uleb(i)];
export const I32_ADD = [0x6a];
/** i32.const for 0 ≤ n < 64 (where the signed and unsigned LEB128 forms agree). */
export const I32_CONST = (n: number) => {
  if (!Number.isInteger(n) || n < 0 || n >= 64) throw new Error(`I32_CONST: ${n} is outside 0…63`);
  return [0x41, n];
};

/**
 * `for (i = 0; i < bytes; i += 16) { body }` with i in local `i` and the byte count in local
 * `bytes`; `body` leaves nothing on the stack.
 */
export function loop16(i: number, bytes: number, body: number[]): number[] {
  return [
    ...I32_CONST(0), ...LOCAL_SET(i),
    0x02, 0x40, // block
    0x03, 0x40, // loop
    ...LOCAL_GET(i), ...LOCAL_GET(bytes), 0x4f /* i32.ge_u */, 0x0d, 1, // br_if 1 (out of the block)
    ...body,
    ...LOCAL_GET(i), ...I32_CONST(16), ...I32_ADD, ...LOCAL_SET(i),
    0x0c, 0, // br 0 (loop)
    0x0b, // end loop
    0x0b, // end block
  ];
}

export interface SimdFunction {
  name: string;
  params: number[];
  /** Further locals, as runs of [count, type]; they are numbered after the parameters. */
  locals: [number, number][];
  body: number[];
}

/** The module's bytes: (import "env" "memory") and the functions, each exported by name. */
export function simdModule(functions: readonly SimdFunction[]): Uint8Array<ArrayBuffer> {
  const n = functions.length;
  const types = section(1, [...uleb(n), ...functions.flatMap((f) => [0x60, ...uleb(f.params.length), ...f.params, 0])]);
  const imports = section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x00]);
  const declarations = section(3, [...uleb(n), ...functions.flatMap((_, i) => uleb(i))]);
  const exports = section(7, [...uleb(n), ...functions.flatMap((f, i) => [...name(f.name), 0x00, ...uleb(i)])]);
  const code = section(10, [
    ...uleb(n),
    ...functions.flatMap((f) => {
      const body = [...uleb(f.locals.length), ...f.locals.flatMap(([count, type]) => [...uleb(count), type]), ...f.body, 0x0b];
      return [...uleb(body.length), ...body];
    }),
  ]);
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...imports, ...declarations, ...exports, ...code]);
}

/** The backend's memory, when a module can import it as it is (not shared). */
export function backendMemory(backend: BackendWasm): WebAssembly.Memory | null {
  const memory = (backend.wasm as unknown as { asm?: { memory?: unknown } } | undefined)?.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return null;
  if (typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer) return null;
  return memory;
}

/** A tensor's byte offset in the backend's memory. */
export function heapOffset(backend: BackendWasm, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId)!.memoryOffset;
}

/** Whether `kernel`, one of these modules' kernels, runs on `backend`: registered for wasm, and its memory not shared. */
export function simdKernelRuns(kernel: string, backend: tf.KernelBackend): boolean {
  return tf.getKernel(kernel, 'wasm') != null && backendMemory(backend as BackendWasm) != null;
}

/** One instance per module and memory: the module's exports, over `memory`. */
export function instanceFor<T>(bytes: () => Uint8Array<ArrayBuffer>, memory: WebAssembly.Memory, cache: WeakMap<WebAssembly.Memory, T>): T {
  let exports = cache.get(memory);
  if (!exports) {
    exports = new WebAssembly.Instance(new WebAssembly.Module(bytes()), { env: { memory } }).exports as T;
    cache.set(memory, exports);
  }
  return exports;
}

/**
 * An element-wise kernel's output: float32 inputs of one shape, one float32 output of that
 * shape. `pass` runs the module over the first size − (size mod 4) values, given the memory,
 * the inputs' and the output's byte offsets and the byte count; `tail` computes each of the
 * remaining values from the inputs' values, rounding as the lanes do.
 */
export function elementwisePass(
  backend: BackendWasm,
  kernel: string,
  inputs: readonly tf.TensorInfo[],
  pass: (memory: WebAssembly.Memory, offsets: number[], bytes: number) => void,
  tail: (...values: number[]) => number,
): tf.TensorInfo {
  const [first] = inputs;
  if (!first || inputs.some((t) => t.dtype !== 'float32' || !tf.util.arraysEqual(t.shape, first.shape))) {
    throw new Error(`${kernel}: expects float32 inputs of one shape, got ${inputs.map((t) => `${t.dtype} [${t.shape}]`).join(', ')}`);
  }
  const memory = backendMemory(backend);
  if (!memory) throw new Error(`${kernel}: the wasm backend's memory is shared (threaded build); use the TF.js ops`);
  noteKernelRoute('wasm-simd');
  const out = backend.makeOutput([...first.shape], 'float32');
  const offsets = [...inputs, out].map((t) => heapOffset(backend, t));
  const size = tf.util.sizeFromShape(first.shape);
  const whole = size - (size % 4);
  pass(memory, offsets, whole * 4);
  if (whole < size) {
    const heap = new Float32Array(memory.buffer);
    const at = offsets.map((o) => o / 4);
    const outAt = at.pop()!;
    for (let i = whole; i < size; i++) heap[outAt + i] = tail(...at.map((a) => heap[a + i]!));
  }
  return out;
}
