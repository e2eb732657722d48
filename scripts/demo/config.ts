/**
 * What the demo project holds, in one place: the data script writes it, the training
 * script trains on it, the tour descriptor in the demo's manifest points into it.
 * Every path is relative to the demo project folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository: the folder above this module (or its bundle in out/) whose package.json is Atelier's. */
function repoRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'atelier') return dir;
    if (dirname(dir) === dir) throw new Error(`no Atelier repository above ${fileURLToPath(import.meta.url)}`);
  }
}

export const REPO_ROOT = repoRoot();
/** The shipped demo project. */
export const DEMO_DIR = join(REPO_ROOT, 'resources', 'demo');
/** The whole demo, models included, must stay under this (the budget). */
export const DEMO_MAX_BYTES = 20 * 1024 * 1024;

/** Root of every random choice in the demo data. */
export const DEMO_SEED = 20261126;
/** Side of every demo image, in pixels. */
export const IMAGE_SIZE = 128;

export const FACADES = {
  /** Paired layout our trainer reads (`dataset_mode paired`): <split>/A photos, <split>/B label maps. */
  folder: 'data/facades',
  train: 40,
  val: 8,
  domains: { A: 'facade', B: 'label map' },
} as const;

export const LANDSCAPES = {
  /** Unpaired layout (`dataset_mode unaligned`): trainA, trainB, testA, testB. */
  folder: 'data/day-dusk',
  train: 36,
  test: 6,
  domains: { A: 'day', B: 'dusk' },
} as const;

export const PROJECT_NAME = 'Atelier demo';

/** The shipped models (models/<folder>) and the runs that trained them (runs/<name>). */
export const DEMO_MODELS = {
  facades: { run: 'facades-pix2pix', folder: 'facades-pix2pix', name: 'Facades (label map → facade)' },
  dayDusk: { run: 'day-dusk-cyclegan', folder: 'day-dusk-cyclegan', name: 'Day ⇄ dusk' },
} as const;

/** The photo the masking tour opens: a day scene with a lake, sky and hills to mask. */
export const MASK_TOUR_PHOTO = `${LANDSCAPES.folder}/testA/day_test_03.jpg`;
