/**
 * Probe: resident memory at each stage of generator inference on ONNX Runtime (PROBE_NET,
 * default unet_256), on the app's path: the weights held as a state_dict (as a loaded model
 * file holds them; no TF.js network), the session built from it with the weights as
 * in-memory external data. Run it as the engine runs, with glibc's mmap threshold fixed
 * (util/native-memory.ts), and without, to see the difference:
 *   MALLOC_MMAP_THRESHOLD_=131072 npx vitest run -c tests/bench/vitest.config.ts tests/bench/memory-probe.ts
 */
import { it } from 'vitest';
import { initBackend } from '../../src/main/engine/backends/select';
import { InferenceGenerator, initialStateDict } from '../../src/main/engine/infer';
import type { GeneratorOptions } from '../../src/main/engine/networks';
import { buildOnnxModelExternal } from '../../src/main/engine/onnx';
import { createSession, loadOnnxRuntime } from '../../src/main/engine/onnx/session';

const mib = (n: number) => (n / 2 ** 20).toFixed(0);
const report = (stage: string) => {
  const m = process.memoryUsage();
  console.log(`${stage}: rss ${mib(m.rss)} MiB (peak ${(process.resourceUsage().maxRSS / 1024).toFixed(0)}), external ${mib(m.external)}, arrayBuffers ${mib(m.arrayBuffers)}`);
};

it('reports', async () => {
  report('start');
  await initBackend({ log: () => {} });
  report('backend');
  const ort = await loadOnnxRuntime();
  report('ort loaded');
  const options: GeneratorOptions = {
    netG: (process.env.PROBE_NET ?? 'unet_256') as GeneratorOptions['netG'],
    inputNc: 3,
    outputNc: 3,
    ngf: 64,
    norm: 'batch',
    useDropout: false,
    initType: 'normal',
    initGain: 0.02,
  };
  const gen = new InferenceGenerator(options, initialStateDict(options, 0));
  report('state dict');
  const model = buildOnnxModelExternal(gen, { inputShape: { batch: 1 }, winograd: 4, weights: 'fed' });
  report(`onnx graph (${mib(model.model.byteLength)} MiB, ${model.externalData.length} external initializers)`);
  const s = await createSession(model);
  report('session');
  const feeds = { input: new ort.Tensor('float32', new Float32Array(3 * 256 * 256), [1, 3, 256, 256]) } as Record<string, InstanceType<typeof ort.Tensor>>;
  for (const f of model.fedWeights) feeds[f.name] = new ort.Tensor('float32', f.values(), f.dims);
  report('fed weights');
  await s.run(feeds);
  report('run 1');
  await s.run(feeds);
  report('run 2');
});
