/**
 * Gradient functions that replace tfjs-core's where those are wrong, for every backend.
 * Registered by initBackend, after tf.ts has registered tfjs-core's own.
 */
import * as tf from '../tf';
import { mirrorPadGradConfig } from './mirror-pad-grad';

export const CORRECTED_GRADIENTS: readonly tf.GradConfig[] = [mirrorPadGradConfig];

export function registerTrainingGradients(): void {
  for (const config of CORRECTED_GRADIENTS) {
    if (tf.getGradient(config.kernelName) !== config) tf.registerGradient(config);
  }
}
