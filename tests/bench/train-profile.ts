/**
 * Where a training iteration's time goes: one `optimizeParameters()` of the real pix2pix and
 * CycleGAN models (reference defaults, ngf = ndf = 64, 256×256, batch 1) on the fastest TF.js
 * backend, after one warm-up iteration, with every kernel call traced. Prints the kernels by
 * time (nested kernels are included in their callers' time and also listed on their own).
 *
 *   npx vitest run -c tests/bench/vitest.config.ts tests/bench/train-profile.ts
 *   PROFILE_MODELS=pix2pix npx vitest run -c tests/bench/vitest.config.ts tests/bench/train-profile.ts
 *
 * PROFILE_BY_SHAPE=1 lists each kernel once per set of input shapes (which layer the time is
 * in); PROFILE_TOP sets how many records are printed (default 40). Run it with the engine's
 * malloc settings (util/native-memory.ts), as `atelier bench` runs its cases:
 *   MALLOC_MMAP_THRESHOLD_=268435456 MALLOC_TRIM_THRESHOLD_=1099511627776 npx vitest run …
 */
import { expect, test } from 'vitest';
import { defaultsFor } from '../../src/shared/train-options';
import { startKernelTrace } from '../../src/main/engine/backends/kernel-trace';
import { initBackend } from '../../src/main/engine/backends/select';
import { createModel, type ModelOptions } from '../../src/main/engine/models';
import * as tf from '../../src/main/engine/tf';

const models = (process.env.PROFILE_MODELS ?? 'pix2pix,cycle_gan').split(',') as ModelOptions['model'][];
const byShape = process.env.PROFILE_BY_SHAPE === '1';
const top = Number(process.env.PROFILE_TOP ?? 40);

for (const model of models) {
  test(`${model}: one training iteration, kernel by kernel`, async () => {
    const backend = await initBackend();
    const options: ModelOptions = { ...defaultsFor(model), model, seed: 0 };
    const m = createModel(options);
    const A = tf.randomUniform([1, 256, 256, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    const B = tf.randomUniform([1, 256, 256, 3], -1, 1, 'float32', 2) as tf.Tensor4D;
    m.setInput({ A, B });
    tf.dispose([A, B]);
    m.optimizeParameters({ dropoutSeed: 1 });

    const trace = startKernelTrace(undefined, { byShape });
    const t0 = performance.now();
    try {
      m.optimizeParameters({ dropoutSeed: 2 });
    } finally {
      trace.stop();
    }
    const total = performance.now() - t0;

    const topMs = trace
      .records()
      .filter((r) => !r.parent)
      .reduce((n, r) => n + r.ms, 0);
    const lines = [`${model} on ${backend.name} (${backend.device}): iteration ${total.toFixed(0)} ms, ${topMs.toFixed(0)} ms in kernels`];
    for (const r of trace.records().slice(0, top)) {
      const share = r.parent ? '' : ` ${((100 * r.ms) / total).toFixed(1).padStart(5)} %`;
      const shapes = r.shapes ? `  ${r.shapes}` : '';
      lines.push(`  ${(r.kernel + (r.parent ? ` (in ${r.parent})` : '')).padEnd(52)} ${r.impl.padEnd(20)} ${String(r.calls).padStart(5)} calls ${r.ms.toFixed(0).padStart(7)} ms${share}${shapes}`);
    }
    console.log(lines.join('\n'));
    for (const v of Object.values(m.getCurrentLosses())) expect(Number.isFinite(v)).toBe(true);
    m.dispose();
  });
}
