import * as tf from '../../../src/main/engine/tf';

/** Mean milliseconds per call of `f` over `reps` calls after one untimed call; results are disposed. */
export function timeOp(f: () => tf.Tensor, reps: number): number {
  tf.dispose(f());
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) tf.dispose(f());
  return (performance.now() - t0) / reps;
}
