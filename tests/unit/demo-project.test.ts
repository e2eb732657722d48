/**
 * The shipped demo project (resources/demo), as the studio will open it: a valid project
 * whose tours point at things that exist — a labelled item, a photo, models the engine
 * loads, training options the trainer accepts; runs with their curves and previews; under
 * the size budget; and none of its files taken from third-party data (shared/data).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DIR, DEMO_MAX_BYTES, DEMO_MODELS, FACADES, LANDSCAPES } from '../../scripts/demo/config';
import { demoFootprint } from '../../scripts/demo/check';
import { readModelGenerator, readModelManifest, MODEL_DIRECTIONS } from '../../src/main/engine/io/model-file';
import { resnetSpec, unetSpec } from '../../src/main/engine/networks/generators';
import { parseGeneratorName } from '../../src/main/engine/networks/options';
import { stateEntries } from '../../src/main/engine/networks/spec';
import { datasetSchema } from '../../src/shared/api/dataset';
import { demoTours, type DemoTours } from '../../src/shared/api/demo';
import type { ProjectManifest } from '../../src/shared/api/projects';
import { readManifest } from '../../src/main/services/project-manifest';
import { readMetrics, readPreviews, readRunOptions, readStatus, RUN_FILES } from '../../src/main/services/run-files';
import { validateTrainOptions } from '../../src/main/services/train-validate';
import { dataDir } from '../helpers/paths';

let manifest: ProjectManifest;
let tours: DemoTours;

beforeAll(async () => {
  manifest = await readManifest(DEMO_DIR);
  const t = demoTours(manifest);
  if (!t) throw new Error(`${DEMO_DIR}/atelier.json has no valid "demo" entry`);
  tours = t;
});

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await files(p)));
    else out.push(p);
  }
  return out;
}

describe('the demo project', () => {
  it('is a project with a labelled paired dataset of facades, every file in place', async () => {
    expect(manifest.name).toBe('Atelier demo');
    const dataset = datasetSchema.parse(JSON.parse(await readFile(join(DEMO_DIR, 'dataset', 'dataset.json'), 'utf8')));
    expect(dataset.kind).toBe('paired');
    expect(dataset.paletteId).toBe('facades');
    expect(dataset.items).toHaveLength(FACADES.train + FACADES.val);
    expect(dataset.items.filter((i) => i.split === 'val')).toHaveLength(FACADES.val);
    for (const item of dataset.items) {
      expect(item.state).toBe('labelled');
      for (const rel of [item.file, item.thumb, item.label!.color, item.label!.ids]) {
        expect(existsSync(join(DEMO_DIR, rel)), `${item.name}: ${rel}`).toBe(true);
      }
    }
    const paint = dataset.items.find((i) => i.id === tours.paint.itemId);
    expect(paint?.label, 'the painting tour starts from a labelled item').toBeDefined();
  });

  it('has the tours\' photo and models, which the engine can load', async () => {
    expect((await stat(join(DEMO_DIR, tours.mask.photo))).isFile()).toBe(true);
    const expected = {
      [`models/${DEMO_MODELS.facades.folder}`]: { kind: 'pix2pix', domains: FACADES.domains, directions: ['BtoA'] },
      [`models/${DEMO_MODELS.dayDusk.folder}`]: { kind: 'cycle_gan', domains: LANDSCAPES.domains, directions: ['AtoB', 'BtoA'] },
    };
    expect(Object.keys(expected)).toEqual(expect.arrayContaining([tours.paint.modelId, tours.mask.modelId]));
    for (const [id, want] of Object.entries(expected)) {
      const dir = join(DEMO_DIR, id);
      const m = await readModelManifest(dir);
      expect(m.kind).toBe(want.kind);
      expect(m.domains).toEqual(want.domains);
      expect(MODEL_DIRECTIONS.filter((d) => m.generators[d])).toEqual(want.directions);
      for (const direction of want.directions as ('AtoB' | 'BtoA')[]) {
        const { options, stateDict } = await readModelGenerator(dir, direction, m);
        // Every key and shape of the architecture the manifest names, as the engine loads it.
        const arch = parseGeneratorName(options.netG);
        const common = { inputNc: options.inputNc, outputNc: options.outputNc, ngf: options.ngf, norm: options.norm, useDropout: options.useDropout };
        const spec = arch.family === 'unet' ? unetSpec({ ...common, numDowns: arch.numDowns }) : resnetSpec({ ...common, nBlocks: arch.nBlocks });
        const entries = stateEntries(spec);
        expect([...stateDict.keys()].sort(), `${id} ${direction}`).toEqual(entries.map((e) => e.key).sort());
        for (const e of entries) {
          const t = stateDict.get(e.key)!;
          expect(t.shape, `${id} ${direction} ${e.key}`).toEqual([...e.shape]);
          if (t.dtype === 'float32') expect((t.data as Float32Array).every(Number.isFinite), `${id} ${direction} ${e.key} is finite`).toBe(true);
        }
      }
    }
  });

  it('holds the runs that trained the models, with loss curves and previews, and no checkpoints', async () => {
    const losses = { pix2pix: ['G_GAN', 'G_L1', 'D_real', 'D_fake'], cycle_gan: ['D_A', 'G_A', 'cycle_A', 'idt_A', 'D_B', 'G_B', 'cycle_B', 'idt_B'] };
    for (const { run } of Object.values(DEMO_MODELS)) {
      const dir = join(DEMO_DIR, 'runs', run);
      const options = (await readRunOptions(dir))!;
      expect(options.name).toBe(run);
      // Project-relative, so the copy can make them its own (services/demo.ts).
      expect(options.dataroot).not.toMatch(/^\//);
      expect(existsSync(join(DEMO_DIR, options.dataroot))).toBe(true);
      expect((await readStatus(dir))?.state).toBe('finished');
      const metrics = await readMetrics(dir, 0, 100_000);
      expect(metrics.records.length, `${run}: logged steps`).toBeGreaterThan(20);
      expect(Object.keys(metrics.records.at(-1)!.losses).sort()).toEqual([...losses[options.model]].sort());
      const previews = await readPreviews(dir, `runs/${run}`);
      expect(previews.length, `${run}: previews`).toBeGreaterThan(1);
      for (const v of previews.at(-1)!.visuals) expect(existsSync(join(DEMO_DIR, v.path)), v.path).toBe(true);
      expect(existsSync(join(dir, RUN_FILES.checkpoints))).toBe(false);
    }
  });

  it('offers a training tour the trainer accepts on the demo data', async () => {
    const runs = await mkdtemp(join(tmpdir(), 'atelier-demo-runs-'));
    try {
      const result = await validateTrainOptions(
        { ...tours.train.options, name: 'first-run' },
        { projectRoot: DEMO_DIR, runsDir: runs, runExists: async () => false },
      );
      expect(result.issues.filter((i) => i.severity === 'error')).toEqual([]);
      expect(result.dataset).toMatchObject({ images: FACADES.train });
      // Short: it ends within a few hundred steps, while the user watches.
      const steps = result.dataset!.stepsPerEpoch * (result.resolved!.n_epochs + result.resolved!.n_epochs_decay);
      expect(steps).toBeLessThanOrEqual(400);
    } finally {
      await rm(runs, { recursive: true, force: true });
    }
  });
});

describe('what ships', () => {
  let shipped: string[];
  beforeAll(async () => {
    shipped = await files(DEMO_DIR);
  });

  it('fits the size budget', async () => {
    const { total } = await demoFootprint(DEMO_DIR);
    expect(total).toBeLessThanOrEqual(DEMO_MAX_BYTES);
  });

  it('says where its data come from and under which licence', async () => {
    const readme = await readFile(join(DEMO_DIR, 'README.md'), 'utf8');
    expect(readme).toMatch(/scripts\/demo\/make-data\.ts/);
    expect(readme).toMatch(/no(thing here is)? third-party/i);
    expect(readme).toMatch(/BSD-3-Clause/);
  });

  it('contains no file of the third-party test data', async () => {
    if (!existsSync(dataDir)) throw new Error(`shared test data not found: ${dataDir} (set ATELIER_SHARED)`);
    const sha = async (p: string) => createHash('sha256').update(await readFile(p)).digest('hex');
    const thirdParty = new Set(await Promise.all((await files(dataDir)).map(sha)));
    for (const p of shipped) expect(thirdParty.has(await sha(p)), p).toBe(false);
  });
});
