import { z } from 'zod';
import type { BackendInfo } from '../backend';
import { event, request } from './define';
import { apiErrorSchema, noInput } from './errors';

const backendName = z.enum(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);

export const backendInfoSchema: z.ZodType<BackendInfo> = z.object({
  name: backendName,
  device: z.string(),
  threads: z.number().int().optional(),
  attempts: z.array(z.object({ backend: backendName, ok: z.boolean(), reason: z.string().optional() })),
  inference: z
    .object({ name: z.literal('onnxruntime'), device: z.string(), providers: z.array(z.string()) })
    .optional(),
});

export const engineStates = ['starting', 'ready', 'busy', 'crashed', 'restarting', 'stopped'] as const;
export type EngineState = (typeof engineStates)[number];

export const engineStatusSchema = z.object({
  state: z.enum(engineStates),
  /** Known once the engine process has initialised its backend. */
  backend: backendInfoSchema.nullable(),
  /** The job the engine is running now; jobs run one at a time, the rest wait in order. */
  job: z.object({ jobId: z.string(), kind: z.string() }).nullable(),
  queued: z.number().int().min(0),
  /** Times the engine process was restarted after dying. */
  restarts: z.number().int().min(0),
  /** Why the engine is crashed/stopped, when it is. */
  error: z.string().optional(),
});

export type EngineStatus = z.output<typeof engineStatusSchema>;

export const jobProgressSchema = z.object({
  jobId: z.string(),
  kind: z.string(),
  done: z.number(),
  total: z.number(),
  message: z.string(),
  /** JSON-only partial results a job streams (losses, metrics, preview ids). */
  data: z.unknown().optional(),
});

export type JobProgress = z.output<typeof jobProgressSchema>;

export const jobFinishedSchema = z.object({
  jobId: z.string(),
  kind: z.string(),
  ok: z.boolean(),
  result: z.unknown().optional(),
  error: apiErrorSchema.optional(),
});

export type JobFinished = z.output<typeof jobFinishedSchema>;

/** Parameters of the demo job that proves the engine boundary (see engine/jobs/selftest.ts). */
export const selftestParamsSchema = z.strictObject({
  size: z.number().int().min(2).max(1024).optional(),
  steps: z.number().int().min(1).max(100_000).optional(),
  stepDelayMs: z.number().int().min(0).max(10_000).optional(),
});

export type SelftestParams = z.output<typeof selftestParamsSchema>;

export const selftestResultSchema = z.object({
  backend: z.string(),
  size: z.number().int(),
  steps: z.number().int(),
  /** Dominant eigenvalue estimate of the test matrix (a value callers can check). */
  eigenvalue: z.number(),
  ms: z.number(),
});

export type SelftestResult = z.output<typeof selftestResultSchema>;

export const engineRequests = {
  'engine:status': request(noInput, engineStatusSchema, 'The engine process state, its backend and the running job.'),
  'engine:selftest': request(
    selftestParamsSchema.optional(),
    z.object({ jobId: z.string() }),
    'Start the demo job (a small tensor computation with progress); progress and result arrive as job events.',
  ),
  'job:cancel': request(
    z.strictObject({ jobId: z.string().min(1) }),
    z.object({ cancelled: z.boolean() }),
    'Cancel a queued or running job; cancelled is false when the job is unknown or already finished.',
  ),
};

export const engineEvents = {
  'job:progress': event(jobProgressSchema, 'Progress of a running job.'),
  'job:finished': event(jobFinishedSchema, 'A job ended: its result, or the error (code cancelled when cancelled).'),
  'engine:status': event(engineStatusSchema, 'The engine state changed.'),
};
