/**
 * The options of a training run: one schema for the `atelier train` command line, the
 * engine's train job and the renderer's training form. Names, meanings and defaults are the
 * reference's (options/base_options.py, options/train_options.py), including the defaults
 * each model sets in its `modify_commandline_options` (`modelDefaults`), plus `seed` and
 * `preview_freq`.
 *
 * Pure: imports only zod.
 */
import { z } from 'zod';

export const MODELS = ['pix2pix', 'cycle_gan'] as const;
export const DATASET_MODES = ['aligned', 'unaligned', 'single', 'paired'] as const;
export const PREPROCESS_MODES = ['resize_and_crop', 'crop', 'scale_width', 'scale_width_and_crop', 'none'] as const;

const int = (min: number) => z.number().int().min(min);
const positiveFloat = z.number().positive().finite();
const nonNegativeFloat = z.number().min(0).finite();

/**
 * Every option, its type and its `--help` text. Defaults live in `baseDefaults` and
 * `modelDefaults` so that a model can change them before the user's values apply.
 */
export const trainOptionFields = {
  // Run
  dataroot: z
    .string()
    .min(1)
    .describe('path to the images: a folder with train/ (aligned), trainA/ and trainB/ (unaligned), A/ and B/ (paired), or the images themselves (single)'),
  name: z
    .string()
    .min(1)
    .regex(/^[^/\\]+$/, 'a run name cannot contain / or \\')
    .describe('name of the run: the folder under checkpoints_dir where checkpoints, metrics and previews go'),
  checkpoints_dir: z.string().min(1).describe('where runs are stored'),
  model: z.enum(MODELS).describe('which model to train: pix2pix (paired) or cycle_gan (unpaired)'),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .describe('seed of every random choice (initialisation, crops, flips, shuffling, pools, dropout); same seed, backend and data give the same run'),
  // Networks
  input_nc: int(1).describe('number of input image channels: 3 for RGB, 1 for grayscale'),
  output_nc: int(1).describe('number of output image channels: 3 for RGB, 1 for grayscale'),
  ngf: int(1).describe('number of generator filters in the last conv layer'),
  ndf: int(1).describe('number of discriminator filters in the first conv layer'),
  netD: z
    .enum(['basic', 'n_layers', 'pixel'])
    .describe('discriminator: basic (70×70 PatchGAN), n_layers (PatchGAN with n_layers_D layers) or pixel (1×1 PixelGAN)'),
  netG: z
    .string()
    .regex(/^(unet_\d+|resnet_\d+blocks)$/, 'expected resnet_9blocks, resnet_6blocks, unet_256, unet_128, unet_<size> or resnet_<n>blocks')
    .describe('generator: resnet_9blocks, resnet_6blocks, unet_256, unet_128 (or unet_<size>, resnet_<n>blocks)'),
  n_layers_D: int(1).describe('number of discriminator layers; used only when netD is n_layers'),
  norm: z.enum(['instance', 'batch', 'none']).describe('normalisation: instance, batch or none'),
  init_type: z.enum(['normal', 'xavier', 'kaiming', 'orthogonal']).describe('weight initialisation: normal, xavier, kaiming or orthogonal'),
  init_gain: nonNegativeFloat.describe('scaling factor for normal, xavier and orthogonal initialisation'),
  no_dropout: z.boolean().describe('no dropout in the generator'),
  // Data
  dataset_mode: z
    .enum(DATASET_MODES)
    .describe('dataset layout: aligned (A|B side by side), unaligned (trainA/, trainB/), paired (A/ and B/ matched by file name) or single (one domain)'),
  direction: z.enum(['AtoB', 'BtoA']).describe('AtoB or BtoA: which side is the input'),
  phase: z.string().min(1).describe('which split to train on: train, val, test, …'),
  serial_batches: z.boolean().describe('take images in order (no shuffling, serial A/B pairing); otherwise take them in random order'),
  num_threads: int(1).describe('how many images are decoded ahead of training at once'),
  batch_size: int(1).describe('input batch size'),
  load_size: int(1).describe('scale images to this size'),
  crop_size: int(1).describe('then crop to this size'),
  max_dataset_size: int(1)
    .nullable()
    .describe('maximum number of samples per dataset (null or "inf": all); with more, only a subset is loaded'),
  preprocess: z
    .enum(PREPROCESS_MODES)
    .describe('scaling and cropping at load time: resize_and_crop, crop, scale_width, scale_width_and_crop or none'),
  no_flip: z.boolean().describe('do not flip the images for data augmentation'),
  // Optimisation
  n_epochs: int(0).describe('number of epochs with the initial learning rate'),
  n_epochs_decay: int(0).describe('number of epochs to linearly decay the learning rate to zero'),
  epoch_count: int(1).describe('the starting epoch count: runs epochs epoch_count … n_epochs + n_epochs_decay'),
  beta1: z.number().min(0).lt(1).describe('momentum term β1 of Adam'),
  lr: positiveFloat.describe('initial learning rate for Adam'),
  lr_policy: z.enum(['linear', 'step', 'plateau', 'cosine']).describe('learning rate policy: linear, step, plateau or cosine'),
  lr_decay_iters: int(1).describe('multiply the rate by 0.1 every lr_decay_iters epochs (lr_policy step)'),
  gan_mode: z
    .enum(['vanilla', 'lsgan', 'wgangp'])
    .describe('GAN objective: vanilla (the original cross-entropy), lsgan (least squares) or wgangp (Wasserstein critic)'),
  pool_size: int(0).describe('size of the buffer of previously generated images the discriminators see (0: none)'),
  lambda_L1: nonNegativeFloat.describe('pix2pix: weight of the L1 loss'),
  lambda_A: nonNegativeFloat.describe('cycle_gan: weight of the cycle loss A → B → A'),
  lambda_B: nonNegativeFloat.describe('cycle_gan: weight of the cycle loss B → A → B'),
  lambda_identity: nonNegativeFloat.describe(
    'cycle_gan: weight of the identity loss, relative to the cycle losses (0.5: half of lambda_A / lambda_B)',
  ),
  // Saving and monitoring
  save_epoch_freq: int(1).describe('save a checkpoint (and the latest) at the end of every save_epoch_freq epochs'),
  save_latest_freq: int(1).describe('save the latest checkpoint every save_latest_freq training images'),
  save_by_iter: z.boolean().describe('keep the iteration checkpoints as iter_<n> instead of overwriting the latest'),
  continue_train: z.boolean().describe("continue the run 'name' from its checkpoint (see epoch)"),
  epoch: z
    .string()
    .regex(/^(latest|\d+|iter_\d+)$/, 'expected latest, an epoch number or iter_<n>')
    .describe('which checkpoint continue_train loads: latest, an epoch number or iter_<n>'),
  print_freq: int(1).describe('print the losses every print_freq training images'),
  preview_freq: int(1).describe('save preview images of the model on fixed samples every preview_freq training images'),
} as const;

type Fields = typeof trainOptionFields;
export type TrainOptionName = keyof Fields;

/** Resolved options: every field present. */
export const trainOptionsSchema = z
  .object(trainOptionFields)
  .strict()
  .superRefine((o, ctx) => {
    const crops = o.preprocess.includes('crop');
    if (crops && (o.preprocess.includes('resize') || o.preprocess.includes('scale_width')) && o.load_size < o.crop_size) {
      ctx.addIssue({
        code: 'custom',
        path: ['crop_size'],
        message: `crop_size (${o.crop_size}) must not exceed load_size (${o.load_size}) with preprocess ${o.preprocess}`,
      });
    }
    if (o.model === 'cycle_gan' && o.lambda_identity > 0 && o.input_nc !== o.output_nc) {
      ctx.addIssue({
        code: 'custom',
        path: ['lambda_identity'],
        message: `the identity loss needs input_nc = output_nc (got ${o.input_nc} and ${o.output_nc}); set lambda_identity 0`,
      });
    }
    if (o.dataset_mode === 'single') {
      ctx.addIssue({
        code: 'custom',
        path: ['dataset_mode'],
        message: `dataset_mode single holds one domain only; ${o.model} trains on two (use ${o.model === 'pix2pix' ? 'aligned or paired' : 'unaligned'})`,
      });
    }
    if (o.model === 'pix2pix' && o.dataset_mode === 'unaligned') {
      ctx.addIssue({
        code: 'custom',
        path: ['dataset_mode'],
        message: 'pix2pix learns from pairs: use dataset_mode aligned or paired, not unaligned',
      });
    }
    if (o.n_epochs + o.n_epochs_decay < o.epoch_count) {
      ctx.addIssue({
        code: 'custom',
        path: ['epoch_count'],
        message: `epoch_count (${o.epoch_count}) is past the last epoch n_epochs + n_epochs_decay = ${o.n_epochs + o.n_epochs_decay}`,
      });
    }
  });

export type TrainOptions = z.output<typeof trainOptionsSchema>;

/** What a caller may give: any subset (dataroot is checked when options are resolved). */
export const trainOptionsInputSchema = z.object(trainOptionFields).partial().strict();
export type TrainOptionsInput = z.input<typeof trainOptionsInputSchema>;

/** The reference's defaults (base_options.py, train_options.py) and ours for seed/preview_freq. */
export const baseDefaults: Omit<TrainOptions, 'dataroot' | 'seed'> = {
  name: 'experiment_name',
  checkpoints_dir: './checkpoints',
  model: 'cycle_gan',
  input_nc: 3,
  output_nc: 3,
  ngf: 64,
  ndf: 64,
  netD: 'basic',
  netG: 'resnet_9blocks',
  n_layers_D: 3,
  norm: 'instance',
  init_type: 'normal',
  init_gain: 0.02,
  no_dropout: false,
  dataset_mode: 'unaligned',
  direction: 'AtoB',
  phase: 'train',
  serial_batches: false,
  num_threads: 4,
  batch_size: 1,
  load_size: 286,
  crop_size: 256,
  max_dataset_size: null,
  preprocess: 'resize_and_crop',
  no_flip: false,
  n_epochs: 100,
  n_epochs_decay: 100,
  epoch_count: 1,
  beta1: 0.5,
  lr: 0.0002,
  lr_policy: 'linear',
  lr_decay_iters: 50,
  gan_mode: 'lsgan',
  pool_size: 50,
  lambda_L1: 100,
  lambda_A: 10,
  lambda_B: 10,
  lambda_identity: 0.5,
  save_epoch_freq: 5,
  save_latest_freq: 5000,
  save_by_iter: false,
  continue_train: false,
  epoch: 'latest',
  print_freq: 100,
  preview_freq: 400,
};

/** Each model's `modify_commandline_options` (training branch). */
export const modelDefaults: Record<(typeof MODELS)[number], Partial<TrainOptions>> = {
  // models/pix2pix_model.py: batch norm, U-Net 256, aligned data, vanilla GAN, no pool, λ_L1 100.
  pix2pix: { norm: 'batch', netG: 'unet_256', dataset_mode: 'aligned', pool_size: 0, gan_mode: 'vanilla', lambda_L1: 100 },
  // models/cycle_gan_model.py: no dropout, λ_A = λ_B = 10, λ_identity 0.5 (LSGAN, pool 50,
  // ResNet-9, instance norm and unaligned data are already the base defaults).
  cycle_gan: { no_dropout: true, lambda_A: 10, lambda_B: 10, lambda_identity: 0.5 },
};

/** The defaults that apply to `model` (base defaults overridden by the model's own). */
export function defaultsFor(model: TrainOptions['model']): Omit<TrainOptions, 'dataroot' | 'seed'> {
  return { ...baseDefaults, ...modelDefaults[model] };
}

/** A readable message for a failed parse: one line per issue, naming the option. */
export function formatOptionIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const key = i.path.length ? i.path.join('.') : '(options)';
      return `${key}: ${i.message}`;
    })
    .join('\n');
}

/**
 * Fill in the defaults of the chosen model and validate. `seed` defaults to a random one, so
 * that the resolved options (saved with the run) always name the seed that was used.
 */
export function resolveTrainOptions(input: TrainOptionsInput, randomSeed: () => number = defaultRandomSeed): TrainOptions {
  const partial = trainOptionsInputSchema.safeParse(input);
  if (!partial.success) throw new Error(`invalid training options:\n${formatOptionIssues(partial.error)}`);
  const given = partial.data;
  if (given.dataroot === undefined) throw new Error('invalid training options:\ndataroot: required');
  const model = given.model ?? baseDefaults.model;
  const merged = { ...defaultsFor(model), seed: given.seed ?? randomSeed(), ...stripUndefined(given) };
  const full = trainOptionsSchema.safeParse(merged);
  if (!full.success) throw new Error(`invalid training options:\n${formatOptionIssues(full.error)}`);
  return full.data;
}

/**
 * Options that may change when a run is continued: they do not change what the saved state
 * means (the schedule's length, how often to save and report). Everything else must match.
 */
export const resumableOverrides: readonly TrainOptionName[] = [
  'dataroot',
  'n_epochs_decay',
  'n_epochs',
  'save_epoch_freq',
  'save_latest_freq',
  'save_by_iter',
  'print_freq',
  'preview_freq',
  'num_threads',
  'continue_train',
  'epoch',
  'checkpoints_dir',
];

/** How an option is typed, for command lines and forms. */
export type OptionKind =
  | { type: 'boolean' }
  | { type: 'integer' | 'number'; nullable: boolean; min?: number }
  | { type: 'enum'; choices: readonly string[] }
  | { type: 'string' };

export function optionKind(name: TrainOptionName): OptionKind {
  let schema: z.ZodType = trainOptionFields[name];
  let nullable = false;
  if (schema instanceof z.ZodNullable) {
    nullable = true;
    schema = schema.unwrap() as z.ZodType;
  }
  if (schema instanceof z.ZodBoolean) return { type: 'boolean' };
  if (schema instanceof z.ZodNumber) {
    const min = schema.minValue;
    return { type: schema.isInt ? 'integer' : 'number', nullable, ...(min !== null && Number.isFinite(min) ? { min } : {}) };
  }
  if (schema instanceof z.ZodEnum) return { type: 'enum', choices: schema.options as string[] };
  return { type: 'string' };
}

/** Every option with its doc line, kind and defaults, in schema order (for --help and form labels). */
export function optionDocs(): { name: TrainOptionName; doc: string; kind: OptionKind; defaults: Partial<Record<(typeof MODELS)[number] | 'base', unknown>> }[] {
  return (Object.keys(trainOptionFields) as TrainOptionName[]).map((name) => {
    const defaults: Partial<Record<(typeof MODELS)[number] | 'base', unknown>> = {};
    if (name in baseDefaults) defaults.base = baseDefaults[name as keyof typeof baseDefaults];
    for (const model of MODELS) {
      const v = modelDefaults[model][name];
      if (v !== undefined && v !== defaults.base) defaults[model] = v;
    }
    return { name, doc: trainOptionFields[name].description ?? '', kind: optionKind(name), defaults };
  });
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function defaultRandomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}
