/**
 * Network parity with the PyTorch reference, data-driven over the fixture folders: every
 * folder with a `weights.pth` and an `input.npy` is a network case (`G_*`, `D_*`); its
 * `meta.json` says how the reference built it. Folders without those two files (the
 * training-step cases) belong to the training suite.
 *
 * Tolerances (fixtures README, "Tolerances"): max |y − y_ref| ≤ 1e-4 for O(1) outputs and
 * ≤ 1e-3 · max |y_ref| for the small eval-mode BatchNorm outputs; both are enforced at once
 * as min(1e-4, 1e-3 · max |y_ref|).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readNpy } from '../../src/main/engine/io/npy';
import { readPth } from '../../src/main/engine/io/pth';
import type { StateDict, TensorData } from '../../src/main/engine/io/tensor-data';
import {
  Network,
  discriminatorSpec,
  generatorSpec,
  inferArchitecture,
  walkLayers,
  type NetworkOptions,
} from '../../src/main/engine/networks';
import * as tf from '../../src/main/engine/tf';
import { torchFixturesDir } from '../helpers/paths';
import { optionsFromBuiltWith } from '../helpers/torch-fixtures';
import { parityBackends, useBackend } from '../helpers/backend';

interface CaseMeta {
  built_with: Record<string, unknown>;
  parameter_count: number;
  state_dict: { key: string; shape: number[]; dtype: string }[];
  files: Record<string, { file: string; shape: number[] }>;
}

function specFor(o: NetworkOptions) {
  return 'netG' in o ? generatorSpec(o) : discriminatorSpec(o);
}

function nchwToNhwc(t: TensorData): tf.Tensor4D {
  if (t.dtype !== 'float32' || t.shape.length !== 4) throw new Error(`expected a float32 NCHW array, got ${t.dtype} [${t.shape.join(', ')}]`);
  return tf.tidy(() => tf.transpose(tf.tensor4d(t.data as Float32Array, t.shape as [number, number, number, number]), [0, 2, 3, 1]));
}

/** max |y − ref| with y NHWC and ref NCHW; also max |ref|. */
function compare(y: tf.Tensor4D, ref: TensorData): { maxDiff: number; maxRef: number } {
  expect([y.shape[0], y.shape[3], y.shape[1], y.shape[2]]).toEqual(ref.shape);
  const yNchw = tf.tidy(() => tf.transpose(y, [0, 3, 1, 2]).dataSync() as Float32Array);
  const r = ref.data as Float32Array;
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < r.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(yNchw[i] - r[i]));
    maxRef = Math.max(maxRef, Math.abs(r[i]));
  }
  return { maxDiff, maxRef };
}

const tolerance = (maxRef: number) => Math.min(1e-4, 1e-3 * maxRef);

function expectSameStateDict(actual: StateDict, expected: StateDict): void {
  expect([...actual.keys()]).toEqual([...expected.keys()]);
  for (const [key, t] of expected) {
    const a = actual.get(key)!;
    expect({ key, dtype: a.dtype, shape: a.shape }).toEqual({ key, dtype: t.dtype, shape: t.shape });
    expect(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))).toBe(true);
  }
}

const root = torchFixturesDir;
const folders = existsSync(root) ? readdirSync(root).filter((d) => statSync(join(root, d)).isDirectory()).sort() : [];
const networkCases = folders.filter((d) => existsSync(join(root, d, 'weights.pth')) || existsSync(join(root, d, 'input.npy')));

test('the fixtures hold network cases', () => {
  expect(existsSync(root), `torch fixtures not found at ${root} (set ATELIER_TORCH_FIXTURES or ATELIER_SHARED)`).toBe(true);
  expect(networkCases.length, `no folder under ${root} has weights.pth and input.npy`).toBeGreaterThan(0);
});

for (const backend of parityBackends) {
for (const name of networkCases) {
  describe(`${name} on ${backend}`, () => {
    const dir = join(root, name);
    let meta: CaseMeta;
    let options: NetworkOptions;
    let sd: StateDict;
    let input: tf.Tensor4D;
    let net: Network;

    beforeAll(async () => {
      await useBackend(backend);
      for (const f of ['weights.pth', 'input.npy', 'meta.json', 'output_eval.npy']) {
        if (!existsSync(join(dir, f))) throw new Error(`${name}: network case without ${f}`);
      }
      meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as CaseMeta;
      options = optionsFromBuiltWith(name, meta.built_with);
      sd = await readPth(join(dir, 'weights.pth'));
      input = nchwToNhwc(await readNpy(join(dir, 'input.npy')));
      net = new Network(specFor(options), options);
      net.loadStateDict(sd);
    });

    afterAll(() => {
      net?.dispose();
      input?.dispose();
    });

    test('keys, shapes and parameter count equal the reference', () => {
      const entries = [...net.stateDict()].map(([key, t]) => ({ key, shape: t.shape, dtype: t.dtype }));
      expect(entries).toEqual(meta.state_dict.map((e) => ({ key: e.key, shape: e.shape, dtype: e.dtype })));
      expect(net.paramCount()).toBe(meta.parameter_count);
    });

    test('stateDict() returns the loaded weights bit for bit', () => {
      expectSameStateDict(net.stateDict(), sd);
    });

    test('the architecture is recognised from the weights alone', () => {
      const got = inferArchitecture(sd);
      const expected: Record<string, unknown> = { ...options };
      // What a state_dict cannot tell: U-Net dropout (no weights), a pixel D's unused depth.
      if (got.role === 'generator' && !got.dropoutInferred) expected.useDropout = got.options.useDropout;
      if (got.role === 'discriminator' && got.options.netD === 'pixel') expected.nLayersD = got.options.nLayersD;
      expect(got.options).toEqual(expected);
    });

    test('eval-mode output equals output_eval.npy', async () => {
      const ref = await readNpy(join(dir, 'output_eval.npy'));
      const y = net.apply(input, { training: false, dropout: false });
      const { maxDiff, maxRef } = compare(y, ref);
      y.dispose();
      expect(maxDiff, `max |y − y_ref| (max |y_ref| ${maxRef})`).toBeLessThanOrEqual(tolerance(maxRef));
    });

    // Legacy (pre-1.6) serialisations of the same weights, where the case has them.
    const legacy = existsSync(dir) ? readdirSync(dir).filter((f) => /^weights_legacy.*\.pth$/.test(f)).sort() : [];
    for (const file of legacy) {
      test(`${file} loads to the same weights and output`, async () => {
        const other = new Network(specFor(options), options);
        const report = other.loadStateDict(await readPth(join(dir, file)));
        if (file.includes('instancenorm')) expect(report.dropped.length, `${file}: no InstanceNorm entries dropped`).toBeGreaterThan(0);
        expectSameStateDict(other.stateDict(), sd);
        const ref = await readNpy(join(dir, 'output_eval.npy'));
        const y = other.apply(input, { training: false, dropout: false });
        const { maxDiff, maxRef } = compare(y, ref);
        y.dispose();
        other.dispose();
        expect(maxDiff, `${file}: max |y − y_ref|`).toBeLessThanOrEqual(tolerance(maxRef));
      });
    }

    test('train-mode output equals output_train.npy (or, without BatchNorm, output_eval.npy)', async () => {
      const hasBatchNorm = [...walkLayers(net.spec.layers)].some((l) => l.kind === 'batchNorm');
      const trainFile = join(dir, 'output_train.npy');
      if (hasBatchNorm && !existsSync(trainFile)) throw new Error(`${name}: BatchNorm network without output_train.npy`);
      // Without BatchNorm the reference's train and eval outputs are identical (README).
      const ref = await readNpy(existsSync(trainFile) ? trainFile : join(dir, 'output_eval.npy'));
      const counters = new Map(net.numBatchesTracked);
      const y = net.apply(input, { training: true, dropout: false });
      const { maxDiff, maxRef } = compare(y, ref);
      y.dispose();
      expect(maxDiff, `max |y − y_ref| (max |y_ref| ${maxRef})`).toBeLessThanOrEqual(tolerance(maxRef));
      // A train-mode forward counts one more batch in every BatchNorm layer.
      for (const [key, n] of counters) expect(net.numBatchesTracked.get(key), key).toBe(n + 1);
    });
  });
}
}
