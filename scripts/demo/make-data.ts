/**
 * Generates the demo project's data, procedurally and deterministically (no third-party
 * images): a paired set of facade label maps and their rendered photos, and an unpaired
 * set of day and dusk landscapes. Then builds the project around them with Atelier's own
 * project and dataset services: the facades become the project's labelled dataset, and
 * the manifest gets the descriptor of the first-run tours.
 *
 *   npm run demo:data            (node scripts/demo/run.mjs make-data)
 *
 * The images are the same bytes on every run; only the project's ids and timestamps
 * change. Training the shipped models is the other script (train-models.ts).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { DEMO_MANIFEST_KEY, demoDescriptorSchema, type DemoDescriptor } from '../../src/shared/api/demo';
import { FACADES_PALETTE, hexToRgb } from '../../src/shared/palettes';
import { Rng } from '../../src/main/engine/train/rng';
import { DatasetService } from '../../src/main/services/datasets';
import { ProjectService } from '../../src/main/services/projects';
import { RecentProjects } from '../../src/main/services/recent-projects';
import { DEMO_DIR, DEMO_MODELS, DEMO_SEED, FACADES, IMAGE_SIZE, LANDSCAPES, MASK_TOUR_PHOTO, PROJECT_NAME } from './config';
import { facadeLabels, renderFacade, type LabelMap } from './procedural/facades';
import { landscape, LANDSCAPE_DOMAINS } from './procedural/landscapes';
import { TRAIN_TOUR_OPTIONS } from './train-presets';

/** What the data script writes; runs/ and models/ belong to the training script. */
const GENERATED = ['atelier.json', 'dataset', 'labels', 'data', 'exports'];

/** A label map as an RGB PNG in the palette's exact colours (what pix2pix trains on). */
export function labelMapPng(map: LabelMap): Promise<Buffer> {
  const lut = new Map(FACADES_PALETTE.classes.map((c) => [c.id, hexToRgb(c.color)]));
  const rgb = Buffer.alloc(map.width * map.height * 3);
  for (let i = 0; i < map.ids.length; i++) {
    const c = lut.get(map.ids[i]!);
    if (!c) throw new Error(`label map holds class id ${map.ids[i]}, which the facades palette does not have`);
    rgb[i * 3] = c[0];
    rgb[i * 3 + 1] = c[1];
    rgb[i * 3 + 2] = c[2];
  }
  return sharp(rgb, { raw: { width: map.width, height: map.height, channels: 3 } }).png({ compressionLevel: 9 }).toBuffer();
}

/** The facade pair number `index`: its label map and photo, from its own random stream. */
export function facadePair(seed: number, index: number, size = IMAGE_SIZE) {
  const rng = Rng.derive(seed, 'facade', index);
  const labels = facadeLabels(rng.child('layout'), size, size);
  return { labels, photo: renderFacade(labels, rng.child('render')) };
}

/** Landscape number `index` of a domain; the domains draw from separate streams, so nothing pairs them. */
export function landscapeImage(seed: number, domain: (typeof LANDSCAPE_DOMAINS)[number], index: number, size = IMAGE_SIZE) {
  return landscape(Rng.derive(seed, 'landscape', domain, index), domain, size, size);
}

async function put(path: string, bytes: Buffer): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, bytes);
}

/** Write data/facades and data/day-dusk under `root`; returns how many files of each. */
export async function writeDemoData(root: string, seed = DEMO_SEED): Promise<{ facades: number; landscapes: number }> {
  let facades = 0;
  const splits = [
    ['train', 0, FACADES.train],
    ['val', FACADES.train, FACADES.train + FACADES.val],
  ] as const;
  for (const [split, from, to] of splits) {
    for (let i = from; i < to; i++) {
      const { labels, photo } = facadePair(seed, i);
      const name = `facade_${String(i).padStart(3, '0')}`;
      await put(join(root, FACADES.folder, split, 'A', `${name}.jpg`), await photo.encode('jpeg'));
      await put(join(root, FACADES.folder, split, 'B', `${name}.png`), await labelMapPng(labels));
      facades++;
    }
  }
  let landscapes = 0;
  for (const domain of LANDSCAPE_DOMAINS) {
    const side = domain === 'day' ? 'A' : 'B';
    for (const [split, count] of [
      ['train', LANDSCAPES.train],
      ['test', LANDSCAPES.test],
    ] as const) {
      for (let i = 0; i < count; i++) {
        const index = split === 'train' ? i : LANDSCAPES.train + i;
        const img = landscapeImage(seed, domain, index);
        await put(join(root, LANDSCAPES.folder, `${split}${side}`, `${domain}_${split}_${String(i).padStart(2, '0')}.jpg`), await img.encode('jpeg'));
        landscapes++;
      }
    }
  }
  return { facades, landscapes };
}

/** The tours' descriptor: the shipped models, a validation label map, a test photo. */
export function tourDescriptor(paintItemId: string): DemoDescriptor {
  return demoDescriptorSchema.parse({
    version: 1,
    tours: {
      paint: { modelId: `models/${DEMO_MODELS.facades.folder}`, direction: 'BtoA', itemId: paintItemId },
      mask: { modelId: `models/${DEMO_MODELS.dayDusk.folder}`, direction: 'AtoB', photo: MASK_TOUR_PHOTO },
      train: { options: TRAIN_TOUR_OPTIONS },
    },
  });
}

/**
 * Make `root` the demo project: the manifest, the facades as a labelled paired dataset
 * (imported by the dataset service, as a user's import would be), and the tours.
 */
export async function buildDemoProject(root: string): Promise<{ items: number }> {
  const config = await mkdtemp(join(tmpdir(), 'atelier-demo-config-'));
  try {
    const projects = new ProjectService({ recent: new RecentProjects(config) });
    await projects.create(root, PROJECT_NAME);
    const datasets = new DatasetService({ projects });
    await datasets.configure({ kind: 'paired', paletteId: FACADES_PALETTE.id, domainNames: { ...FACADES.domains } });
    const report = await datasets.importFolder(join(root, FACADES.folder), 'ab-folders', 'B');
    const problems = [...report.skipped, ...report.corrupt];
    if (problems.length || report.tooLarge.length) {
      throw new Error(`importing the demo facades: ${JSON.stringify({ problems, tooLarge: report.tooLarge })}`);
    }
    const view = await datasets.view();
    const firstVal = view.items.filter((i) => i.split === 'val').sort((a, b) => a.name.localeCompare(b.name))[0];
    if (!firstVal) throw new Error('the demo facades have no validation item for the painting tour');
    const descriptor = tourDescriptor(firstVal.id);
    await projects.updateManifest((m) => ({ ...m, [DEMO_MANIFEST_KEY]: descriptor }));
    return { items: view.items.length };
  } finally {
    await rm(config, { recursive: true, force: true });
  }
}

export async function main(root = DEMO_DIR): Promise<void> {
  for (const name of GENERATED) await rm(join(root, name), { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  const t0 = Date.now();
  const written = await writeDemoData(root);
  const { items } = await buildDemoProject(root);
  console.log(
    `demo data: ${written.facades} facade pairs, ${written.landscapes} landscapes, ${items} dataset items in ${root} ` +
      `(${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
}
