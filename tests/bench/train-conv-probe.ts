/**
 * Probe: the three convolution kernels of a training step (Conv2D, Conv2DBackpropInput,
 * Conv2DBackpropFilter) on the wasm backend, on layer shapes of unet_256, resnet_9blocks and
 * the PatchGAN, through the route the registered kernels take (ONNX Runtime, or XNNPACK with
 * ATELIER_WASM_CONV=xnnpack). Prints ms per call and GFLOP/s (2 flops per multiply-add).
 *   npx vitest run -c tests/bench/vitest.config.ts tests/bench/train-conv-probe.ts
 * PROBE_LAYER=<part of a name> times one layer; PROBE_REPS=<n> sets the calls timed (3);
 * PROBE_FORM=always|never forces the GEMM forms on or off (onnx-conv.ts setConvGemmForm);
 * PROBE_WINOGRAD=always|never the Winograd form of 3×3 stride-1 layers (setConvWinograd).
 * Run it with the engine's malloc settings (util/native-memory.ts nativeMemoryEnv), e.g.
 *   MALLOC_MMAP_THRESHOLD_=268435456 MALLOC_TRIM_THRESHOLD_=1099511627776 npx vitest run …
 */
import { it } from 'vitest';
import { initBackend } from '../../src/main/engine/backends/select';
import { startKernelTrace } from '../../src/main/engine/backends/kernel-trace';
import { setConvGemmForm, setConvWinograd } from '../../src/main/engine/backends/wasm-kernels/onnx-conv';
import * as tf from '../../src/main/engine/tf';
import { timeOp } from './helpers/time-op';

interface Layer {
  name: string;
  x: [number, number, number, number];
  k: number;
  co: number;
  stride: number;
  pad: number | 'valid';
}

const layers: Layer[] = [
  { name: 'unet down 128² 64→128', x: [1, 128, 128, 64], k: 4, co: 128, stride: 2, pad: 1 },
  { name: 'unet down 32² 256→512', x: [1, 32, 32, 256], k: 4, co: 512, stride: 2, pad: 1 },
  { name: 'unet outer 256² 3→64', x: [1, 256, 256, 3], k: 4, co: 64, stride: 2, pad: 1 },
  { name: 'resnet body 66² 256→256', x: [1, 66, 66, 256], k: 3, co: 256, stride: 1, pad: 'valid' },
  { name: 'resnet body 258² 256→256', x: [1, 258, 258, 256], k: 3, co: 256, stride: 1, pad: 'valid' },
  { name: '3×3 130² 128→128', x: [1, 130, 130, 128], k: 3, co: 128, stride: 1, pad: 'valid' },
  { name: '3×3 34² 512→512', x: [1, 34, 34, 512], k: 3, co: 512, stride: 1, pad: 'valid' },
  { name: '3×3 same 258² 64→64', x: [1, 256, 256, 64], k: 3, co: 64, stride: 1, pad: 1 },
  { name: 'resnet out 262² 64→3', x: [1, 262, 262, 64], k: 7, co: 3, stride: 1, pad: 'valid' },
  { name: 'patchgan 32² 256→512 s1', x: [1, 32, 32, 256], k: 4, co: 512, stride: 1, pad: 1 },
];

it('times each kernel on each layer', async () => {
  await initBackend({ prefer: 'wasm', threads: 1 });
  const form = process.env.PROBE_FORM as 'auto' | 'always' | 'never' | undefined;
  if (form) setConvGemmForm(form);
  const winograd = process.env.PROBE_WINOGRAD as 'auto' | 'always' | 'never' | undefined;
  if (winograd) setConvWinograd(winograd);
  const trace = startKernelTrace();
  for (const l of layers.filter((l) => !process.env.PROBE_LAYER || l.name.includes(process.env.PROBE_LAYER))) {
    const x = tf.randomUniform(l.x, -1, 1) as tf.Tensor4D;
    const w = tf.randomUniform([l.k, l.k, l.x[3], l.co], -0.1, 0.1) as tf.Tensor4D;
    const y = tf.conv2d(x, w, l.stride, l.pad);
    const dy = tf.randomUniform(y.shape, -1, 1) as tf.Tensor4D;
    const macs = y.size * l.k * l.k * l.x[3];
    const reps = Number(process.env.PROBE_REPS ?? 3);
    const fwd = timeOp(() => tf.conv2d(x, w, l.stride, l.pad), reps);
    const dx = timeOp(() => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, { strides: [l.stride, l.stride], pad: l.pad, dataFormat: 'NHWC', inputShape: l.x }) as tf.Tensor, reps);
    const dw = timeOp(() => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides: [l.stride, l.stride], pad: l.pad, dataFormat: 'NHWC', filterShape: w.shape }) as tf.Tensor, reps);
    const g = (ms: number) => ((2 * macs) / ms / 1e6).toFixed(0);
    console.log(
      `${l.name.padEnd(26)} ${(macs / 1e9).toFixed(2)} GMAC   fwd ${fwd.toFixed(1)} ms (${g(fwd)} GFLOP/s)   dx ${dx.toFixed(1)} ms (${g(dx)})   dw ${dw.toFixed(1)} ms (${g(dw)})`,
    );
    tf.dispose([x, w, y, dy]);
  }
  trace.stop();
  console.log(trace.records().filter((r) => r.kernel.startsWith('Conv2D')).map((r) => `${r.kernel} ${r.impl}`).join('\n'));
});
