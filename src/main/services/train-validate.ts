/**
 * `train:validate`: everything that can be known about a run before it starts, each
 * problem named by the option to change. The options schema and its cross-field rules
 * (src/shared/train-options.ts), then the dataset as the engine's loader would open it,
 * then the networks' size rules on the real input size of its first sample.
 */
import { isAbsolute, join, resolve } from 'node:path';
import type { z } from 'zod';
import { architectureIssues, fixedInputSize, optionWarnings } from '../../shared/api/train-checks';
import type { ValidateResult, ValidationIssue } from '../../shared/api/train';
import {
  defaultsFor,
  trainOptionsInputSchema,
  trainOptionsSchema,
  type TrainOptions,
  type TrainOptionsInput,
} from '../../shared/train-options';
import { createDataset } from '../engine/data/datasets';
import { Rng } from '../engine/train/rng';
import { exists } from './run-files';

export interface ValidateContext {
  /** The project folder: a relative dataroot is taken from there. */
  projectRoot: string;
  /** Where runs go (`<project>/runs`): the options' checkpoints_dir is always this. */
  runsDir: string;
  /** A run with this name exists already (a new run must not reuse it). */
  runExists(name: string): Promise<boolean>;
  /** Seed for runs that do not name one. */
  randomSeed?: () => number;
}

const issuesOf = (error: z.ZodError, severity: ValidationIssue['severity'] = 'error'): ValidationIssue[] =>
  error.issues.map((i) => ({ path: i.path.length ? i.path.map(String).join('.') : '(options)', message: i.message, severity }));

/** The options a run would get: the model's defaults, the user's values, our folders. */
export function resolveForProject(
  input: TrainOptionsInput,
  ctx: Pick<ValidateContext, 'projectRoot' | 'runsDir' | 'randomSeed'>,
): { options: TrainOptions | null; issues: ValidationIssue[] } {
  const partial = trainOptionsInputSchema.safeParse(input);
  if (!partial.success) return { options: null, issues: issuesOf(partial.error) };
  const given = Object.fromEntries(Object.entries(partial.data).filter(([, v]) => v !== undefined)) as TrainOptionsInput;
  const issues: ValidationIssue[] = [];
  if (!given.dataroot) issues.push({ path: 'dataroot', severity: 'error', message: 'choose the folder of training images' });
  if (!given.name) issues.push({ path: 'name', severity: 'error', message: 'give the run a name' });
  const model = given.model ?? 'cycle_gan';
  const dataroot = given.dataroot ? (isAbsolute(given.dataroot) ? given.dataroot : resolve(ctx.projectRoot, given.dataroot)) : '.';
  const merged = {
    ...defaultsFor(model),
    seed: given.seed ?? (ctx.randomSeed ?? (() => Math.floor(Math.random() * 2 ** 32)))(),
    ...given,
    dataroot,
    checkpoints_dir: ctx.runsDir,
  };
  const full = trainOptionsSchema.safeParse(merged);
  if (!full.success) return { options: null, issues: [...issues, ...issuesOf(full.error)] };
  return { options: issues.length ? null : full.data, issues };
}

/** Validate a new run's options against the project and its dataset. */
export async function validateTrainOptions(input: TrainOptionsInput, ctx: ValidateContext): Promise<ValidateResult> {
  const { options, issues } = resolveForProject(input, ctx);
  if (!options) return { ok: false, issues, resolved: null, dataset: null };
  if (await ctx.runExists(options.name)) {
    issues.push({
      path: 'name',
      severity: 'error',
      message: `a run named “${options.name}” exists in ${ctx.runsDir}: choose another name, or resume that run from the run list`,
    });
  }
  issues.push(...optionWarnings(options));

  let dataset: ValidateResult['dataset'] = null;
  if (!(await exists(options.dataroot))) {
    issues.push({ path: 'dataroot', severity: 'error', message: `folder ${options.dataroot} does not exist` });
  } else {
    try {
      const ds = await createDataset(options);
      for (const w of ds.warnings) issues.push({ path: 'dataroot', severity: 'warning', message: w });
      // The first sample as the loader makes it: its size is what the networks get.
      const sample = await ds.load(0, Rng.derive(options.seed, 'validate'));
      const stepsPerEpoch = Math.ceil(ds.size / options.batch_size);
      dataset = {
        mode: ds.mode,
        folders: [...ds.folders],
        images: ds.size,
        width: sample.A.width,
        height: sample.A.height,
        stepsPerEpoch,
      };
      if (sample.B && (sample.B.width !== sample.A.width || sample.B.height !== sample.A.height)) {
        issues.push({
          path: 'preprocess',
          severity: options.model === 'pix2pix' ? 'error' : 'warning',
          message: `A and B come out at different sizes (${sample.A.width}×${sample.A.height} and ${sample.B.width}×${sample.B.height}) with preprocess ${options.preprocess}`,
        });
      }
      if (options.batch_size > ds.size) {
        issues.push({
          path: 'batch_size',
          severity: 'warning',
          message: `batch_size ${options.batch_size} is larger than the dataset (${ds.size} images): every step sees the whole dataset`,
        });
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // A crop larger than the images fails in the transform: name the crop, not the data.
      const path = /crop/i.test(message) ? 'crop_size' : 'dataroot';
      issues.push({ path, severity: 'error', message });
    }
  }
  const fixed = fixedInputSize(options);
  const width = dataset?.width ?? fixed;
  const height = dataset?.height ?? fixed;
  if (width !== null && height !== null) issues.push(...architectureIssues(options, width, height));

  return { ok: !issues.some((i) => i.severity === 'error'), issues, resolved: options, dataset };
}

/** The run folder of `name` under the runs folder. */
export const runDirOf = (runsDir: string, name: string): string => join(runsDir, name);
