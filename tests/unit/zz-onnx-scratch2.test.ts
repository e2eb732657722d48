import { join } from 'node:path';
import { test } from 'vitest';
import { readNpy } from '../../src/main/engine/io/npy';
import { readPth } from '../../src/main/engine/io/pth';
import { generatorSpec } from '../../src/main/engine/networks';
import { buildOnnxModel, createSession, loadOnnxRuntime } from '../../src/main/engine/onnx';
test('err', async () => {
  const ort = await loadOnnxRuntime();
  const dir = '/work/shared/fixtures/torch-ref/G_resnet9_in';
  const sd = await readPth(join(dir, 'weights.pth'));
  const spec = generatorSpec({ netG: 'resnet_9blocks', inputNc: 3, outputNc: 3, ngf: 8, norm: 'instance', useDropout: false, initType: 'normal', initGain: 0.02 });
  const input = await readNpy(join(dir, 'input.npy'));
  const ref = (await readNpy(join(dir, 'output_eval.npy'))).data as Float32Array;
  for (const winograd of [false, true]) {
    const s = await createSession(buildOnnxModel({ spec, stateDict: sd }, { inputShape: { batch: 1 }, winograd }));
    const y = (await s.run({ input: new ort.Tensor('float32', input.data as Float32Array, input.shape) })).output!.data as Float32Array;
    let d = 0; for (let i = 0; i < y.length; i++) d = Math.max(d, Math.abs(y[i]! - ref[i]!));
    console.log('ERR winograd', winograd, d);
  }
});
