/**
 * Environment for processes that run the engine's native code (ONNX Runtime, the TF.js
 * backends): glibc's malloc keeps the memory it is given back, for the next allocation.
 *
 * Training on ONNX Runtime kernels (backends/wasm-kernels) allocates and frees every
 * kernel's intermediates at every call: window copies, transposes, Winograd tiles, from a
 * few MiB to tens of MiB. By default glibc maps blocks above its mmap threshold (128 KiB,
 * rising to at most 32 MiB) and unmaps them when freed, and returns the top of its heap to
 * the system once 128 KiB of it is free; every such block is then faulted in again, page
 * by page, at the next call. Page faults cost about 2–3 µs each on these machines: a
 * Winograd convolution of the resnet_9blocks body took 30–39 ms with 7000 faults per call,
 * and 15.7 ms with 576 (tests/bench/train-conv-probe.ts); a CycleGAN iteration took 22.5 s
 * against 14.4 s (tests/bench/train-profile.ts).
 *
 * So blocks below MMAP_THRESHOLD_BYTES come from the heap, and the heap is never trimmed:
 * freed memory is reused instead of returned. The process's resident memory stays at its
 * peak after a large job; the peak itself did not grow (pix2pix training 1722 → 1721 MiB,
 * unet_256 inference 408 → 413 MiB, `atelier bench`). Inference keeps no transient copy of
 * a network's weights that this would pin (onnx/runner.ts feeds the weights as inputs).
 */
export const MMAP_THRESHOLD_BYTES = 256 * 1024 * 1024;
/** "Never": larger than any heap. */
export const TRIM_THRESHOLD_BYTES = 2 ** 40;

/** `base` with glibc's malloc set up as above, except what the user set (Linux only). */
export function nativeMemoryEnv(base: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  if (platform !== 'linux') return base;
  return {
    ...base,
    MALLOC_MMAP_THRESHOLD_: base.MALLOC_MMAP_THRESHOLD_ ?? String(MMAP_THRESHOLD_BYTES),
    MALLOC_TRIM_THRESHOLD_: base.MALLOC_TRIM_THRESHOLD_ ?? String(TRIM_THRESHOLD_BYTES),
  };
}
