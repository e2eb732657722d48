/**
 * Time of one training iteration (forward, backward, Adam) on the wasm and cpu backends:
 * the generator part of pix2pix (U-Net, batch norm, dropout, L1) at quarter width (ngf 16)
 * on 64×64 and 256×256 images, and on wasm also with the package's own
 * Conv2DBackpropInput instead of ours, and the full pix2pix iteration (G and D, ngf = ndf = 64)
 * at 256×256.
 *
 *   ATELIER_THREADS=1 npx vitest run -c tests/bench/vitest.config.ts tests/bench/wasm-train-step.ts
 *   BENCH_BACKENDS=wasm ATELIER_THREADS=2 npx vitest run -c tests/bench/vitest.config.ts tests/bench/wasm-train-step.ts
 *
 * BENCH_BACKENDS (default "wasm,cpu") picks the backends; the wasm thread count is fixed per
 * process, hence one run per ATELIER_THREADS value. BENCH_FULL=0 skips the full iteration.
 */
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/main/engine/backends/select';
import { conv2DBackpropFilterConfig } from '../../src/main/engine/backends/wasm-kernels/conv2d-backprop-filter';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../../src/main/engine/backends/wasm-kernels';
import * as tf from '../../src/main/engine/tf';
import { pix2pixStep, unetGeneratorStep, type Step } from './helpers/train-steps';

const backends = (process.env.BENCH_BACKENDS ?? 'wasm,cpu').split(',');
const full = process.env.BENCH_FULL !== '0';

interface Timing {
  min: number;
  median: number;
}

function summary(ms: number[]): Timing {
  const sorted = [...ms].sort((a, b) => a - b);
  return { min: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]! };
}

function fmt(t: Timing): string {
  return `min ${t.min.toFixed(0)} ms, median ${t.median.toFixed(0)} ms`;
}

function timeOnce(step: Step): number {
  const start = performance.now();
  const losses = step.run();
  const ms = performance.now() - start;
  for (const [k, v] of Object.entries(losses)) expect(Number.isFinite(v), k).toBe(true);
  return ms;
}

/** Wall time of `timed` iterations after `warmup` ones. */
function time(step: Step, warmup: number, timed: number): Timing {
  for (let i = 0; i < warmup; i++) step.run();
  return summary(Array.from({ length: timed }, () => timeOnce(step)));
}

/** Our Conv2DBackpropInput against the package's, alternating, so both see the same machine load. */
function compareBackpropInput(step: Step, rounds: number): { ours: Timing; pkg: Timing } {
  const usePackage = () => {
    unregisterWasmTrainingKernels();
    tf.registerKernel(conv2DBackpropFilterConfig);
  };
  const useOurs = () => {
    tf.unregisterKernel(conv2DBackpropFilterConfig.kernelName, 'wasm');
    registerWasmTrainingKernels();
  };
  const ours: number[] = [];
  const pkg: number[] = [];
  step.run();
  usePackage();
  step.run();
  useOurs();
  for (let i = 0; i < rounds; i++) {
    ours.push(timeOnce(step));
    usePackage();
    pkg.push(timeOnce(step));
    useOurs();
  }
  return { ours: summary(ours), pkg: summary(pkg) };
}

const results: string[] = [];
function report(line: string): void {
  results.push(line);
  console.log(line);
}

describe('training iteration time', () => {
  it.runIf(backends.includes('wasm'))('wasm', async () => {
    const info = await initBackend({ prefer: 'wasm' });
    const label = `wasm (${info.threads} thread${info.threads === 1 ? '' : 's'})`;
    for (const size of [64, 256]) {
      const step = unetGeneratorStep({ size, ngf: 16 });
      const { ours, pkg } = compareBackpropInput(step, size === 64 ? 5 : 3);
      report(`${label}: U-Net G step ngf 16 ${size}×${size}: ${fmt(ours)}`);
      report(`${label}: U-Net G step ngf 16 ${size}×${size}, the package's Conv2DBackpropInput: ${fmt(pkg)}`);
      step.dispose();
    }
    if (full) {
      const step = pix2pixStep({ size: 256, ngf: 64, ndf: 64 });
      report(`${label}: pix2pix iteration (G + D, ngf = ndf = 64) 256×256: ${fmt(time(step, 1, 2))}`);
      step.dispose();
    }
  });

  it.runIf(backends.includes('cpu'))('cpu', async () => {
    await initBackend({ prefer: 'cpu' });
    const small = unetGeneratorStep({ size: 64, ngf: 16 });
    report(`cpu: U-Net G step ngf 16 64×64: ${fmt(time(small, 1, 2))}`);
    small.dispose();
    // One iteration only: it takes minutes.
    const large = unetGeneratorStep({ size: 256, ngf: 16 });
    report(`cpu: U-Net G step ngf 16 256×256: ${fmt(time(large, 0, 1))}`);
    large.dispose();
  });

  it('reports', () => {
    console.log(results.join('\n'));
    expect(results.length).toBeGreaterThan(0);
  });
});
