/**
 * Mean and Sum for the wasm backend on ONNX Runtime (onnx-session.ts), for large float
 * tensors. The package reduces only over the innermost axes: a mean over H and W of an NHWC
 * map (instance norm's statistics and their gradients, per layer and step) first transposes
 * the whole map. On ONNX Runtime, a reduction over adjacent axes is a product with a vector of ones, read
 * in place on every core; others are ReduceMean / ReduceSum. Small
 * reductions (losses of a few values, per-channel vectors) stay in WebAssembly, where a call
 * costs less than a session run.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '../../tf';
import { attr } from '../../onnx/graph-builder';
import { onnxGraph, runOnnx, syncOrt } from './onnx-session';

/** Inputs with fewer values than this stay in WebAssembly. */
export const ONNX_REDUCE_MIN_SIZE = 1 << 15;

type Reduction = 'Mean' | 'Sum';

/** The reduction on ONNX Runtime, or null where it stays in WebAssembly. */
export function onnxReduce(
  op: Reduction,
  backend: BackendWasm,
  x: tf.TensorInfo,
  attrs: { axis: number | number[]; keepDims: boolean },
): tf.TensorInfo | null {
  if (x.dtype !== 'float32' || tf.util.sizeFromShape(x.shape) < ONNX_REDUCE_MIN_SIZE || !syncOrt()) return null;
  const axes = tf.util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
  if (axes.length === 0) return null;
  const [outShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
  // The values are the same with or without the reduced axes.
  const kept = tf.backend_util.expandShapeToKeepDim(outShape, axes);
  const shape = attrs.keepDims ? kept : outShape;
  const key = `${op}|${x.shape}|${axes}`;
  const contiguous = axes.every((a, i) => a === axes[0]! + i);
  const outer = tf.util.sizeFromShape(x.shape.slice(0, axes[0]));
  const reduced = tf.util.sizeFromShape(x.shape.slice(axes[0], axes[axes.length - 1]! + 1));
  const inner = tf.util.sizeFromShape(x.shape.slice(axes[axes.length - 1]! + 1));
  return runOnnx(
    backend,
    key,
    () =>
      onnxGraph((g, ints) => {
        const input = g.input('x', x.shape);
        let y: string;
        if (contiguous) {
          // A product with a vector of ones (1/n for the mean) runs as a GEMM, at memory
          // speed on every core: 12× faster than ReduceMean over H and W of an NHWC map.
          const ones = (n: number) => new Float32Array(n).fill(op === 'Mean' ? 1 / reduced : 1);
          y =
            inner === 1
              ? g.node('MatMul', [g.node('Reshape', [input, ints([outer, reduced])]), g.floatInitializer('ones', [reduced, 1], ones(reduced))])
              : g.node('MatMul', [g.floatInitializer('ones', [1, reduced], ones(reduced)), g.node('Reshape', [input, ints([outer, reduced, inner])])]);
        } else {
          // Opset 17: ReduceMean takes its axes as an attribute, ReduceSum as an input.
          y =
            op === 'Mean'
              ? g.node('ReduceMean', [input], [attr.ints('axes', axes), attr.int('keepdims', 1)])
              : g.node('ReduceSum', [input, ints(axes)], [attr.int('keepdims', 1)]);
        }
        g.output(g.node('Reshape', [y, ints(shape)]), 'y0', shape);
      }),
    { x },
    shape,
  );
}
