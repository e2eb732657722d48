/**
 * Gradient functions that replace tfjs-core's, for every backend: where those are wrong
 * (MirrorPad), and where a backend runs the same gradient as one kernel (LeakyRelu on wasm).
 * Registered by initBackend, after tf.ts has registered tfjs-core's own.
 */
import * as tf from '../tf';
import { mirrorPadGradConfig } from './mirror-pad-grad';
import { leakyReluGradConfig } from './wasm-kernels/leaky-relu';

export const CORRECTED_GRADIENTS: readonly tf.GradConfig[] = [mirrorPadGradConfig, leakyReluGradConfig];

export function registerTrainingGradients(): void {
  for (const config of CORRECTED_GRADIENTS) {
    if (tf.getGradient(config.kernelName) !== config) tf.registerGradient(config);
  }
}
