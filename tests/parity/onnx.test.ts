/**
 * ONNX graphs against the PyTorch reference, data-driven over the same fixture folders as
 * the network parity suite (every `G_*` / `D_*` case with `weights.pth` and `input.npy`).
 * The graph is built from the spec and the state_dict as the reference saved it (and once
 * from a TF.js `Network` holding those weights), run on ONNX Runtime's CPU provider, and
 * compared in NCHW with the reference's outputs.
 *
 * Tolerances (fixtures README): max |y − y_ref| ≤ min(1e-4, 1e-3 · max |y_ref|), which is
 * 1e-4 for the O(1) outputs and relative for the small eval-mode BatchNorm outputs.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readNpy } from '../../src/main/engine/io/npy';
import { readPth } from '../../src/main/engine/io/pth';
import type { StateDict, TensorData } from '../../src/main/engine/io/tensor-data';
import {
  Network,
  discriminatorSpec,
  generatorSpec,
  walkLayers,
  type NetworkOptions,
  type NetworkSpec,
} from '../../src/main/engine/networks';
import { buildOnnxModel, createSession, loadOnnxRuntime, type OnnxBuildOptions, type OnnxSource } from '../../src/main/engine/onnx';
import * as tf from '../../src/main/engine/tf';
import { torchFixturesDir } from '../helpers/paths';
import { networkCaseNames, optionsFromBuiltWith, readCaseMeta } from '../helpers/torch-fixtures';

const tolerance = (maxRef: number) => Math.min(1e-4, 1e-3 * maxRef);

function specFor(o: NetworkOptions): NetworkSpec {
  return 'netG' in o ? generatorSpec(o) : discriminatorSpec(o);
}

/** Runs the graph on the CPU provider with the NCHW input; returns the output NCHW. */
async function runOnnx(source: OnnxSource, options: OnnxBuildOptions, input: TensorData): Promise<{ data: Float32Array; dims: number[] }> {
  const ort = await loadOnnxRuntime();
  const session: InferenceSession = await createSession(buildOnnxModel(source, options), { providers: ['cpu'] });
  try {
    const out = await session.run({ input: new ort.Tensor('float32', input.data as Float32Array, input.shape) });
    return { data: out.output!.data as Float32Array, dims: [...out.output!.dims] };
  } finally {
    await session.release();
  }
}

function compare(y: { data: Float32Array; dims: number[] }, ref: TensorData): { maxDiff: number; maxRef: number } {
  expect(y.dims).toEqual(ref.shape);
  const r = ref.data as Float32Array;
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < r.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(y.data[i]! - r[i]!));
    maxRef = Math.max(maxRef, Math.abs(r[i]!));
  }
  return { maxDiff, maxRef };
}

const cases = networkCaseNames();

test('the fixtures hold network cases', () => {
  expect(existsSync(torchFixturesDir), `torch fixtures not found at ${torchFixturesDir} (set ATELIER_TORCH_FIXTURES or ATELIER_SHARED)`).toBe(true);
  expect(cases.length).toBeGreaterThan(0);
});

for (const name of cases) {
  describe(name, () => {
    const dir = join(torchFixturesDir, name);
    let spec: NetworkSpec;
    let options: NetworkOptions;
    let sd: StateDict;
    let input: TensorData;

    beforeAll(async () => {
      for (const f of ['weights.pth', 'input.npy', 'meta.json', 'output_eval.npy']) {
        if (!existsSync(join(dir, f))) throw new Error(`${name}: network case without ${f}`);
      }
      options = optionsFromBuiltWith(name, readCaseMeta(dir).built_with);
      spec = specFor(options);
      sd = await readPth(join(dir, 'weights.pth'));
      input = await readNpy(join(dir, 'input.npy'));
    });

    test('eval-mode graph (from the state_dict, dynamic batch and size) equals output_eval.npy', async () => {
      const ref = await readNpy(join(dir, 'output_eval.npy'));
      const { maxDiff, maxRef } = compare(await runOnnx({ spec, stateDict: sd }, { training: false }, input), ref);
      expect(maxDiff, `max |y − y_ref| (max |y_ref| ${maxRef})`).toBeLessThanOrEqual(tolerance(maxRef));
    });

    test('eval-mode graph built from a TF.js Network with these weights equals output_eval.npy', async () => {
      await tf.setBackend('cpu');
      const net = new Network(spec, options);
      try {
        net.loadStateDict(sd);
        const ref = await readNpy(join(dir, 'output_eval.npy'));
        const { maxDiff, maxRef } = compare(await runOnnx(net, { training: false, inputShape: { batch: 1 } }, input), ref);
        expect(maxDiff, `max |y − y_ref| (max |y_ref| ${maxRef})`).toBeLessThanOrEqual(tolerance(maxRef));
      } finally {
        net.dispose();
      }
    });

    for (const winograd of [2, 4] as const) {
      test(`with Winograd F(${winograd}×${winograd}, 3×3) convolutions it still equals output_eval.npy`, async () => {
        const ref = await readNpy(join(dir, 'output_eval.npy'));
        const { maxDiff, maxRef } = compare(await runOnnx({ spec, stateDict: sd }, { inputShape: { batch: 1 }, winograd }, input), ref);
        expect(maxDiff, `max |y − y_ref| (max |y_ref| ${maxRef})`).toBeLessThanOrEqual(tolerance(maxRef));
      });
    }

    // Train-mode BatchNorm has two graphs: a fused one for a batch of one, a general one.
    for (const batch of [1, undefined]) {
      test(`train-mode graph (batch ${batch ?? 'dynamic'}) equals output_train.npy (or, without BatchNorm, output_eval.npy)`, async () => {
        const hasBatchNorm = [...walkLayers(spec.layers)].some((l) => l.kind === 'batchNorm');
        const trainFile = join(dir, 'output_train.npy');
        if (hasBatchNorm && !existsSync(trainFile)) throw new Error(`${name}: BatchNorm network without output_train.npy`);
        const ref = await readNpy(existsSync(trainFile) ? trainFile : join(dir, 'output_eval.npy'));
        const y = await runOnnx({ spec, stateDict: sd }, { training: true, inputShape: batch ? { batch } : {} }, input);
        const { maxDiff, maxRef } = compare(y, ref);
        expect(maxDiff, `max |y − y_ref| (max |y_ref| ${maxRef})`).toBeLessThanOrEqual(tolerance(maxRef));
      });
    }
  });
}

afterAll(() => tf.disposeVariables());
