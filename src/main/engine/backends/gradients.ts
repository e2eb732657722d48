/**
 * Gradient functions that replace tfjs-core's, for every backend: where those are wrong
 * (MirrorPad), and where a backend runs the same gradient as one kernel (LeakyRelu and ReLU on
 * wasm).
 * Registered by initBackend, after tf.ts has registered tfjs-core's own.
 */
import * as tf from '../tf';
import { mirrorPadGradConfig } from './mirror-pad-grad';
import { leakyReluGradConfig } from './wasm-kernels/leaky-relu';
import { reluGradConfig } from './wasm-kernels/relu-grad';

export const CORRECTED_GRADIENTS: readonly tf.GradConfig[] = [mirrorPadGradConfig, leakyReluGradConfig, reluGradConfig];

export function registerTrainingGradients(): void {
  for (const config of CORRECTED_GRADIENTS) {
    if (tf.getGradient(config.kernelName) !== config) tf.registerGradient(config);
  }
}
