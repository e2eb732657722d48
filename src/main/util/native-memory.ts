/**
 * Environment for processes that run the engine's native code (ONNX Runtime, the TF.js
 * backends). glibc's malloc raises its mmap threshold each time a large block is freed (up
 * to 32 MiB); from then on blocks of that size come from the heap, and the heap keeps them
 * resident after they are freed. Building an ONNX Runtime session frees a parsed copy of
 * every weight, so without a fixed threshold that copy stayed resident: unet_256's session
 * took 407 MiB of resident memory for 208 MiB of weights (tests/bench/memory-probe.ts).
 *
 * The threshold is fixed at 8 MiB. Below it, blocks come from the heap and are reused: the
 * convolution kernels of a training step on ONNX Runtime allocate and free their window
 * copies and transposes (mostly 1–8 MiB) at every call, and at a 128 KiB threshold every
 * one of them was mapped, faulted in page by page and unmapped again: pix2pix's iteration
 * took 3.0 s instead of 2.2 s (`atelier bench --case pix2pix_train`). Above it, blocks are
 * mapped and returned when freed: unet_256's inference peaked at 698 MiB, as at 128 KiB
 * (758 MiB at 32 MiB).
 */
export const MMAP_THRESHOLD_BYTES = 8 * 1024 * 1024;

/** `base` with glibc's mmap threshold fixed, unless the user set one (or not on Linux). */
export function nativeMemoryEnv(base: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  if (platform !== 'linux' || base.MALLOC_MMAP_THRESHOLD_ !== undefined) return base;
  return { ...base, MALLOC_MMAP_THRESHOLD_: String(MMAP_THRESHOLD_BYTES) };
}
