/**
 * Kernels registered for the wasm backend so that it can train pix2pix and CycleGAN.
 * Which kernels those are was established by running both models' training steps
 * (forward, tf.variableGrads, Adam) with every kernel traced (tests/bench/wasm-probe.ts,
 * tests/bench/train-profile.ts):
 *   missing:   Conv2DBackpropFilter (every convolution's filter gradient)
 *   too slow:  the three convolutions (forward, input and filter gradients: nearly all of a
 *              step), which run on ONNX Runtime where it loads (onnx-conv.ts) and otherwise
 *              on XNNPACK (the package's Conv2DBackpropInput is a scalar loop on one thread;
 *              ours keeps it for calls with few dy pixels, where the loop is faster);
 *              Mean and Sum over large maps (the package transposes before reducing over
 *              H and W), on ONNX Runtime (onnx-reduce.ts);
 *              LeakyRelu, a scalar loop in the package, as one SIMD pass (leaky-relu.ts);
 *              Concat and SplitV (the U-Net's skip connections and their gradient), which
 *              the package copies run by run from JavaScript, as SIMD block copies
 *              (concat-split.ts);
 *   fused:     the reflection-pad gradient, one ONNX Runtime kernel instead of twenty-odd
 *              ops (reflection-pad-grad.ts; networks/reflection-pad.ts calls it); the Adam
 *              update, one SIMD pass instead of thirteen ops (adam-step.ts; train/adam.ts);
 *              LeakyRelu's gradient, one SIMD pass instead of three ops (leaky-relu.ts; its
 *              gradient function, registered with backends/gradients.ts, calls it); the
 *              element-wise part of InstanceNorm's gradient, one pass instead of four
 *              (instance-norm-grad.ts; networks/norm.ts calls it); ReLU's gradient, one
 *              pass instead of three ops (relu-grad.ts, with backends/gradients.ts);
 *   copies:    Identity (every tensor a gradient tape saves is cloned, and the package's
 *              clone copies the data: a training step held its activations and weights twice);
 *              Conv2D on XNNPACK, which keeps a packed copy of every filter until the filter
 *              is disposed (ours drops that copy while a gradient is computed).
 * Every other kernel of those steps is the package's own.
 */
import * as tf from '../../tf';
import { conv2dConfig, setPackageConv2D } from './conv2d';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2DBackpropInputConfig, setPackageConv2DBackpropInput } from './conv2d-backprop-input';
import { identityConfig } from './identity';
import { meanConfig, setPackageReduce, sumConfig } from './reduce';
import { adamStepConfig } from './adam-step';
import { leakyReluConfig, leakyReluGradKernelConfig, setPackageLeakyRelu } from './leaky-relu';
import { concatConfig, setPackageConcatSplit, splitVConfig } from './concat-split';
import { instanceNormGradConfig } from './instance-norm-grad';
import { reluGradKernelConfig } from './relu-grad';
import { reflectionPadGradConfig } from './reflection-pad-grad';

export interface WasmTrainingKernel {
  config: tf.KernelConfig;
  /** Why it is registered: the package lacks it, or its own version is replaced. */
  reason: 'missing' | 'replaces-slow' | 'replaces-copying' | 'wraps-caching' | 'fuses-ops';
}

export const WASM_TRAINING_KERNELS: readonly WasmTrainingKernel[] = [
  { config: conv2DBackpropFilterConfig, reason: 'missing' },
  { config: conv2DBackpropInputConfig, reason: 'replaces-slow' },
  { config: identityConfig, reason: 'replaces-copying' },
  { config: conv2dConfig, reason: 'wraps-caching' },
  { config: meanConfig, reason: 'replaces-slow' },
  { config: sumConfig, reason: 'replaces-slow' },
  { config: reflectionPadGradConfig, reason: 'fuses-ops' },
  { config: adamStepConfig, reason: 'fuses-ops' },
  { config: leakyReluConfig, reason: 'replaces-slow' },
  { config: leakyReluGradKernelConfig, reason: 'fuses-ops' },
  { config: concatConfig, reason: 'replaces-slow' },
  { config: splitVConfig, reason: 'replaces-slow' },
  { config: instanceNormGradConfig, reason: 'fuses-ops' },
  { config: reluGradKernelConfig, reason: 'fuses-ops' },
];

/** The package's own kernels that ours replaced, to restore them. */
const replaced = new Map<string, tf.KernelConfig>();

/** Registers the kernels above for 'wasm' (idempotent). */
export function registerWasmTrainingKernels(): void {
  for (const { config } of WASM_TRAINING_KERNELS) {
    const current = tf.getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current) {
      replaced.set(config.kernelName, current);
      tf.unregisterKernel(config.kernelName, 'wasm');
    }
    tf.registerKernel(config);
  }
  // Small calls are faster in the package's loop (see conv2d-backprop-input.ts).
  setPackageConv2DBackpropInput(replaced.get(tf.Conv2DBackpropInput)?.kernelFunc);
  setPackageConv2D(replaced.get(tf.Conv2D)?.kernelFunc);
  setPackageReduce('Mean', replaced.get(tf.Mean)?.kernelFunc);
  setPackageReduce('Sum', replaced.get(tf.Sum)?.kernelFunc);
  setPackageLeakyRelu(replaced.get(tf.LeakyRelu)?.kernelFunc);
  setPackageConcatSplit({ Concat: replaced.get(tf.Concat)?.kernelFunc, SplitV: replaced.get(tf.SplitV)?.kernelFunc });
}

/** Puts the package's kernels back (benchmarks compare both). */
export function unregisterWasmTrainingKernels(): void {
  for (const { config } of WASM_TRAINING_KERNELS) {
    const current = tf.getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc !== config.kernelFunc) continue;
    tf.unregisterKernel(config.kernelName, 'wasm');
    const original = replaced.get(config.kernelName);
    if (original) tf.registerKernel(original);
    replaced.delete(config.kernelName);
  }
  setPackageConv2DBackpropInput(undefined);
  setPackageConv2D(undefined);
  setPackageReduce('Mean', undefined);
  setPackageReduce('Sum', undefined);
  setPackageLeakyRelu(undefined);
  setPackageConcatSplit({});
}
