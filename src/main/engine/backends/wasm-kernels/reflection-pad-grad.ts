/**
 * The gradient of reflection padding (networks/reflection-pad.ts) as one kernel for the
 * wasm backend, on ONNX Runtime (onnx-session.ts). As TF.js ops it is fourteen slices, four
 * reverses, four adds and two concats per padding, each a pass over the map in WebAssembly:
 * a CycleGAN iteration spent 2.5 s in them. Where ONNX Runtime does not load the kernel
 * is not registered, and the padding's gradient runs as TF.js ops.
 *
 * Per axis, with n = size − 2p: the centre of dy, plus the strip before it reversed and
 * added to rows 1 … p, plus the strip after it reversed and added to rows n − 1 − p … n − 2.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '../../tf';
import type { GraphBuilder } from '../../onnx/graph-builder';
import { noteKernelRoute } from '../kernel-trace';
import { onnxGraph, runOnnx, syncOrt, type Int64Const } from './onnx-session';

export const REFLECTION_PAD_GRAD = 'AtelierReflectionPadGrad';

export interface ReflectionPadGradAttrs {
  /** The padding on each side of H and W. */
  p: number;
}

/** Folds axis `axis` of `h` (whose shape is `shape`) back by p; returns the new value and shape. */
function fold(
  g: GraphBuilder,
  ints: Int64Const,
  h: string,
  shape: number[],
  axis: number,
  p: number,
): { h: string; shape: number[] } {
  const n = shape[axis]! - 2 * p;
  const slice = (start: number, end: number, step = 1) => g.node('Slice', [h, ints([start]), ints([end]), ints([axis]), ints([step])]);
  const pads = (before: number, after: number) => {
    const b = shape.map(() => 0);
    const e = shape.map(() => 0);
    b[axis] = before;
    e[axis] = after;
    return ints([...b, ...e]);
  };
  const centre = slice(p, p + n);
  // Rows p − 1 … 0 and p + n + p − 1 … p + n: each strip reversed. (A negative step's end of
  // −(size + 1) reads through row 0.)
  const left = slice(p - 1, -(shape[axis]! + 1), -1);
  const right = slice(2 * p + n - 1, p + n - 1, -1);
  const withLeft = g.node('Add', [centre, g.node('Pad', [left, pads(1, n - 1 - p)])]);
  const out = g.node('Add', [withLeft, g.node('Pad', [right, pads(n - 1 - p, 1)])]);
  const next = [...shape];
  next[axis] = n;
  return { h: out, shape: next };
}

function reflectionPadGrad(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { dy } = args.inputs as { dy: tf.TensorInfo };
  const { p } = args.attrs as unknown as ReflectionPadGradAttrs;
  const [n, h, w, c] = dy.shape as [number, number, number, number];
  const xShape = [n, h - 2 * p, w - 2 * p, c];
  if (!Number.isInteger(p) || p < 1 || xShape[1]! <= p || xShape[2]! <= p) {
    throw new Error(`${REFLECTION_PAD_GRAD}: padding ${p} does not fit a gradient of shape [${dy.shape}]`);
  }
  noteKernelRoute('onnxruntime');
  return runOnnx(
    backend,
    `reflect-grad|${dy.shape}|${p}`,
    () =>
      onnxGraph((g, ints) => {
        const rows = fold(g, ints, g.input('dy', dy.shape), [...dy.shape], 1, p);
        const both = fold(g, ints, rows.h, rows.shape, 2, p);
        g.output(both.h, 'y0', xShape);
      }),
    { dy },
    xShape,
  );
}

export const reflectionPadGradConfig: tf.KernelConfig = {
  kernelName: REFLECTION_PAD_GRAD,
  backendName: 'wasm',
  kernelFunc: reflectionPadGrad as tf.KernelFunc,
};

/** Whether the kernel can run here (ONNX Runtime loads). */
export function reflectionPadGradAvailable(): boolean {
  return syncOrt() != null;
}
