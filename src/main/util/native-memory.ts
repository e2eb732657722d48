/**
 * Environment for processes that run the engine's native code (ONNX Runtime, the TF.js
 * backends). glibc's malloc raises its mmap threshold each time a large block is freed (up
 * to 32 MiB); from then on blocks of that size come from the heap, and the heap keeps them
 * resident after they are freed. Building an ONNX Runtime session frees a parsed copy of
 * every weight, so without a fixed threshold that copy stayed resident: unet_256's session
 * took 407 MiB of resident memory for 208 MiB of weights, 200 MiB with the threshold fixed
 * at 128 KiB (M_MMAP_THRESHOLD; tests/bench/memory-probe.ts). Large blocks are then always
 * mapped and unmapped: ONNX Runtime's arena keeps its activations, so runs are unaffected.
 */
export const MMAP_THRESHOLD_BYTES = 128 * 1024;

/** `base` with glibc's mmap threshold fixed, unless the user set one (or not on Linux). */
export function nativeMemoryEnv(base: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  if (platform !== 'linux' || base.MALLOC_MMAP_THRESHOLD_ !== undefined) return base;
  return { ...base, MALLOC_MMAP_THRESHOLD_: String(MMAP_THRESHOLD_BYTES) };
}
