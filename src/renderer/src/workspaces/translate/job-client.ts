/**
 * One engine job as a promise: start it with a request that returns a jobId, follow its
 * progress, resolve with the result of its job:finished event, and cancel it with
 * job:cancel. Events can beat the request's reply, so they are buffered until the id is
 * known.
 */
import type { JobFinished, JobProgress } from '../../../../shared/api/engine';
import type { AtelierApi, RequestInput } from '../../../../shared/contract';
import { ApiError } from '../../api/errors';

export interface RunningJob<R> {
  /** Resolves with the job's result; rejects with an Error (code 'cancelled' when cancelled). */
  result: Promise<R>;
  /** Resolves once the engine accepted the job. */
  jobId: Promise<string>;
  /** Ask the engine to stop; safe at any time, before or after the id is known. */
  cancel(): void;
}

/** The requests that start a job and answer with its id. */
export type JobRequest = 'translate:preview' | 'translate:export' | 'translate:batch';

export function startJob<R, N extends JobRequest = JobRequest>(
  api: Pick<AtelierApi, 'invoke' | 'on'>,
  name: N,
  input: RequestInput<N>,
  onProgress?: (progress: JobProgress) => void,
): RunningJob<R> {
  let id: string | null = null;
  let cancelWanted = false;
  let settled = false;
  const early: { progress: JobProgress[]; finished: JobFinished[] } = { progress: [], finished: [] };
  let resolve!: (value: R) => void;
  let reject!: (error: Error) => void;
  const result = new Promise<R>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody may be listening yet (a cancelled preview); do not report it as unhandled.
  result.catch(() => undefined);

  const finish = (finished: JobFinished) => {
    if (settled) return;
    settled = true;
    offs.forEach((off) => off());
    if (finished.ok) resolve(finished.result as R);
    else {
      const e = finished.error ?? { code: 'failed' as const, message: 'The job failed without saying why.' };
      reject(new ApiError(e.code, e.message, name, e.details));
    }
  };
  const offs = [
    api.on('job:progress', (p) => {
      if (id === null) early.progress.push(p);
      else if (p.jobId === id) onProgress?.(p);
    }),
    api.on('job:finished', (f) => {
      if (id === null) early.finished.push(f);
      else if (f.jobId === id) finish(f);
    }),
  ];

  const jobId = (api.invoke as (n: N, i: RequestInput<N>) => Promise<{ jobId: string }>)(name, input).then(
    (reply) => {
      id = reply.jobId;
      for (const p of early.progress) if (p.jobId === id) onProgress?.(p);
      const done = early.finished.find((f) => f.jobId === id);
      early.progress = [];
      early.finished = [];
      if (done) finish(done);
      else if (cancelWanted) void sendCancel(id);
      return id;
    },
    (error: unknown) => {
      settled = true;
      offs.forEach((off) => off());
      reject(error instanceof Error ? error : new Error(String(error)));
      throw error;
    },
  );
  jobId.catch(() => undefined);

  const sendCancel = (jobIdToCancel: string) =>
    api.invoke('job:cancel', { jobId: jobIdToCancel }).catch(() => {
      // The link dropped or the job ended meanwhile: its job:finished says how it ended.
    });

  return {
    result,
    jobId,
    cancel() {
      if (settled || cancelWanted) return;
      cancelWanted = true;
      if (id !== null) void sendCancel(id);
    },
  };
}
