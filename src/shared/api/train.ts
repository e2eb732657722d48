/**
 * The Train workspace's channels: the project's training runs (`runs:*`) and the control
 * of a run (`train:*`). A run lives in `<project>/runs/<name>/` (options.json,
 * metrics.jsonl, checkpoints/, previews/, status.json); the dashboard reads its metrics
 * incrementally (`runs:metrics` with a byte offset) and follows `train:progress` events.
 */
import { z } from 'zod';
import { trainOptionFields, trainOptionsInputSchema } from '../train-options';
import { event, request } from './define';

/**
 * Where a run stands. `interrupted`: its status says it was running, but no job runs it
 * (the studio quit or the engine died); like `stopped` and `failed` it can be resumed from
 * its latest checkpoint.
 */
export const runStates = ['queued', 'running', 'paused', 'stopping', 'finished', 'stopped', 'failed', 'interrupted'] as const;
export const runStateSchema = z.enum(runStates);
export type RunState = z.output<typeof runStateSchema>;

/** States in which a job holds the run (the engine is, or will be, working on it). */
export const LIVE_RUN_STATES: ReadonlySet<RunState> = new Set(['queued', 'running', 'paused', 'stopping']);
/** States a run can be resumed from with `train:resume` (from its latest checkpoint, or unpaused). */
export const RESUMABLE_RUN_STATES: ReadonlySet<RunState> = new Set(['paused', 'stopped', 'failed', 'interrupted']);

export const runNameSchema = z
  .string()
  .min(1, 'a run needs a name')
  .max(128)
  .regex(/^[^/\\]+$/, 'a run name cannot contain / or \\')
  .refine((n) => n !== '.' && n !== '..' && !n.startsWith('.'), 'a run name cannot start with a dot');

/** The options as saved with the run (every field; see src/shared/train-options.ts). */
export const runOptionsSchema = z.object(trainOptionFields);

export const checkpointInfoSchema = z.object({
  /** `latest`, `epoch_<n>` or `iter_<n>`. */
  tag: z.string(),
  savedAt: z.string(),
  epoch: z.number().int().optional(),
  /** Training iterations done when it was saved. */
  step: z.number().int().optional(),
});
export type CheckpointInfo = z.output<typeof checkpointInfoSchema>;

export const runSummarySchema = z.object({
  name: z.string(),
  state: runStateSchema,
  /** Why it failed or was interrupted. */
  error: z.string().optional(),
  options: runOptionsSchema,
  /** The job that runs it now, while it is live. */
  jobId: z.string().nullable(),
  created: z.string(),
  updated: z.string(),
  /** Time spent training, over every start and resume. */
  durationSeconds: z.number(),
  /** The last step logged (training iterations, as the reference's total_iters / batch size). */
  step: z.number().int(),
  epoch: z.number().int(),
  /** Steps of the whole schedule when known (iterations per epoch × epochs). */
  totalSteps: z.number().int().nullable(),
  /** The last logged value of every loss, by the model's loss names. */
  lastLosses: z.record(z.string(), z.number()),
  lr: z.number().nullable(),
  checkpoints: z.array(checkpointInfoSchema),
  /** Model library id to translate with (its latest checkpoint), when it has one. */
  modelId: z.string().nullable(),
});
export type RunSummary = z.output<typeof runSummarySchema>;

/**
 * Metrics in columns, the way the charts use them: index i of every array is one logged
 * step. `losses` keeps the model's order (its `lossNames`); a loss missing from a record
 * is null there.
 */
export const metricColumnsSchema = z.object({
  step: z.array(z.number()),
  epoch: z.array(z.number()),
  /** Fractional epoch (epoch − 1 + iterations into it / iterations per epoch) for the epoch axis. */
  epochProgress: z.array(z.number()),
  /** Wall-clock time of the record, seconds since 1970. */
  time: z.array(z.number()),
  lr: z.array(z.number().nullable()),
  losses: z.record(z.string(), z.array(z.number().nullable())),
});
export type MetricColumns = z.output<typeof metricColumnsSchema>;

export const metricsInputSchema = z.strictObject({
  name: runNameSchema,
  /** Byte offset in metrics.jsonl to read from: 0, then the `next` of the previous answer. */
  offset: z.number().int().min(0).default(0),
  /**
   * At most this many records per answer (the rest comes with the next call); 50,000 steps
   * of 8 losses are ~12 MB of JSON, well inside one WebSocket message.
   */
  limit: z.number().int().min(1).max(200_000).default(50_000),
});

export const metricsResultSchema = z.object({
  /** The offset these records start at (0 when the log was replaced and must be re-read). */
  offset: z.number().int(),
  /** Where the next call starts: just after the last complete line returned. */
  next: z.number().int(),
  /** The log was rewritten since `offset` (a resume truncated it): drop what was read before. */
  reset: z.boolean(),
  /** More complete records are waiting past `next`. */
  more: z.boolean(),
  columns: metricColumnsSchema,
});
export type MetricsResult = z.output<typeof metricsResultSchema>;

export const previewEntrySchema = z.object({
  step: z.number().int(),
  epoch: z.number().int().optional(),
  time: z.number().optional(),
  /** The model's visuals (`visualNames`) in its order: project-relative PNG paths. */
  visuals: z.array(z.object({ name: z.string(), path: z.string() })),
});
export type PreviewEntry = z.output<typeof previewEntrySchema>;

export const validationIssueSchema = z.object({
  /** The option concerned (`crop_size`, `netG`, …) or `(options)`. */
  path: z.string(),
  message: z.string(),
  /** `error` blocks the start; `warning` is worth knowing. */
  severity: z.enum(['error', 'warning']),
});
export type ValidationIssue = z.output<typeof validationIssueSchema>;

export const validateResultSchema = z.object({
  ok: z.boolean(),
  issues: z.array(validationIssueSchema),
  /** The options the run would start with (defaults filled in), when they parse. */
  resolved: runOptionsSchema.nullable(),
  /** What the data loader would see, when the dataset could be read. */
  dataset: z
    .object({
      mode: z.string(),
      folders: z.array(z.string()),
      images: z.number().int(),
      /** Network input size after preprocessing, from the first sample. */
      width: z.number().int(),
      height: z.number().int(),
      stepsPerEpoch: z.number().int(),
    })
    .nullable(),
});
export type ValidateResult = z.output<typeof validateResultSchema>;

/** What the new-run form sends: options as the user set them (the model's defaults fill the rest). */
export const trainStartInputSchema = z.strictObject({ options: trainOptionsInputSchema });

/** Options a resumed run may change (the schedule's length and how often it saves). */
export const resumeOverridesSchema = z
  .strictObject({
    n_epochs: trainOptionFields.n_epochs,
    n_epochs_decay: trainOptionFields.n_epochs_decay,
    save_epoch_freq: trainOptionFields.save_epoch_freq,
    save_latest_freq: trainOptionFields.save_latest_freq,
    print_freq: trainOptionFields.print_freq,
    preview_freq: trainOptionFields.preview_freq,
  })
  .partial();

const nameInput = z.strictObject({ name: runNameSchema });
const stateOutput = z.object({ name: z.string(), state: runStateSchema, jobId: z.string().nullable() });

export const trainProgressSchema = z.object({
  name: z.string(),
  jobId: z.string().nullable(),
  state: runStateSchema,
  step: z.number().int(),
  totalSteps: z.number().int().nullable(),
  epoch: z.number().int(),
  totalEpochs: z.number().int(),
  losses: z.record(z.string(), z.number()),
  lr: z.number().nullable(),
  /** Training iterations per second, averaged over the last few. */
  itPerSec: z.number().nullable(),
  etaSeconds: z.number().nullable(),
  elapsedSeconds: z.number(),
  /** Engine memory: resident set and what TF.js holds in tensors. */
  memory: z.object({ rssMiB: z.number().optional(), tensorMiB: z.number().optional() }).nullable(),
  /** The step of the newest preview, when one was written since the last event. */
  previewStep: z.number().int().optional(),
  error: z.string().optional(),
  message: z.string().optional(),
});
export type TrainProgress = z.output<typeof trainProgressSchema>;

export const trainRequests = {
  'runs:list': request(
    z.strictObject({}).optional(),
    z.object({ runs: z.array(runSummarySchema), broken: z.array(z.object({ name: z.string(), error: z.string() })) }),
    "The open project's training runs, newest first, with options, state, duration, last losses and checkpoints.",
  ),
  'runs:get': request(nameInput, runSummarySchema, 'One run of the open project.'),
  'runs:metrics': request(
    metricsInputSchema,
    metricsResultSchema,
    "A run's logged metrics from a byte offset in its metrics.jsonl: call again with `next` to follow it.",
  ),
  'runs:previews': request(
    nameInput,
    z.object({ entries: z.array(previewEntrySchema) }),
    "A run's preview images (the model's visuals on fixed samples), oldest first.",
  ),
  'runs:exportCsv': request(
    nameInput,
    z.object({ path: z.string(), rel: z.string(), rows: z.number().int() }),
    "Write a run's metrics as CSV under the project's exports/ folder.",
  ),
  'train:validate': request(
    trainStartInputSchema,
    validateResultSchema,
    'Check options before a run starts: invalid combinations, the dataset, sizes the networks cannot take.',
  ),
  'train:start': request(
    trainStartInputSchema,
    stateOutput,
    'Start a new run in the project (runs/<name>); progress arrives as train:progress events.',
  ),
  'train:pause': request(nameInput, stateOutput, 'Pause a running run between two steps (the engine keeps it loaded).'),
  'train:resume': request(
    z.strictObject({ name: runNameSchema, overrides: resumeOverridesSchema.optional() }),
    stateOutput,
    'Resume a paused run, or continue a stopped, failed or interrupted one from its latest checkpoint.',
  ),
  'train:stop': request(nameInput, stateOutput, 'Stop a run: it saves a checkpoint first, so it can be resumed.'),
};

export const trainEvents = {
  'train:progress': event(trainProgressSchema, 'A run advanced or changed state (step, losses, rate, ETA, memory).'),
};
