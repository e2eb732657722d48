/**
 * The engine's single entry to TensorFlow.js. Every engine module imports `tf` from here,
 * never from '@tensorflow/tfjs-core' directly, so that the package (and with it the set of
 * registered backends) is chosen in one place.
 *
 * The cpu backend is registered here as the always-available fallback; faster backends
 * (wasm, tfjs-node) are registered and selected by `engine/backends`. Engine code must not
 * assume a particular backend: it only uses ops that every backend implements.
 */
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core registers no gradient functions by itself (the @tensorflow/tfjs bundle does):
// training needs every op's gradient, so register them once, here.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
// Tensor methods (x.reshape, x.add, …) are attached by this side-effect module, which the
// package entry only loads in its own bundle; load it so chained calls work once bundled.
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';

export * from '@tensorflow/tfjs-core';
