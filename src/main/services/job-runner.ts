import { randomUUID } from 'node:crypto';
import type { EventName, EventPayload } from '../../shared/contract';
import { toApiErrorShape } from './api-error';
import type { EngineHost } from './engine-host';

type Emit = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

/**
 * Jobs started from the UI: each gets an id at once (the request returns it), and its
 * progress and outcome arrive as job:progress / job:finished events.
 */
export class JobRunner {
  constructor(
    private readonly engine: EngineHost,
    private readonly emit: Emit,
  ) {}

  start(kind: string, params: unknown): { jobId: string } {
    const jobId = randomUUID();
    this.engine
      .run(kind, params, {
        jobId,
        onProgress: (update) => this.emit('job:progress', { jobId, kind, ...update }),
      })
      .then(
        (result) => this.emit('job:finished', { jobId, kind, ok: true, result }),
        (err: unknown) => this.emit('job:finished', { jobId, kind, ok: false, error: toApiErrorShape(err) }),
      );
    return { jobId };
  }

  cancel(jobId: string): boolean {
    return this.engine.cancel(jobId);
  }
}
