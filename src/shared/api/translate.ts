/**
 * The Translate workspace's channels: the model library (`models:*`) and translation
 * (`translate:*`). Long work runs as engine jobs: the request returns a jobId at once and
 * progress and the result arrive as `job:progress` / `job:finished` events, so a preview
 * can be cancelled (`job:cancel`) the moment it is stale.
 */
import { z } from 'zod';
import type { TrainOptions } from '../train-options';
import { request } from './define';
import { noInput } from './errors';

/** Which generator runs: from domain A to B or back (the reference's --direction). */
export const directionSchema = z.enum(['AtoB', 'BtoA']);
export type Direction = z.output<typeof directionSchema>;

export const modelKindSchema = z.enum(['pix2pix', 'cycle_gan']);
export type ModelKind = z.output<typeof modelKindSchema>;

/** Where a library entry comes from. */
export const modelOriginSchema = z.enum([
  /** A training run in the project (runs/<name>), its latest checkpoint. */
  'run',
  /** A model saved in our format (models/<name>/model.json). */
  'saved',
  /** A reference .pth checkpoint imported with the domains the user named. */
  'imported',
]);
export type ModelOrigin = z.output<typeof modelOriginSchema>;

const domainName = z.string().trim().min(1, 'a domain needs a name').max(64);
export const domainNamesSchema = z.strictObject({ A: domainName, B: domainName });
export type DomainNames = z.output<typeof domainNamesSchema>;

/** The generator architecture as the reference's define_G names it. */
export const generatorSummarySchema = z.object({
  netG: z.string(),
  ngf: z.number().int().positive(),
  norm: z.enum(['batch', 'instance', 'none']),
  inputNc: z.number().int().positive(),
  outputNc: z.number().int().positive(),
  useDropout: z.boolean(),
  /** Trainable parameters. */
  params: z.number().int().nonnegative().optional(),
});
export type GeneratorSummary = z.output<typeof generatorSummarySchema>;

export const modelInfoSchema = z.object({
  /** Stable id within the project: "models/<folder>" or "runs/<folder>". */
  id: z.string(),
  name: z.string(),
  origin: modelOriginSchema,
  kind: modelKindSchema,
  domains: domainNamesSchema,
  /** The directions it can translate, with the domain names filled in (CycleGAN: both). */
  directions: z.array(
    z.object({ direction: directionSchema, from: z.string(), to: z.string(), generator: generatorSummarySchema }),
  ),
  created: z.string().optional(),
  /** What the entry was made from (a run folder, an imported file's original path). */
  source: z.string().optional(),
});
export type ModelInfo = z.output<typeof modelInfoSchema>;

/** A library entry that could not be read: listed, with the reason, rather than hidden. */
export const brokenModelSchema = z.object({ id: z.string(), path: z.string(), error: z.string() });

const filePath = z
  .string()
  .min(1)
  .refine((p) => !p.includes('\0'), 'path contains a NUL byte');

/** The architecture found in a .pth, as `atelier inspect` prints it. */
export const inspectResultSchema = z.object({
  path: z.string(),
  /** 'generator' or 'discriminator'. */
  role: z.enum(['generator', 'discriminator']),
  description: z.string(),
  generator: generatorSummarySchema.optional(),
  tensors: z.number().int(),
  params: z.number().int(),
  notes: z.array(z.string()),
});
export type InspectResult = z.output<typeof inspectResultSchema>;

export const importModelInputSchema = z.strictObject({
  /** One .pth per direction it translates (a CycleGAN pair: latest_net_G_A and _G_B). */
  generators: z
    .array(z.strictObject({ path: filePath, direction: directionSchema }))
    .min(1, 'name at least one .pth file')
    .max(2)
    .refine((g) => new Set(g.map((x) => x.direction)).size === g.length, 'each direction at most once'),
  name: z.string().trim().min(1).max(100),
  domains: domainNamesSchema,
  /** Defaults to cycle_gan when both directions are given, else pix2pix. */
  kind: modelKindSchema.optional(),
  /**
   * Whether the generators were trained with dropout (not visible in a .pth: the
   * reference's pix2pix uses it, CycleGAN's defaults do not).
   */
  useDropout: z.boolean().optional(),
});
export type ImportModelInput = z.output<typeof importModelInputSchema>;

/**
 * The picture to translate. `path`: a file in the project (relative) or on disk
 * (absolute, e.g. opened with translate:open). `png`: pixels made in the renderer — a
 * label map painted for a label→photo model — as base64 PNG.
 */
export const translateSourceSchema = z.union([
  z.strictObject({ path: filePath }),
  z.strictObject({ png: z.base64().min(1) }),
]);
export type TranslateSource = z.output<typeof translateSourceSchema>;

/**
 * The painted mask at the source's full size: 1 byte per pixel, row-major, 0 = keep the
 * photo, 255 = translate (values between blend), run-length coded (src/shared/rle.ts) and
 * base64-encoded: a painted mask is long runs, so a 12-megapixel one travels as kilobytes.
 */
export const maskSchema = z.strictObject({
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  encoding: z.literal('rle'),
  data: z.base64(),
});
export type MaskPayload = z.output<typeof maskSchema>;

/** How the translation is laid over the photo. */
export const blendSchema = z.strictObject({
  mask: maskSchema.optional(),
  /** Feather radius in source pixels. */
  feather: z.number().min(0).max(500).default(0),
  /** 0 = the photo, 1 = the translation. */
  strength: z.number().min(0).max(1).default(1),
});

const translateCommon = {
  modelId: z.string().min(1),
  direction: directionSchema,
  source: translateSourceSchema,
  blend: blendSchema.optional(),
  /**
   * Normalisation at test time as the reference's --eval: true uses BatchNorm's running
   * statistics and turns dropout off; false (the reference's default) keeps train-mode
   * behaviour. Default: true for ours — see the engine's translate job.
   */
  eval: z.boolean().optional(),
};

export const previewInputSchema = z.strictObject({
  ...translateCommon,
  /** Longest side of the preview in pixels (the source is scaled down to it, never up). */
  maxSize: z.number().int().min(16).max(4096),
});
export type PreviewInput = z.output<typeof previewInputSchema>;

/** job:finished result of translate:preview. */
export const previewResultSchema = z.object({
  /** The composited result as base64 PNG, maxSize on its longest side at most. */
  png: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  sourceWidth: z.number().int(),
  sourceHeight: z.number().int(),
  /** Which inference engine ran the generator, and where. */
  engine: z.string(),
  /** Engine-side time: load (0 when cached), inference, encoding. */
  ms: z.object({ load: z.number(), infer: z.number(), total: z.number() }),
});
export type PreviewResult = z.output<typeof previewResultSchema>;

export const imageFormatSchema = z.enum(['png', 'jpeg']);

export const exportInputSchema = z.strictObject({
  ...translateCommon,
  source: z.strictObject({ path: filePath }),
  /** The file to write, relative to the project's exports/ folder. */
  output: z.string().min(1),
  format: imageFormatSchema.default('png'),
  /** JPEG quality 1–100. */
  quality: z.number().int().min(1).max(100).default(92),
  /** Replace an existing file; without it an existing file is an error. */
  overwrite: z.boolean().default(false),
  /** Tile size for inference at full resolution (pixels, before padding). */
  tile: z.number().int().min(64).max(4096).optional(),
});
export type ExportInput = z.output<typeof exportInputSchema>;

export const exportResultSchema = z.object({
  path: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  tiles: z.number().int(),
  engine: z.string(),
  ms: z.number(),
});
export type ExportResult = z.output<typeof exportResultSchema>;

export const batchInputSchema = z.strictObject({
  modelId: z.string().min(1),
  direction: directionSchema,
  /** A folder (its images, not recursive) or a list of image files. */
  input: z.union([z.strictObject({ folder: filePath }), z.strictObject({ files: z.array(filePath).min(1) })]),
  /** The folder to write into, relative to the project's exports/ folder. */
  output: z.string().min(1),
  format: imageFormatSchema.default('png'),
  quality: z.number().int().min(1).max(100).default(92),
  overwrite: z.boolean().default(false),
  strength: z.number().min(0).max(1).default(1),
  tile: z.number().int().min(64).max(4096).optional(),
  eval: z.boolean().optional(),
});
export type BatchInput = z.output<typeof batchInputSchema>;

export const batchResultSchema = z.object({
  outputDir: z.string(),
  written: z.array(z.object({ source: z.string(), output: z.string() })),
  failed: z.array(z.object({ source: z.string(), error: z.string() })),
  skipped: z.array(z.object({ source: z.string(), reason: z.string() })),
  ms: z.number(),
});
export type BatchResult = z.output<typeof batchResultSchema>;

/** A photo ready to translate: inside the project, so the renderer can show it. */
export const openedPhotoSchema = z.object({
  /** Absolute path (what translate:preview and translate:export take). */
  path: z.string(),
  /** The same file relative to the project folder (for projectFileUrl). */
  rel: z.string(),
  name: z.string(),
  /** Size after EXIF orientation: the size of the mask and of the export. */
  width: z.number().int(),
  height: z.number().int(),
});
export type OpenedPhoto = z.output<typeof openedPhotoSchema>;

/**
 * Which generator of a training run translates which way, with its constructor options,
 * from the run's options (for code that cannot load the engine's models module). The
 * reference's networks map their input side to their output side: pix2pix's G maps
 * real_A → fake_B, where real_A is the dataset's A side with --direction AtoB and its B
 * side with BtoA; CycleGAN's G_A does the same and G_B maps back. The engine's own rule is
 * engine/models/architecture.ts (generatorDirections, networkPlans); a unit test holds the
 * two to the same answers.
 */
export function runDirections(o: TrainOptions): Partial<
  Record<
    Direction,
    {
      network: 'G' | 'G_A' | 'G_B';
      netG: string;
      ngf: number;
      norm: TrainOptions['norm'];
      inputNc: number;
      outputNc: number;
      useDropout: boolean;
      initType: TrainOptions['init_type'];
      initGain: number;
    }
  >
> {
  const base = { netG: o.netG, ngf: o.ngf, norm: o.norm, useDropout: !o.no_dropout, initType: o.init_type, initGain: o.init_gain };
  const forward = o.direction;
  const backward: Direction = forward === 'AtoB' ? 'BtoA' : 'AtoB';
  if (o.model === 'pix2pix') return { [forward]: { ...base, inputNc: o.input_nc, outputNc: o.output_nc, network: 'G' } };
  return {
    [forward]: { ...base, inputNc: o.input_nc, outputNc: o.output_nc, network: 'G_A' },
    [backward]: { ...base, inputNc: o.output_nc, outputNc: o.input_nc, network: 'G_B' },
  };
}

const jobStarted = z.object({ jobId: z.string() });

export const translateRequests = {
  'models:list': request(
    noInput,
    z.object({ models: z.array(modelInfoSchema), broken: z.array(brokenModelSchema) }),
    "The open project's model library: training runs, saved models and imported checkpoints.",
  ),
  'models:inspect': request(
    z.strictObject({ path: filePath }),
    inspectResultSchema,
    'Detect the architecture of a .pth file (before importing it).',
  ),
  'models:import': request(
    importModelInputSchema,
    modelInfoSchema,
    "Copy reference .pth generator(s) into the project's models/ with the detected architecture and the domain names given.",
  ),
  'translate:open': request(
    z.union([
      z.strictObject({ path: filePath }),
      z.strictObject({ name: z.string().min(1).max(255), data: z.base64().min(1) }),
    ]),
    openedPhotoSchema,
    'Open a photo to translate: a path on disk or bytes the user picked; photos from outside the project are copied in.',
  ),
  'translate:preview': request(
    previewInputSchema,
    jobStarted,
    'Translate a scaled-down preview; the result (a PNG) arrives with job:finished.',
  ),
  'translate:export': request(
    exportInputSchema,
    jobStarted,
    'Translate a photo at full resolution (tiled) and write it under exports/; progress and result as job events.',
  ),
  'translate:batch': request(
    batchInputSchema,
    jobStarted,
    'Translate a folder of photos into exports/; the result lists every failure.',
  ),
};

