/**
 * Environment for processes that run the engine's native code (ONNX Runtime, the TF.js
 * backends): glibc's malloc keeps the memory it is given back, for the next allocation.
 *
 * Training on ONNX Runtime kernels (backends/wasm-kernels) allocates and frees every
 * kernel's intermediates at every call: window copies, transposes, Winograd tiles, from a
 * few MiB to tens of MiB. By default glibc maps blocks above its mmap threshold (128 KiB,
 * rising to at most 32 MiB) and unmaps them when freed, and returns the top of its heap to
 * the system once 128 KiB of it is free; every such block is then faulted in again, page
 * by page, at the next call. Page faults cost about 2–3 µs each on these machines: the
 * Winograd form of a resnet_9blocks body convolution took 30–39 ms with about 7000 faults
 * per call, and 15.7 ms with 576, once freed memory was kept. The resnet body layer's
 * forward, input- and filter-gradient kernels took 27.9, 38.7 and 34.1 ms with an 8 MiB
 * threshold, 18.9, 20.4 and 31.5 ms with these settings (tests/bench/train-conv-probe.ts).
 *
 * So blocks below MMAP_THRESHOLD_BYTES come from the heap, and the heap is never trimmed:
 * freed memory is reused instead of returned. The process's resident memory stays at its
 * peak after a large job; the peaks themselves hardly moved (pix2pix training 1741 MiB
 * against 1722 MiB with an 8 MiB threshold; unet_256 inference 413 against 408 MiB,
 * `atelier bench`). Inference keeps no transient copy of a network's weights that this
 * would pin (onnx/runner.ts feeds the weights as inputs).
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
