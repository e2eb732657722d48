/**
 * The job protocol between main (services/engine-host.ts) and the engine process
 * (engine/worker.ts), and the shape of a job. Messages are plain JSON, so the same
 * protocol runs over Node's fork IPC and Electron's utilityProcess port.
 */
import type { z } from 'zod';
import type { BackendInfo } from '../../../shared/backend';

export type JobErrorCode = 'cancelled' | 'failed' | 'invalid-payload' | 'unknown-job';

/** main → engine */
export type MainToEngine =
  | { type: 'job'; id: string; kind: string; params: unknown }
  | { type: 'cancel'; id: string }
  /** Hold a running job at its next `pausePoint()`, or let it go on. */
  | { type: 'pause' | 'resume'; id: string };

/** engine → main */
export type EngineToMain =
  | { type: 'status'; state: 'ready'; backend: BackendInfo }
  | { type: 'status'; state: 'failed'; error: string }
  | { type: 'progress'; id: string; done: number; total: number; message: string; data?: unknown }
  /** The job reached a pause point and waits (true), or goes on again (false). */
  | { type: 'paused'; id: string; paused: boolean }
  | { type: 'result'; id: string; result: unknown }
  | { type: 'error'; id: string; error: { code: JobErrorCode; message: string } }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string };

/** What a running job can use besides its parameters. */
export interface JobContext {
  /** Aborted when the job is cancelled; long loops check it between steps. */
  signal: AbortSignal;
  /** The backend the engine initialised (name, device). */
  backend: BackendInfo;
  /** Report progress; `data` is a JSON-only partial result (losses, metrics). */
  progress(done: number, total: number, message?: string, data?: unknown): void;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
  /**
   * Long jobs call it between steps: resolves at once unless the job was paused, else
   * when it is resumed or cancelled (check `signal` after it).
   */
  pausePoint(): Promise<void>;
}

/**
 * One kind of job the engine runs. `params` validates what main sends (the engine checks
 * it again: jobs are also started by the CLI and by other services); `run` resolves with a
 * JSON-serialisable result or throws. A cancelled job throws (signal.throwIfAborted()).
 */
export interface JobDefinition<S extends z.ZodType = z.ZodType, R = unknown> {
  kind: string;
  params: S;
  run(params: z.output<S>, context: JobContext): Promise<R>;
}

export const defineJob = <S extends z.ZodType, R>(definition: JobDefinition<S, R>): JobDefinition<S, R> => definition;

/** Give the event loop a turn so a cancel message can arrive between compute steps. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
