/**
 * Dataset and label-map channels: importing photos and existing datasets, item states and
 * the train/val/test split, exporting in the reference's layouts, palettes, and saving
 * label maps. Paths in items are relative to the project folder (for projectFileUrl).
 */
import { z } from 'zod';
import { paletteSchema } from '../palettes';
import { event, request } from './define';
import { noInput } from './errors';

export const datasetKinds = ['paired', 'unpaired'] as const;
export const itemStates = ['unlabelled', 'in-progress', 'labelled', 'ready', 'excluded'] as const;
export const splits = ['train', 'val', 'test'] as const;
export const domains = ['A', 'B'] as const;

export type DatasetKind = (typeof datasetKinds)[number];
/**
 * unlabelled / in-progress / labelled: a photo of a paired dataset and its label map;
 * ready: an image that needs no label (an unpaired image, or a pair whose B is a photo);
 * excluded: kept in the project, left out of exports and training.
 */
export type ItemState = (typeof itemStates)[number];
export type Split = (typeof splits)[number];
export type Domain = (typeof domains)[number];

/** Pixel budget above which a photo is refused unless the user consents to downscaling. */
export const MAX_IMAGE_PIXELS = 50_000_000;

const relPath = z.string().min(1);

export const datasetItemSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]{1,64}$/),
  /** The file name it was imported as (unique within its domain; shown and used on export). */
  name: z.string().min(1),
  /** Paired: A is the photo. Unpaired: the domain it belongs to. */
  domain: z.enum(domains),
  /** The photo inside the project (as imported, or normalised when browsers cannot show it). */
  file: relPath,
  /** Oriented size: what is shown and what the label map matches. */
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  thumb: relPath,
  state: z.enum(itemStates),
  split: z.enum(splits),
  /** Set when the user chose this item's split by hand: re-splitting leaves it. */
  splitLocked: z.boolean().optional(),
  /** Label map files (colour PNG and class-id PNG), once one exists. */
  label: z.object({ color: relPath, ids: relPath, saved: z.iso.datetime() }).optional(),
  /** Paired datasets whose B is an image rather than a label map (imported A|B pairs). */
  target: relPath.optional(),
  /** What import did to the file (downscaled, orientation applied, converted to sRGB). */
  notes: z.array(z.string()).optional(),
});

export type DatasetItem = z.output<typeof datasetItemSchema>;

export const splitRatiosSchema = z
  .object({ train: z.number().min(0), val: z.number().min(0), test: z.number().min(0) })
  .refine((r) => r.train + r.val + r.test > 0, 'split ratios must not all be zero');

export const datasetSchema = z.object({
  kind: z.enum(datasetKinds),
  /** The palette label maps use (paired datasets). */
  paletteId: z.string(),
  split: z.object({ seed: z.number().int(), ratios: splitRatiosSchema }),
  items: z.array(datasetItemSchema),
});

export type Dataset = z.output<typeof datasetSchema>;

export const datasetViewSchema = datasetSchema.extend({
  /** Display names of the two domains (project manifest). */
  domainNames: z.object({ A: z.string(), B: z.string() }),
  counts: z.object({
    total: z.number().int(),
    byState: z.record(z.enum(itemStates), z.number().int()),
    bySplit: z.record(z.enum(splits), z.number().int()),
  }),
  /** Bumped on every change; the grid refetches when it moves. */
  revision: z.number().int(),
});

export type DatasetView = z.output<typeof datasetViewSchema>;

export const importIssueSchema = z.object({
  /** The path or uploaded file name. */
  source: z.string(),
  reason: z.string(),
});

export const importReportSchema = z.object({
  added: z.number().int(),
  /** Files that are not images (skipped) or images that could not be decoded. */
  skipped: z.array(importIssueSchema),
  corrupt: z.array(importIssueSchema),
  /** Images over MAX_IMAGE_PIXELS, refused: import again with downscaleLarge to accept. */
  tooLarge: z.array(z.object({ source: z.string(), width: z.number(), height: z.number() })),
  /** Items renamed because their name was taken. */
  renamed: z.array(z.object({ source: z.string(), name: z.string() })),
  /** The layout that was read (folder imports). */
  layout: z.string().optional(),
  messages: z.array(z.string()),
});

export type ImportReport = z.output<typeof importReportSchema>;

export const importLayouts = ['auto', 'images', 'aligned', 'unaligned', 'ab-folders'] as const;
export type ImportLayout = (typeof importLayouts)[number];

const absolutePath = z
  .string()
  .min(1, 'a path is required')
  .refine((p) => !p.includes('\0'), 'path contains a NUL byte');

const importCommon = {
  /** Which domain plain photos go to (unpaired datasets); paired photos are A. */
  domain: z.enum(domains).optional(),
  /** Consent to downscale images over MAX_IMAGE_PIXELS instead of refusing them. */
  downscaleLarge: z.boolean().optional(),
};

export const exportFormats = ['aligned', 'ab-folders', 'unaligned'] as const;

/** Class ids on the wire: run-length coded (src/shared/rle.ts), then base64. */
export const labelEncodings = ['rle'] as const;

export const datasetRequests = {
  'dataset:get': request(noInput, datasetViewSchema, 'The open project\'s dataset with its items and counts.'),
  'dataset:configure': request(
    z.strictObject({
      kind: z.enum(datasetKinds).optional(),
      paletteId: z.string().min(1).optional(),
      domainNames: z.strictObject({ A: z.string().trim().min(1).max(80), B: z.string().trim().min(1).max(80) }).optional(),
    }),
    datasetViewSchema,
    'Set the dataset kind (only while it is empty), its palette and the names of its two domains.',
  ),
  'dataset:importFiles': request(
    z.strictObject({ paths: z.array(absolutePath).min(1).max(100_000), ...importCommon }),
    importReportSchema,
    'Import image files by path (file dialog, drag and drop in the desktop app).',
  ),
  'dataset:importData': request(
    z.strictObject({
      files: z.array(z.strictObject({ name: z.string().min(1).max(255), data: z.base64() })).min(1).max(1000),
      ...importCommon,
    }),
    importReportSchema,
    'Import image files sent as bytes (browser file picker and drag and drop).',
  ),
  'dataset:importFolder': request(
    z.strictObject({
      dir: absolutePath,
      layout: z.enum(importLayouts).optional(),
      /** Aligned A|B images: which half is the label map (auto: the half nearer the palette). */
      labelSide: z.enum(['auto', 'A', 'B', 'none']).optional(),
      ...importCommon,
    }),
    importReportSchema,
    'Import a folder: plain photos, or a dataset in the reference\'s layouts (aligned A|B, trainA/trainB, A/ and B/).',
  ),
  'dataset:setState': request(
    z.strictObject({ ids: z.array(z.string()).min(1), state: z.enum(itemStates) }),
    datasetViewSchema,
    'Set the state of items (excluded items stay in the project but are not exported).',
  ),
  'dataset:setSplit': request(
    z.strictObject({ ids: z.array(z.string()).min(1), split: z.enum(splits) }),
    datasetViewSchema,
    'Put items in a split by hand; re-splitting leaves them there.',
  ),
  'dataset:resplit': request(
    z.strictObject({ seed: z.number().int(), ratios: splitRatiosSchema, keepLocked: z.boolean().optional() }),
    datasetViewSchema,
    'Assign splits by a seeded shuffle with the given ratios (same seed, same split).',
  ),
  'dataset:remove': request(
    z.strictObject({ ids: z.array(z.string()).min(1) }),
    datasetViewSchema,
    'Remove items and their files from the project.',
  ),
  'dataset:export': request(
    z.strictObject({
      dir: absolutePath,
      format: z.enum(exportFormats),
      imageFormat: z.enum(['png', 'jpg']).optional(),
      /** Overwrite files in a non-empty folder. */
      overwrite: z.boolean().optional(),
    }),
    z.object({
      dir: z.string(),
      format: z.enum(exportFormats),
      counts: z.record(z.string(), z.number().int()),
      skipped: z.array(importIssueSchema),
    }),
    'Write the dataset with its split: aligned A|B images (dir/<split>/), or A/ and B/ folders (dir/A/<split>/, dir/B/<split>/), or trainA/trainB (unpaired).',
  ),
  'labels:palettes': request(
    noInput,
    z.object({ builtin: z.array(paletteSchema), custom: z.array(paletteSchema) }),
    'Built-in palettes and the project\'s custom palettes.',
  ),
  'labels:savePalette': request(
    z.strictObject({ palette: paletteSchema }),
    z.object({ custom: z.array(paletteSchema) }),
    'Create or replace a custom palette (saved in the project manifest).',
  ),
  'labels:deletePalette': request(
    z.strictObject({ id: z.string() }),
    z.object({ custom: z.array(paletteSchema) }),
    'Delete a custom palette that no dataset uses.',
  ),
  'labels:load': request(
    z.strictObject({ itemId: z.string() }),
    z.object({
      width: z.number().int(),
      height: z.number().int(),
      encoding: z.enum(labelEncodings),
      /** Class ids, row-major, one byte per pixel, run-length coded and base64-encoded. */
      data: z.base64(),
    }).nullable(),
    'The saved label map of an item as class ids, or null when it has none.',
  ),
  'labels:save': request(
    z.strictObject({
      itemId: z.string(),
      width: z.number().int().positive(),
      height: z.number().int().positive(),
      encoding: z.enum(labelEncodings),
      data: z.base64(),
      /** The item's state after the save: in progress while painting, labelled when done. */
      state: z.enum(['in-progress', 'labelled']).optional(),
    }),
    z.object({ item: datasetItemSchema, bytes: z.object({ color: z.number(), ids: z.number() }) }),
    'Save a label map: the colour PNG and the class-id PNG, each written atomically.',
  ),
};

export const datasetEvents = {
  'dataset:changed': event(z.object({ revision: z.number().int() }), 'The dataset changed (import, state, split, save).'),
  'dataset:progress': event(
    z.object({ task: z.enum(['import', 'export']), done: z.number().int(), total: z.number().int(), current: z.string().optional() }),
    'Progress of a long import or export.',
  ),
};
