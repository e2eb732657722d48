/**
 * Trains the demo's models with Atelier's own trainer (engine/train/trainer.ts, the loop
 * `atelier train` and the studio run) on the demo data, on the wasm backend, then puts
 * what the demo ships in place:
 *
 *   models/<folder>/   the trained generators in our model format, with the domain names
 *   runs/<run>/        the run as the Train workspace lists it (options, metrics, previews,
 *                      status), without its checkpoints: the generators are in models/
 *
 *   npm run demo:train                          (both models)
 *   node scripts/demo/run.mjs train-models facades-pix2pix
 *
 * The data must exist first (npm run demo:data). Each run trains in a scratch folder;
 * the demo is only touched once a run has finished.
 */
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDirections } from '../../src/shared/api/translate';
import { trainOptionsSchema, type TrainOptions, type TrainOptionsInput } from '../../src/shared/train-options';
import { initBackend } from '../../src/main/engine/backends/select';
import { saveModel, type GeneratorWeights } from '../../src/main/engine/io/model-file';
import { readCheckpoint } from '../../src/main/engine/train/checkpoint';
import { CHECKPOINTS_DIR, METRICS_FILE, RUN_OPTIONS_FILE } from '../../src/main/engine/train/run-layout';
import { PREVIEW_DIR } from '../../src/main/engine/train/previews';
import { runTraining, type StepReport } from '../../src/main/engine/train/trainer';
import { RUN_FILES, writeStatus } from '../../src/main/services/run-files';
import { writeFileAtomic } from '../../src/main/util/atomic-write';
import { DEMO_DIR, DEMO_MODELS, FACADES, LANDSCAPES } from './config';
import { DAY_DUSK_RUN, FACADES_RUN } from './train-presets';

export interface DemoModelSpec {
  run: string;
  folder: string;
  name: string;
  domains: { A: string; B: string };
  options: TrainOptionsInput;
}

export const DEMO_MODEL_SPECS: readonly DemoModelSpec[] = [
  { ...DEMO_MODELS.facades, domains: FACADES.domains, options: FACADES_RUN },
  { ...DEMO_MODELS.dayDusk, domains: LANDSCAPES.domains, options: DAY_DUSK_RUN },
];

function progress(spec: DemoModelSpec, s: StepReport): void {
  const every = Math.max(1, Math.round(s.batchesPerEpoch));
  if (s.step % every !== 0 && s.stepsLeft > 0) return;
  const losses = Object.entries(s.losses)
    .map(([k, v]) => `${k} ${v.toFixed(3)}`)
    .join(', ');
  const eta = Number.isFinite(s.etaS) ? `${Math.round(s.etaS / 60)} min left` : '';
  console.log(`${spec.run}: epoch ${s.epoch}/${s.lastEpoch}, step ${s.step}, ${s.itPerS.toFixed(2)} it/s, ${eta}; ${losses}`);
}

/** The generators of the run's final checkpoint, as our model format stores them. */
async function finalGenerators(runDir: string, options: TrainOptions): Promise<GeneratorWeights> {
  const directions = runDirections(options);
  const wanted = new Set(Object.values(directions).map((d) => `net_${d!.network}`));
  const ckpt = await readCheckpoint(join(runDir, CHECKPOINTS_DIR), 'latest', (stem) => wanted.has(stem));
  const generators: GeneratorWeights = {};
  for (const [direction, d] of Object.entries(directions) as [keyof GeneratorWeights, NonNullable<(typeof directions)['AtoB']>][]) {
    const stateDict = ckpt.tensors.get(`net_${d.network}`);
    if (!stateDict) throw new Error(`${ckpt.dir}: no net_${d.network}`);
    const { network: _network, ...generator } = d;
    generators[direction] = { options: generator, stateDict };
  }
  return generators;
}

/** Train one demo model and put its model and run into the demo project. */
export async function trainDemoModel(spec: DemoModelSpec, demoDir = DEMO_DIR): Promise<{ steps: number; seconds: number }> {
  const scratch = await mkdtemp(join(tmpdir(), `atelier-demo-${spec.run}-`));
  try {
    const started = new Date();
    const result = await runTraining(
      {
        ...spec.options,
        name: spec.run,
        dataroot: join(demoDir, spec.options.dataroot!),
        checkpoints_dir: join(scratch, 'runs'),
      },
      {
        onStep: (s) => progress(spec, s),
        onEvent: (e) => {
          if (e.type === 'warning' || e.type === 'bad-sample') console.warn(`${spec.run}: ${JSON.stringify(e)}`);
        },
      },
    );
    const ended = new Date();
    if (result.status !== 'completed') throw new Error(`${spec.run} did not complete (${result.status})`);
    const options = trainOptionsSchema.parse(JSON.parse(await readFile(join(result.runDir, RUN_OPTIONS_FILE), 'utf8')));

    await saveModel(
      join(demoDir, 'models', spec.folder),
      {
        name: spec.name,
        kind: options.model,
        domains: spec.domains,
        origin: 'saved',
        source: `runs/${spec.run}`,
        generators: await finalGenerators(result.runDir, options),
        created: ended,
      },
      { overwrite: true },
    );

    // The run as a project holds it, minus checkpoints; its paths relative to the project,
    // which the user's copy turns into its own (services/demo.ts).
    const target = join(demoDir, 'runs', spec.run);
    await rm(target, { recursive: true, force: true });
    await mkdir(target, { recursive: true });
    await cp(join(result.runDir, METRICS_FILE), join(target, RUN_FILES.metrics));
    await cp(join(result.runDir, PREVIEW_DIR), join(target, RUN_FILES.previews), { recursive: true });
    const shipped = { ...options, dataroot: spec.options.dataroot!, checkpoints_dir: 'runs' };
    await writeFileAtomic(join(target, RUN_FILES.options), `${JSON.stringify(shipped, null, 1)}\n`);
    await writeStatus(target, {
      state: 'finished',
      jobId: null,
      created: started.toISOString(),
      updated: ended.toISOString(),
      spans: [{ start: started.toISOString(), end: ended.toISOString() }],
      totalSteps: result.step,
    });
    return { steps: result.step, seconds: (ended.getTime() - started.getTime()) / 1000 };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export async function main(...only: string[]): Promise<void> {
  const unknown = only.filter((n) => !DEMO_MODEL_SPECS.some((s) => s.run === n));
  if (unknown.length) throw new Error(`no demo model ${unknown.join(', ')} (${DEMO_MODEL_SPECS.map((s) => s.run).join(', ')})`);
  const backend = await initBackend({ prefer: 'wasm' });
  console.log(`training on ${backend.name}: ${backend.device}`);
  for (const spec of DEMO_MODEL_SPECS) {
    if (only.length && !only.includes(spec.run)) continue;
    const { steps, seconds } = await trainDemoModel(spec);
    console.log(`${spec.run}: ${steps} steps in ${(seconds / 60).toFixed(1)} min → models/${spec.folder}, runs/${spec.run}`);
  }
}
