/**
 * Live-preview latency in the real renderer: from an input change (a mask dab with the
 * mouse on a 256×256 photo) to its translated, composited result decoded and handed to the
 * canvas — debounce, request, engine (mask decode, inference, composite, PNG encode) and
 * the way back included.
 *
 * - preview_latency_256: the default preview model, pix2pix's generator as the reference
 *   builds it (unet_256, ngf 64, batch norm, dropout) in the reference's test mode;
 * - preview_latency_resnet9_256: CycleGAN's full-size resnet_9blocks (ngf 64, instance norm).
 *
 * Weights are freshly initialised (`init_weights`): timing does not depend on their values.
 * One JSON line per case on stdout, also appended to bench-results/translate.jsonl;
 * peak_rss_mib is the engine process's (where the work is done).
 */
import { appendFile, mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { saveModel } from '../../src/main/engine/io/model-file';
import type { StateDict } from '../../src/main/engine/io/tensor-data';
import { resnetSpec, unetSpec } from '../../src/main/engine/networks/generators';
import { initialValues } from '../../src/main/engine/networks/init';
import type { GeneratorOptions } from '../../src/main/engine/networks/options';
import { stateEntries, type NetworkSpec } from '../../src/main/engine/networks/spec';
import { expect, test } from '../e2e/fixtures';
import type { StudioServer } from '../e2e/studio';
import { callApi } from '../e2e/ws-client';
import { repoRoot, sharedData } from '../helpers/paths';

const SAMPLES = 12;

interface Case {
  name: string;
  options: GeneratorOptions;
  spec: NetworkSpec;
}

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

const CASES: Case[] = [
  { name: 'preview_latency_256', options: unet256, spec: unetSpec({ ...unet256, numDowns: 8 }) },
  { name: 'preview_latency_resnet9_256', options: resnet9, spec: resnetSpec({ ...resnet9, nBlocks: 9 }) },
];

/** A freshly initialised state dict in PyTorch layout (BatchNorm running stats 0 / 1). */
function initialised(spec: NetworkSpec, options: GeneratorOptions): StateDict {
  const entries = stateEntries(spec);
  const values = initialValues(entries, options.initType, options.initGain, 1);
  const sd: StateDict = new Map();
  for (const e of entries) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    if (e.kind === 'counter') sd.set(e.key, { dtype: 'int64', shape: [], data: BigInt64Array.of(0n) });
    else sd.set(e.key, { dtype: 'float32', shape: [...e.shape], data: values.get(e.key) ?? new Float32Array(n).fill(e.role === 'running_var' ? 1 : 0) });
  }
  return sd;
}

function stats(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => {
    const pos = (s.length - 1) * q;
    const lo = Math.floor(pos);
    return s[lo]! + (s[Math.ceil(pos)]! - s[lo]!) * (pos - lo);
  };
  const r = (v: number) => Math.round(v * 10) / 10;
  return { median_ms: r(at(0.5)), min_ms: r(s[0]!), max_ms: r(s[s.length - 1]!) };
}

/** The engine process: the server's child running out/main/engine.js. */
async function enginePeakRssMiB(studio: StudioServer): Promise<number> {
  const pid = studio.process.pid!;
  for (const task of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
    const children = (await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '')).trim().split(/\s+/).filter(Boolean);
    for (const child of children) {
      const cmd = await readFile(`/proc/${child}/cmdline`, 'utf8').catch(() => '');
      if (!cmd.includes('engine')) continue;
      const status = await readFile(`/proc/${child}/status`, 'utf8');
      return Math.round((Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024) * 10) / 10;
    }
  }
  throw new Error(`no engine process found under the server (pid ${pid})`);
}

for (const c of CASES) {
  test(c.name, async ({ page, studio, scratch }) => {
    const dir = join(scratch.projects, c.name);
    await callApi(studio, 'project:create', { dir, name: c.name });
    await saveModel(join(dir, 'models', 'bench'), {
      name: c.name,
      kind: 'pix2pix',
      domains: { A: 'photo', B: 'painting' },
      origin: 'saved',
      generators: { AtoB: { options: c.options, stateDict: initialised(c.spec, c.options) } },
    });
    await page.goto(studio.url);
    await page.getByRole('navigation', { name: 'Workspaces' }).getByText('Translate').click();
    await expect(page.getByRole('combobox', { name: 'Model' })).toContainText(c.name);
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Open photo…' }).click();
    await (await chooser).setFiles(sharedData('horse2zebra', 'trainA', 'n02381460_1084.jpg'));
    const source = page.getByRole('img', { name: 'Source' });
    const result = page.getByRole('img', { name: 'Result' });
    const readout = page.getByRole('status', { name: 'Preview latency' });
    // The first preview loads the weights and builds the inference session: not timed.
    await expect(result).toHaveAttribute('data-result-quality', 'full');
    await page.getByLabel('Brush size in pixels').fill('24');
    const box = (await source.boundingBox())!;

    const samples: number[] = [];
    for (let i = -1; i < SAMPLES; i++) {
      const before = Number(await result.getAttribute('data-result-seq'));
      // One dab: one change of the mask, one preview.
      const x = box.x + box.width * (0.3 + 0.04 * ((i + 1) % 10));
      const y = box.y + box.height * (0.35 + 0.03 * ((i + 1) % 7));
      await page.mouse.click(x, y);
      await expect.poll(async () => Number(await result.getAttribute('data-result-seq'))).toBeGreaterThan(before);
      await expect(readout).toHaveAttribute('data-busy', 'false');
      const ms = Number(await readout.getAttribute('data-full-ms'));
      if (i >= 0) samples.push(ms); // the first dab warms the masked path up
    }
    const engine = (await readout.getAttribute('title')) ?? '';
    const threads = Number(/(\d+) threads?/.exec(engine)?.[1] ?? 1);
    const line = {
      case: c.name,
      backend: /onnxruntime/.test(engine) ? 'onnxruntime-cpu' : (/TF\.js (\w+)/.exec(engine)?.[1] ? `tfjs-${/TF\.js (\w+)/.exec(engine)![1]}` : engine),
      threads,
      ...stats(samples),
      peak_rss_mib: await enginePeakRssMiB(studio),
      runs: samples.length,
    };
    const text = JSON.stringify(line);
    console.log(text);
    await mkdir(join(repoRoot, 'bench-results'), { recursive: true });
    await appendFile(join(repoRoot, 'bench-results', 'translate.jsonl'), `${text}\n`);
  });
}
