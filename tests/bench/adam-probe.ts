/**
 * Probe: one Adam step over pix2pix's generator (unet_256, 54.4 M parameters) on the fastest
 * TF.js backend, with random gradients; ms per step after one untimed step.
 *   MALLOC_MMAP_THRESHOLD_=268435456 MALLOC_TRIM_THRESHOLD_=1099511627776 npx vitest run -c tests/bench/vitest.config.ts tests/bench/adam-probe.ts
 */
import { it } from 'vitest';
import { defaultsFor } from '../../src/shared/train-options';
import { initBackend } from '../../src/main/engine/backends/select';
import { createModel, type ModelOptions } from '../../src/main/engine/models';
import * as tf from '../../src/main/engine/tf';

it('times Adam over unet_256', async () => {
  const backend = await initBackend();
  const options: ModelOptions = { ...defaultsFor('pix2pix'), model: 'pix2pix', seed: 0 };
  const m = createModel(options) as unknown as { optimizers: ReadonlyMap<string, { params: ReadonlyMap<string, tf.Variable>; step(g: ReadonlyMap<string, tf.Tensor>): void }> };
  const opt = m.optimizers.get('G')!;
  const grads = new Map([...opt.params].map(([k, v]) => [k, tf.randomUniform(v.shape, -1e-3, 1e-3)]));
  const count = [...opt.params.values()].reduce((n, v) => n + v.size, 0);
  opt.step(grads);
  const reps = Number(process.env.PROBE_REPS ?? 5);
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) opt.step(grads);
  const ms = (performance.now() - t0) / reps;
  console.log(`Adam over ${(count / 1e6).toFixed(1)} M parameters on ${backend.name}: ${ms.toFixed(0)} ms a step (${((ms * 1e6) / count).toFixed(2)} ns a parameter)`);
});
