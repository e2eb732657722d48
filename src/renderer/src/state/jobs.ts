import type { JobFinished, JobProgress } from '../../../shared/api/engine';

export type JobState = 'running' | 'cancelling' | 'succeeded' | 'failed' | 'cancelled';

export interface JobView {
  jobId: string;
  kind: string;
  state: JobState;
  done: number;
  total: number;
  message: string;
  /** Why it failed, when it did. */
  error?: string;
  result?: unknown;
}

/** Jobs by id, in the order they were first seen. Finished ones are kept (the last few) for the status bar. */
export type Jobs = readonly JobView[];

const KEEP_FINISHED = 20;

const KIND_LABELS: Record<string, string> = {
  selftest: 'Engine self-test',
  train: 'Training',
  translate: 'Translation',
  'translate:export': 'Export',
  'translate:batch': 'Batch translation',
};

/**
 * Jobs a view runs continuously on its own (live previews, cancelled as often as they
 * finish): the view shows them; the job list and the toasts leave them out.
 */
export const isBackgroundJob = (kind: string): boolean => kind === 'translate:preview';

/**
 * Jobs whose workspace announces how they ended, in its own words (the Train workspace
 * names the run and why it stopped): the shell tracks them but raises no toast of its own.
 */
export const announcesOwnOutcome = (kind: string): boolean => kind === 'train';

/** The name a job kind is shown under. */
export function jobLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind.charAt(0).toUpperCase() + kind.slice(1).replace(/[-_]/g, ' ');
}

export const isActive = (job: JobView): boolean => job.state === 'running' || job.state === 'cancelling';

/** The job the status bar shows: the newest active one. */
export const activeJob = (jobs: Jobs): JobView | undefined => jobs.findLast(isActive);

/** The newest job, active or finished, so a just-finished one stays visible with its outcome. */
export const latestJob = (jobs: Jobs): JobView | undefined => activeJob(jobs) ?? jobs.at(-1);

function upsert(jobs: Jobs, jobId: string, update: (job: JobView | undefined) => JobView): Jobs {
  const index = jobs.findIndex((job) => job.jobId === jobId);
  if (index < 0) return prune([...jobs, update(undefined)]);
  const next = [...jobs];
  next[index] = update(jobs[index]);
  return next;
}

function prune(jobs: JobView[]): Jobs {
  const finished = jobs.filter((job) => !isActive(job));
  if (finished.length <= KEEP_FINISHED) return jobs;
  const drop = new Set(finished.slice(0, finished.length - KEEP_FINISHED));
  return jobs.filter((job) => !drop.has(job));
}

/** A request started a job. Events may have beaten the reply here: never undo what they reported. */
export function jobStarted(jobs: Jobs, jobId: string, kind: string): Jobs {
  if (jobs.some((job) => job.jobId === jobId)) return jobs;
  return upsert(jobs, jobId, () => ({ jobId, kind, state: 'running', done: 0, total: 0, message: 'Starting…' }));
}

export function jobProgressed(jobs: Jobs, progress: JobProgress): Jobs {
  return upsert(jobs, progress.jobId, (job) => {
    // A late progress event must not revive a job that already finished.
    if (job && !isActive(job)) return job;
    return {
      jobId: progress.jobId,
      kind: progress.kind,
      state: job?.state ?? 'running',
      done: progress.done,
      total: progress.total,
      message: progress.message,
    };
  });
}

export function jobCancelling(jobs: Jobs, jobId: string): Jobs {
  return jobs.map((job) => (job.jobId === jobId && job.state === 'running' ? { ...job, state: 'cancelling' } : job));
}

/** The cancel request found nothing to cancel: the job is running again as far as we know, or gone. */
export function jobCancelRefused(jobs: Jobs, jobId: string): Jobs {
  return jobs.map((job) => (job.jobId === jobId && job.state === 'cancelling' ? { ...job, state: 'running' } : job));
}

export function jobFinished(jobs: Jobs, finished: JobFinished): Jobs {
  return upsert(jobs, finished.jobId, (job) => {
    const base = job ?? { jobId: finished.jobId, kind: finished.kind, done: 0, total: 0, message: '' };
    if (finished.ok) return { ...base, state: 'succeeded', result: finished.result, done: base.total || base.done };
    const cancelled = finished.error?.code === 'cancelled';
    return {
      ...base,
      state: cancelled ? 'cancelled' : 'failed',
      error: cancelled ? undefined : (finished.error?.message ?? 'The job failed without saying why.'),
    };
  });
}
