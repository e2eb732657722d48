/**
 * Live-preview latency in the real renderer, in Chromium against `atelier serve`: from an
 * input change (a mask dab with the mouse on a 256×256 photo) to its translated, composited
 * result decoded and handed to the canvas — debounce, request, engine (mask decode,
 * inference, composite, PNG encode) and the way back included, as the Translate workspace's
 * latency readout reports it.
 *
 * - preview_latency_256: the default preview model, pix2pix's generator as the reference
 *   builds it (unet_256, ngf 64, batch norm, dropout) in the reference's test mode;
 * - preview_latency_resnet9_256: CycleGAN's full-size resnet_9blocks (ngf 64, instance norm).
 *
 * Weights are freshly initialised (`init_weights`) and the photo is synthetic: timing does
 * not depend on either's values. Each run is a few dabs, one latency sample each; the peak
 * memory is the engine process's, where the work is done.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { saveModel } from '../engine/io/model-file';
import type { StateDict } from '../engine/io/tensor-data';
import { generatorSpec, initialValues, stateEntries, type GeneratorOptions } from '../engine/networks';
import { openStudioPage, startStudio, studioCpuMs } from './studio';
import type { BenchCase } from './types';

const SIZE = 256;
/** Input changes per timed run, each one latency sample. */
const DABS_PER_RUN = 4;
const BRUSH_PX = 24;

const unet256: GeneratorOptions = {
  netG: 'unet_256',
  inputNc: 3,
  outputNc: 3,
  ngf: 64,
  norm: 'batch',
  useDropout: true,
  initType: 'normal',
  initGain: 0.02,
};
const resnet9: GeneratorOptions = { ...unet256, netG: 'resnet_9blocks', norm: 'instance', useDropout: false };

/** A freshly initialised state dict in PyTorch layout (BatchNorm running statistics 0 / 1). */
function initialised(options: GeneratorOptions): StateDict {
  const entries = stateEntries(generatorSpec(options));
  const values = initialValues(entries, options.initType, options.initGain, 1);
  const sd: StateDict = new Map();
  for (const e of entries) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    if (e.kind === 'counter') sd.set(e.key, { dtype: 'int64', shape: [], data: BigInt64Array.of(0n) });
    else sd.set(e.key, { dtype: 'float32', shape: [...e.shape], data: values.get(e.key) ?? new Float32Array(n).fill(e.role === 'running_var' ? 1 : 0) });
  }
  return sd;
}

/** A 256×256 photo stand-in with structure at every scale (gradients and texture), as JPEG. */
async function writePhoto(path: string): Promise<void> {
  const raw = Buffer.alloc(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const o = (y * SIZE + x) * 3;
      raw[o] = x;
      raw[o + 1] = y;
      raw[o + 2] = ((x ^ y) * 7) & 255;
    }
  }
  await sharp(raw, { raw: { width: SIZE, height: SIZE, channels: 3 } }).jpeg({ quality: 90 }).toFile(path);
}

/**
 * `onnxruntime-cpu`, `tfjs-wasm`, … from the engine the readout names ("onnxruntime (CPU,
 * 2 threads …)", "tfjs (TF.js wasm)") and the engine's status, with its thread count.
 */
export function previewEngineLabel(engine: string, backend: { name: string; threads?: number; inference?: { providers: string[] } } | null): { backend: string; threads: number } {
  if (engine.startsWith('onnxruntime')) {
    const threads = Number(/(\d+) threads?/.exec(engine)?.[1] ?? 1);
    return { backend: `onnxruntime-${backend?.inference?.providers[0] ?? 'cpu'}`, threads };
  }
  const tfjs = /TF\.js (\w[\w-]*)/.exec(engine)?.[1] ?? backend?.name;
  if (!tfjs) throw new Error(`the latency readout names no engine (${JSON.stringify(engine)})`);
  return { backend: `tfjs-${tfjs}`, threads: backend?.threads ?? 1 };
}

interface PageState {
  seq: number;
  fullMs: number;
  engine: string;
}

function previewCase(name: string, options: GeneratorOptions, summary: string): BenchCase {
  return {
    name,
    summary,
    frames: true,
    async setup(ctx) {
      const studio = await startStudio(ctx.log);
      try {
        const dir = join(studio.scratch, 'project');
        await studio.call('project:create', { dir, name });
        await saveModel(join(dir, 'models', 'bench'), {
          name,
          kind: 'pix2pix',
          domains: { A: 'photo', B: 'painting' },
          origin: 'saved',
          generators: { AtoB: { options, stateDict: initialised(options) } },
        });
        const photo = join(studio.scratch, 'photo.jpg');
        await writePhoto(photo);

        const tab = await openStudioPage(studio.url, { width: 1400, height: 900 });
        const { browser, page, assertNoErrors } = tab;
        try {
          await page.getByRole('navigation', { name: 'Workspaces' }).getByText('Translate').click();
          await page.getByRole('combobox', { name: 'Model' }).filter({ hasText: name }).waitFor();
          const chooser = page.waitForEvent('filechooser');
          await page.getByRole('button', { name: 'Open photo…' }).click();
          await (await chooser).setFiles(photo);
          const source = page.getByRole('img', { name: 'Source' });
          // The first preview loads the weights and builds the inference session: not timed.
          await page.getByRole('img', { name: 'Result' }).and(page.locator('[data-result-quality="full"]')).waitFor();
          await page.getByLabel('Brush size in pixels').fill(String(BRUSH_PX));
          const box = await source.boundingBox();
          if (!box) throw new Error('the source pane is not on screen');
          ctx.log(`${name}: preview shown; ${DABS_PER_RUN} dabs per run`);

          // The result pane's sequence number and the latency readout, read in the page.
          const state = () =>
            page.evaluate((): PageState => {
              const result = document.querySelector('[role="img"][aria-label="Result"]');
              const readout = document.querySelector('[role="status"][aria-label="Preview latency"]');
              return {
                seq: Number(result?.getAttribute('data-result-seq') || -1),
                fullMs: Number(readout?.getAttribute('data-full-ms') || NaN),
                engine: readout?.getAttribute('title')?.replace(/^Inference: /, '') ?? '',
              };
            }, undefined);
          let dab = 0;
          let engine = '';
          const label = { backend: 'unknown', threads: 1 };

          return {
            get backend() {
              return label.backend;
            },
            get threads() {
              return label.threads;
            },
            async run() {
              const samples: number[] = [];
              for (let k = 0; k < DABS_PER_RUN; k++, dab++) {
                const before = (await state()).seq;
                // One dab: one change of the mask, one preview. Every dab is a new version of
                // the mask (the editor counts each write), so a preview follows even where
                // the positions come round again.
                const x = box.x + box.width * (0.3 + 0.04 * (dab % 10));
                const y = box.y + box.height * (0.35 + 0.03 * (dab % 7));
                await page.mouse.click(x, y);
                await page.waitForFunction(
                  (seq) => {
                    const result = document.querySelector('[role="img"][aria-label="Result"]');
                    const readout = document.querySelector('[role="status"][aria-label="Preview latency"]');
                    return Number(result?.getAttribute('data-result-seq') || -1) > seq && readout?.getAttribute('data-busy') === 'false';
                  },
                  before,
                  { polling: 'raf' },
                );
                const s = await state();
                if (!Number.isFinite(s.fullMs)) throw new Error(`dab ${dab}: the readout shows no full-resolution latency`);
                samples.push(s.fullMs);
                engine = s.engine;
              }
              assertNoErrors();
              if (label.backend === 'unknown') {
                const status = await studio.call('engine:status');
                Object.assign(label, previewEngineLabel(engine, status.backend));
                ctx.log(`${name}: inference on ${engine}`);
              }
              return samples;
            },
            peakRssMib: () => studio.enginePeakRssMib(),
            cpuMs: () => studioCpuMs(studio, tab),
            async dispose() {
              await browser.close();
              await studio.stop();
            },
          };
        } catch (err) {
          await browser.close();
          throw err;
        }
      } catch (err) {
        await studio.stop();
        throw err;
      }
    },
  };
}

export const previewCases: readonly BenchCase[] = [
  previewCase(
    'preview_latency_256',
    unet256,
    'Translate live preview in Chromium: mask dab to composited 256×256 result, unet_256 (batch norm, dropout, test mode)',
  ),
  previewCase(
    'preview_latency_resnet9_256',
    resnet9,
    'Translate live preview in Chromium: mask dab to composited 256×256 result, resnet_9blocks (ngf 64, instance norm)',
  ),
];
