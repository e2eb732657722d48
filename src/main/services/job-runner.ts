import { randomUUID } from 'node:crypto';
import type { EventName, EventPayload } from '../../shared/contract';
import { toApiErrorShape } from './api-error';
import type { ApiErrorShape } from '../../shared/api/errors';
import type { EngineHost, JobProgressUpdate } from './engine-host';

type Emit = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

export interface JobHooks {
  onProgress?: (update: JobProgressUpdate) => void;
  onPaused?: (paused: boolean) => void;
  /** How long the job may take to stop once cancelled (a training run saves a checkpoint). */
  cancelGraceMs?: number;
  /** Runs before job:finished is emitted, so what it records is there when the UI reacts. */
  onSettled?: (outcome: { ok: true; result: unknown } | { ok: false; error: ApiErrorShape }) => void | Promise<void>;
}

/**
 * Jobs started from the UI: each gets an id at once (the request returns it), and its
 * progress and outcome arrive as job:progress / job:finished events.
 */
export class JobRunner {
  constructor(
    private readonly engine: EngineHost,
    private readonly emit: Emit,
  ) {}

  /** `hooks` let the service that started the job follow it too (before the events go out). */
  start(kind: string, params: unknown, hooks: JobHooks = {}): { jobId: string } {
    const jobId = randomUUID();
    this.engine
      .run(kind, params, {
        jobId,
        onProgress: (update) => {
          hooks.onProgress?.(update);
          this.emit('job:progress', { jobId, kind, ...update });
        },
        ...(hooks.onPaused ? { onPaused: hooks.onPaused } : {}),
        ...(hooks.cancelGraceMs !== undefined ? { cancelGraceMs: hooks.cancelGraceMs } : {}),
      })
      .then(
        async (result) => {
          await settle(hooks, { ok: true, result });
          this.emit('job:finished', { jobId, kind, ok: true, result });
        },
        async (err: unknown) => {
          const error = toApiErrorShape(err);
          await settle(hooks, { ok: false, error });
          this.emit('job:finished', { jobId, kind, ok: false, error });
        },
      );
    return { jobId };
  }

  cancel(jobId: string): boolean {
    return this.engine.cancel(jobId);
  }
}

/** A hook's failure must not keep the job's outcome from being reported. */
async function settle(hooks: JobHooks, outcome: Parameters<NonNullable<JobHooks['onSettled']>>[0]): Promise<void> {
  try {
    await hooks.onSettled?.(outcome);
  } catch {
    // The job:finished event still goes out; the hook's owner logs its own failures.
  }
}
