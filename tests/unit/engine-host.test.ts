import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineState, EngineStatus, SelftestResult } from '../../src/shared/api/engine';
import { ApiError } from '../../src/main/services/api-error';
import { EngineHost, type EngineSpawner, type JobProgressUpdate } from '../../src/main/services/engine-host';
import type { EngineToMain } from '../../src/main/engine/jobs';
import { forkEngineSpawner } from '../../src/main/services/engine-spawner-fork';
import { buildEngineForTests } from '../helpers/engine-build';

/** The selftest's computation in float64: power iteration, then the Rayleigh quotient. */
function referenceEigenvalue(n: number, steps: number): number {
  const a = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => Math.cos(i + j) / n + (i === j ? 1 : 0)));
  const mul = (v: number[]) => a.map((row) => row.reduce((s, aij, j) => s + aij * v[j], 0));
  let x = new Array(n).fill(1 / Math.sqrt(n));
  for (let s = 0; s < steps; s++) {
    const ax = mul(x);
    const norm = Math.hypot(...ax);
    x = ax.map((v) => v / norm);
  }
  return mul(x).reduce((s, v, i) => s + v * x[i], 0);
}

function waitFor(host: EngineHost, predicate: (s: EngineStatus) => boolean, timeoutMs = 60_000): Promise<EngineStatus> {
  return new Promise((resolve, reject) => {
    if (predicate(host.status())) return resolve(host.status());
    const timer = setTimeout(() => {
      off();
      reject(new Error(`engine status never matched; last: ${JSON.stringify(host.status())}`));
    }, timeoutMs);
    const off = host.onStatus((s) => {
      if (predicate(s)) {
        clearTimeout(timer);
        off();
        resolve(s);
      }
    });
  });
}

const rejection = async (promise: Promise<unknown>): Promise<ApiError> => {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected the job to be rejected');
};

describe('EngineHost with a real forked engine', () => {
  let entry: string;
  let host: EngineHost;
  const states: EngineState[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    entry = await buildEngineForTests();
    host = new EngineHost({ spawner: forkEngineSpawner(entry), restartBaseDelayMs: 50, cancelGraceMs: 5_000 });
    host.onStatus((s) => {
      if (states[states.length - 1] !== s.state) states.push(s.state);
    });
    host.onLog((level, message) => logs.push(`${level}: ${message}`));
    host.start();
    await waitFor(host, (s) => s.state === 'ready');
  });

  afterAll(async () => {
    await host?.stop();
  });

  it('initialises a backend and reports it', () => {
    const status = host.status();
    expect(status.state).toBe('ready');
    expect(status.backend?.name).toMatch(/^(tensorflow-gpu|tensorflow|wasm|cpu)$/);
    expect(status.backend?.attempts.some((a) => a.ok && a.backend === status.backend?.name)).toBe(true);
    expect(host.pid).toBeTypeOf('number');
    expect(states).toEqual(['starting', 'ready']);
  });

  it('runs the selftest job in the engine with progress and a correct result', async () => {
    const progress: JobProgressUpdate[] = [];
    const result = await host.run<SelftestResult>('selftest', { size: 24, steps: 12 }, { onProgress: (p) => progress.push(p) });
    expect(progress.map((p) => p.done)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(progress.every((p) => p.total === 12)).toBe(true);
    expect(result.size).toBe(24);
    expect(result.steps).toBe(12);
    expect(result.backend).toBe(host.status().backend?.name);
    const expected = referenceEigenvalue(24, 12);
    expect(Math.abs(result.eigenvalue - expected)).toBeLessThan(1e-4 * Math.max(1, Math.abs(expected)));
    expect(host.status()).toMatchObject({ state: 'ready', job: null, queued: 0 });
  });

  it('rejects bad parameters and unknown kinds with clear errors, and stays usable', async () => {
    const bad = await rejection(host.run('selftest', { size: 'large' }));
    expect(bad.code).toBe('invalid-payload');
    expect(bad.message).toMatch(/size/);
    const unknown = await rejection(host.run('no-such-job', {}));
    expect(unknown.code).toBe('failed');
    expect(unknown.message).toMatch(/Unknown job kind "no-such-job".*selftest/);
    await expect(host.run('selftest', { size: 4, steps: 1 })).resolves.toMatchObject({ steps: 1 });
  });

  it('cancels a running job and a queued one; the engine keeps running', async () => {
    const pid = host.pid;
    let firstProgress!: () => void;
    const started = new Promise<void>((r) => (firstProgress = r));
    const running = host.run('selftest', { size: 8, steps: 100_000, stepDelayMs: 5 }, { jobId: 'long', onProgress: () => firstProgress() });
    const controller = new AbortController();
    const queued = host.run('selftest', { size: 8, steps: 3 }, { signal: controller.signal });
    await started;
    expect(host.status()).toMatchObject({ state: 'busy', job: { jobId: 'long', kind: 'selftest' }, queued: 1 });

    controller.abort();
    expect((await rejection(queued)).code).toBe('cancelled');
    expect(host.status().queued).toBe(0);

    expect(host.cancel('long')).toBe(true);
    const err = await rejection(running);
    expect(err.code).toBe('cancelled');
    expect(host.cancel('long')).toBe(false);
    expect(host.pid).toBe(pid);
    await expect(host.run('selftest', { size: 4, steps: 2 })).resolves.toMatchObject({ steps: 2 });
  });

  it('detects a killed engine: the in-flight job fails clearly, the engine restarts and works', async () => {
    const pid = host.pid!;
    states.length = 0;
    let firstProgress!: () => void;
    const started = new Promise<void>((r) => (firstProgress = r));
    const inFlight = host.run('selftest', { size: 8, steps: 100_000, stepDelayMs: 5 }, { jobId: 'doomed', onProgress: () => firstProgress() });
    await started;
    process.kill(pid, 'SIGKILL');

    const err = await rejection(inFlight);
    expect(err.code).toBe('failed');
    expect(err.message).toMatch(/engine process was killed \(SIGKILL\) while running job doomed \(selftest\).*restarted/);

    const status = await waitFor(host, (s) => s.state === 'ready');
    expect(status.restarts).toBe(1);
    expect(status.backend).not.toBeNull();
    expect(host.pid).not.toBe(pid);
    expect(states).toEqual(['busy', 'crashed', 'restarting', 'starting', 'ready']);
    expect(logs.some((l) => l.startsWith('error: The engine process was killed (SIGKILL)'))).toBe(true);

    const again = await host.run<SelftestResult>('selftest', { size: 10, steps: 5 });
    expect(Math.abs(again.eigenvalue - referenceEigenvalue(10, 5))).toBeLessThan(1e-4 * Math.abs(referenceEigenvalue(10, 5)));
  });

  it('stop() cancels the running job and ends the process', async () => {
    let firstProgress!: () => void;
    const started = new Promise<void>((r) => (firstProgress = r));
    const job = host.run('selftest', { size: 8, steps: 100_000, stepDelayMs: 5 }, { onProgress: () => firstProgress() });
    await started;
    const pid = host.pid!;
    const outcome = rejection(job);
    await host.stop();
    expect((await outcome).code).toBe('cancelled');
    expect(host.status().state).toBe('stopped');
    expect(() => process.kill(pid, 0)).toThrow();
    const refused = await rejection(host.run('selftest', {}));
    expect(refused.message).toMatch(/not running/);
  });
});

describe('EngineHost restart limit', () => {
  it('gives up after repeated deaths, failing queued jobs with the reason', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atelier-engine-'));
    const entry = join(dir, 'dies.mjs');
    writeFileSync(entry, 'console.error("cannot start"); process.exit(3);\n');
    const host = new EngineHost({ spawner: forkEngineSpawner(entry), maxRestarts: 2, restartBaseDelayMs: 10 });
    const logs: string[] = [];
    host.onLog((level, message) => logs.push(`${level}: ${message}`));
    host.start();
    const job = host.run('selftest', {});
    const err = await rejection(job);
    expect(err.message).toMatch(/exited with code 3; it died 3 times within 60 s, so it is not restarted/);
    expect(host.status()).toMatchObject({ state: 'crashed', restarts: 2 });
    expect(logs).toContain('warn: [engine] cannot start');
    expect((await rejection(host.run('selftest', {}))).message).toMatch(/not restarted/);
  });

  it('reports a missing engine build clearly', async () => {
    const host = new EngineHost({ spawner: forkEngineSpawner('/nonexistent/engine.js') });
    host.start();
    expect(host.status()).toMatchObject({ state: 'crashed' });
    expect(host.status().error).toMatch(/\/nonexistent\/engine\.js does not exist; run `npm run build`/);
  });
});

describe('EngineHost with a job that ignores cancel', () => {
  /** An in-process stand-in for the engine: ready at once, runs every job forever, ignores cancel. */
  function stubbornEngine() {
    const spawned: { killed: boolean }[] = [];
    const spawner: EngineSpawner = {
      spawn() {
        const state = { killed: false };
        spawned.push(state);
        let onMessage: (m: EngineToMain) => void = () => undefined;
        const exits: ((e: { code: number | null; signal: string | null }) => void)[] = [];
        queueMicrotask(() => onMessage({ type: 'status', state: 'ready', backend: { name: 'cpu', device: 'stub', attempts: [] } }));
        return {
          pid: 1000 + spawned.length,
          send(message) {
            if (message.type === 'job') onMessage({ type: 'progress', id: message.id, done: 0, total: 1, message: 'working' });
          },
          onMessage: (l) => void (onMessage = l),
          onExit: (l) => void exits.push(l),
          kill() {
            state.killed = true;
            setTimeout(() => exits.splice(0).forEach((l) => l({ code: null, signal: 'SIGTERM' })), 1);
          },
        };
      },
    };
    return { spawner, spawned };
  }

  it('kills the engine after the grace period, reports the job cancelled and starts a fresh engine', async () => {
    const { spawner, spawned } = stubbornEngine();
    const host = new EngineHost({ spawner, cancelGraceMs: 50, maxRestarts: 0 });
    const logs: string[] = [];
    host.onLog((level, message) => logs.push(`${level}: ${message}`));
    host.start();
    await waitFor(host, (s) => s.state === 'ready');
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const job = host.run('anything', {}, { jobId: 'stuck', onProgress: () => started() });
    await running;
    expect(host.cancel('stuck')).toBe(true);
    expect(spawned[0].killed).toBe(false);
    const err = await rejection(job);
    expect(err.code).toBe('cancelled');
    expect(spawned[0].killed).toBe(true);
    expect(logs).toContain('warn: Job stuck (anything) did not stop within 50 ms; restarting the engine');
    // Not counted as a crash: with maxRestarts 0 a real death would leave it down.
    const status = await waitFor(host, (s) => s.state === 'ready');
    expect(spawned).toHaveLength(2);
    expect(status.error).toBeUndefined();
    await host.stop();
  });
});
