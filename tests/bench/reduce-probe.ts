/**
 * Probe: Mean over H and W of NHWC maps (instance norm's statistics) on the wasm backend,
 * through the registered kernel (ONNX Runtime for large maps) and the package's.
 *   npx vitest run -c tests/bench/vitest.config.ts tests/bench/reduce-probe.ts
 */
import { it } from 'vitest';
import { initBackend } from '../../src/main/engine/backends/select';
import { setOnnxKernelsEnabled } from '../../src/main/engine/backends/wasm-kernels/onnx-session';
import * as tf from '../../src/main/engine/tf';
import { timeOp } from './helpers/time-op';

const shapes: [number, number, number, number][] = [
  [1, 64, 64, 256],
  [1, 256, 256, 64],
];

it('times Mean over H and W', async () => {
  await initBackend({ prefer: 'wasm', threads: 1 });
  for (const shape of shapes) {
    const x = tf.randomUniform(shape, -1, 1);
    const line: string[] = [];
    for (const on of [true, false]) {
      setOnnxKernelsEnabled(on);
      line.push(`${on ? 'onnxruntime' : 'wasm'} ${timeOp(() => tf.mean(x, [1, 2], true), 20).toFixed(2)} ms`);
    }
    setOnnxKernelsEnabled(true);
    console.log(`[${shape}]  ${line.join('   ')}`);
    x.dispose();
  }
});
