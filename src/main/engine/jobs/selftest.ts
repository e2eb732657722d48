import { selftestParamsSchema } from '../../../shared/api/engine';
import * as tf from '../tf';
import { defineJob, yieldToEventLoop } from './index';

/**
 * The demo job that proves the engine boundary end to end: a small tensor computation on
 * the engine's backend, with progress, cancellation and a result the caller can check.
 * Power iteration on a fixed symmetric matrix A[i][j] = cos(i + j) / n + (i === j ? 1 : 0)
 * estimates its dominant eigenvalue; `eigenvalue` is the Rayleigh quotient xᵀAx of the
 * final unit vector x.
 */
export const selftestJob = defineJob({
  kind: 'selftest',
  params: selftestParamsSchema.default({}),
  async run(params, { signal, progress, backend }) {
    const size = params.size ?? 64;
    const steps = params.steps ?? 20;
    const stepDelayMs = params.stepDelayMs ?? 0;
    const started = performance.now();

    const a = tf.tidy(() => {
      const i = tf.reshape(tf.range(0, size), [size, 1]);
      const j = tf.reshape(tf.range(0, size), [1, size]);
      return tf.add(tf.div(tf.cos(tf.add(i, j)), size), tf.eye(size)) as tf.Tensor2D;
    });
    let x = tf.div(tf.ones([size, 1]), Math.sqrt(size)) as tf.Tensor2D;
    try {
      for (let step = 0; step < steps; step++) {
        signal.throwIfAborted();
        const next = tf.tidy(() => {
          const ax = tf.matMul(a, x);
          return tf.div(ax, tf.norm(ax)) as tf.Tensor2D;
        });
        x.dispose();
        x = next;
        progress(step + 1, steps, `step ${step + 1}/${steps}`);
        if (stepDelayMs > 0) await sleep(stepDelayMs, signal);
        else await yieldToEventLoop();
      }
      signal.throwIfAborted();
      const rayleigh = tf.tidy(() => tf.matMul(tf.matMul(x, a, true, false), x));
      const [eigenvalue] = await rayleigh.data();
      rayleigh.dispose();
      return { backend: backend.name, size, steps, eigenvalue, ms: performance.now() - started };
    } finally {
      a.dispose();
      x.dispose();
    }
  },
});

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
