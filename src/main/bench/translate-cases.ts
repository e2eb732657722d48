/**
 * Translate cases: a full-resolution export as the Translate workspace and `atelier
 * translate` run it — decode the photo, tiled inference at full size with resnet_9blocks
 * (ngf 64, instance norm: CycleGAN's generator), composite over the photo with a feathered
 * mask, encode PNG, write atomically.
 *
 * (The live-preview latencies are measured in the real renderer, in Chromium:
 * ./preview-cases.ts.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { initBackend } from '../engine/backends/select';
import { saveModel } from '../engine/io/model-file';
import { initialStateDict } from '../engine/infer';
import { encodeMask, generatorCache, runExport } from '../engine/jobs/translate';
import type { GeneratorOptions } from '../engine/networks';
import { probeOnnxRuntime } from '../engine/onnx';
import * as tf from '../engine/tf';
import type { BenchCase } from './types';

const WIDTH = 4000;
const HEIGHT = 3000;
const TILE = 1024;

const resnet9: GeneratorOptions = {
  netG: 'resnet_9blocks',
  inputNc: 3,
  outputNc: 3,
  ngf: 64,
  norm: 'instance',
  useDropout: false,
  initType: 'normal',
  initGain: 0.02,
};

/** A 4000×3000 photo stand-in with structure at every scale (gradients and texture), as JPEG. */
async function writePhoto(path: string): Promise<void> {
  const raw = Buffer.alloc(WIDTH * HEIGHT * 3);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const o = (y * WIDTH + x) * 3;
      raw[o] = (x * 255) / WIDTH;
      raw[o + 1] = (y * 255) / HEIGHT;
      raw[o + 2] = ((x ^ y) * 7) & 255;
    }
  }
  await sharp(raw, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).jpeg({ quality: 90 }).toFile(path);
}

/** The centre third of the photo, as a mask of the photo's size. */
function centreMask() {
  const coverage = new Uint8Array(WIDTH * HEIGHT);
  for (let y = HEIGHT / 3; y < (2 * HEIGHT) / 3; y++) coverage.fill(255, y * WIDTH + WIDTH / 3, y * WIDTH + (2 * WIDTH) / 3);
  return encodeMask(coverage, WIDTH, HEIGHT);
}

const exportCase: BenchCase = {
  name: 'export_4000x3000',
  summary: `export: 4000×3000 photo, resnet_9blocks (ngf 64, instance norm) in ${TILE}px tiles, feathered mask, PNG written`,
  async setup(ctx) {
    const backend = await initBackend({ log: (line) => ctx.log(line) });
    const dir = await mkdtemp(join(tmpdir(), 'atelier-bench-export-'));
    const photo = join(dir, 'photo.jpg');
    await writePhoto(photo);
    // The weights `defineG` draws, saved without building a TF.js network: the case loads the
    // model file as the app does, so no TF.js copy of the weights is counted.
    const modelDir = join(dir, 'model');
    await saveModel(modelDir, {
      name: 'bench resnet_9blocks',
      kind: 'cycle_gan',
      domains: { A: 'A', B: 'B' },
      origin: 'saved',
      generators: { AtoB: { options: resnet9, stateDict: initialStateDict(resnet9, 0) } },
    });
    const mask = centreMask();
    const signal = new AbortController().signal;
    // Named after the engine that actually ran (known from the warm-up run on).
    const label = { backend: `tfjs-${tf.getBackend()}`, threads: backend.threads ?? 1 };
    return {
      get backend() {
        return label.backend;
      },
      get threads() {
        return label.threads;
      },
      async run(i) {
        await runExport(
          {
            model: { type: 'model', dir: modelDir },
            direction: 'AtoB',
            source: { path: photo },
            blend: { mask, feather: 32, strength: 1 },
            eval: false,
            output: join(dir, `out-${i}.png`),
            format: 'png',
            quality: 92,
            overwrite: true,
            tile: TILE,
          },
          { signal, progress: (done, total, message) => done === 1 && ctx.log(`export_4000x3000: run ${i}: ${total - 1} tiles, ${message ?? ''}`) },
        ).then(async (r) => {
          ctx.log(`export_4000x3000: run ${i}: ${r.engine}, ${(r.ms / 1000).toFixed(1)} s`);
          if (r.engine.startsWith('onnxruntime')) {
            const ort = await probeOnnxRuntime();
            label.backend = `onnxruntime-${ort.providers[0]}`;
            label.threads = ort.threads;
          }
        });
      },
      async dispose() {
        generatorCache.clear();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
};

export const translateCases: readonly BenchCase[] = [exportCase];
