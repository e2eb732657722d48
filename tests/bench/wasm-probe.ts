/**
 * Which kernels do pix2pix and CycleGAN training steps need, which of them does the wasm
 * backend lack, and where does each one run? Runs both models' iterations (forward,
 * tf.variableGrads, Adam) plus the other ways the same layers can be written, first on the
 * cpu backend to list the kernels, then on wasm with every kernel call traced.
 *
 *   npx vitest run -c tests/bench/vitest.config.ts tests/bench/wasm-probe.ts
 */
import { describe, expect, it } from 'vitest';
import { startKernelTrace } from '../../src/main/engine/backends/kernel-trace';
import { initBackend } from '../../src/main/engine/backends/select';
import { WASM_TRAINING_KERNELS, registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../../src/main/engine/backends/wasm-kernels';
import * as tf from '../../src/main/engine/tf';
import { cycleganStep, pix2pixStep } from './helpers/train-steps';

/** Other spellings of the same layers and losses that model code might use. */
function alternativeForms(): void {
  const x = tf.variable(tf.randomNormal([2, 9, 9, 4], 0, 1, 'float32', 1));
  const w = tf.variable(tf.randomNormal([3, 3, 4, 4], 0, 0.1, 'float32', 2));
  const wt = tf.variable(tf.randomNormal([4, 4, 4, 4], 0, 0.1, 'float32', 3));
  const gamma = tf.variable(tf.ones([4]));
  const beta = tf.variable(tf.zeros([4]));
  const { grads, value } = tf.variableGrads(() => {
    const h = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same');
    const m = tf.moments(h, [0, 1, 2]);
    const bn = tf.batchNorm(h, m.mean, m.variance, beta, gamma, 1e-5) as tf.Tensor4D;
    const up = tf.conv2dTranspose(bn, wt as tf.Tensor4D, [2, 10, 10, 4], 2, 'same');
    const resized = tf.image.resizeBilinear(up, [12, 12]);
    const nearest = tf.image.resizeNearestNeighbor(resized, [24, 24]);
    const mirrored = tf.mirrorPad(nearest, [[0, 0], [2, 2], [1, 1], [0, 0]], 'reflect');
    const dropped = tf.dropout(mirrored, 0.5, undefined, 7);
    const padded = tf.pad(tf.sigmoid(dropped), [[0, 0], [1, 1], [1, 1], [0, 0]]);
    const clipped = tf.clipByValue(tf.maximum(padded, tf.softplus(padded)), -1, 1);
    const target = tf.onesLike(clipped);
    return tf.addN([
      tf.losses.sigmoidCrossEntropy(target, clipped),
      tf.losses.meanSquaredError(target, clipped),
      tf.losses.absoluteDifference(target, clipped),
      tf.mean(tf.elu(clipped)),
    ]) as tf.Scalar;
  });
  value.dispose();
  Object.values(grads).forEach((g) => g.dispose());
  [x, w, wt, gamma, beta].forEach((v) => v.dispose());
}

function runAll(): void {
  const p2p = pix2pixStep({ size: 64, ngf: 2, ndf: 2, batch: 2 });
  const cyc = cycleganStep({ size: 32, ngf: 4, ndf: 4, blocks: 2 });
  for (const losses of [p2p.run(), cyc.run()]) {
    for (const [name, v] of Object.entries(losses)) expect(Number.isFinite(v), name).toBe(true);
  }
  p2p.dispose();
  cyc.dispose();
  tf.tidy(alternativeForms);
}

describe('wasm training kernels', () => {
  it('lists the kernels training uses and runs them all on wasm', async () => {
    await initBackend({ prefer: 'cpu' });
    const cpuTrace = startKernelTrace();
    runAll();
    cpuTrace.stop();
    const used = [...new Set(cpuTrace.records().map((r) => r.kernel))].sort();

    await initBackend({ prefer: 'wasm', threads: 1 });
    unregisterWasmTrainingKernels();
    const missingInPackage = used.filter((k) => !tf.getKernel(k, 'wasm'));
    registerWasmTrainingKernels();
    const stillMissing = used.filter((k) => !tf.getKernel(k, 'wasm'));

    const wasmTrace = startKernelTrace();
    runAll();
    wasmTrace.stop();

    console.log(`kernels used by the training steps (${used.length}): ${used.join(', ')}`);
    console.log(`missing in @tensorflow/tfjs-backend-wasm: ${missingInPackage.join(', ') || 'none'}`);
    console.log(`registered here: ${WASM_TRAINING_KERNELS.map((k) => `${k.config.kernelName} (${k.reason})`).join(', ')}`);
    console.log(`still missing: ${stillMissing.join(', ') || 'none'}`);
    console.log(`kernel calls on wasm, slowest first:\n${wasmTrace.format()}`);

    expect(stillMissing).toEqual([]);
    for (const r of wasmTrace.records()) expect(r.backend).toBe('wasm');
    const routes = wasmTrace.records().filter((r) => r.impl !== 'tfjs');
    expect(new Set(routes.map((r) => r.kernel))).toEqual(new Set(WASM_TRAINING_KERNELS.map((k) => k.config.kernelName)));
  });
});
