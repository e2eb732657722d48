/**
 * The renderer's state and commands against an in-memory main: projects, the recent
 * list, job progress and cancellation as events arrive (in any order), engine crashes
 * and lost connections surfacing as toasts.
 */
import { describe, expect, it, vi } from 'vitest';
import { createClient } from '../../src/renderer/src/api/client';
import { ApiError } from '../../src/renderer/src/api/errors';
import type { ConnectionState, Transport } from '../../src/renderer/src/api/transport';
import { activeJob, latestJob } from '../../src/renderer/src/state/jobs';
import { createStore } from '../../src/renderer/src/state/store';
import { createStudio, SELFTEST_DEMO } from '../../src/renderer/src/state/studio';
import { createToasts } from '../../src/renderer/src/state/toasts';

const backend = { name: 'wasm' as const, device: 'CPU, 2 threads, SIMD', threads: 2, attempts: [] };
const manifest = (name: string) => ({
  format: 'atelier-project' as const,
  version: 1,
  name,
  created: '2026-01-01T00:00:00.000Z',
  modified: '2026-01-01T00:00:00.000Z',
});

/** A main process in memory: request handlers by channel, and a way to push events. */
function fakeMain(handlers: Record<string, (input: any) => unknown>) {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const connection = createStore<ConnectionState>({ status: 'open' });
  const calls: [string, unknown][] = [];
  const transport: Transport = {
    platform: 'browser',
    connection,
    async invoke(name, input) {
      calls.push([name, input]);
      const handler = handlers[name];
      if (!handler) throw new ApiError('unknown-channel', `no handler for ${name}`, name);
      return handler(input);
    },
    on(name, listener) {
      if (!listeners.has(name)) listeners.set(name, new Set());
      listeners.get(name)!.add(listener);
      return () => listeners.get(name)!.delete(listener);
    },
    close() {},
  };
  const emit = (name: string, payload: unknown) => listeners.get(name)?.forEach((l) => l(payload));
  return { client: createClient(transport), emit, calls, connection };
}

function baseHandlers() {
  const recent: { path: string; name: string; lastOpened: string }[] = [];
  let current: { root: string; manifest: ReturnType<typeof manifest> } | null = null;
  const handlers: Record<string, (input: any) => unknown> = {
    'app:info': () => ({ version: '0.1.0', platform: 'browser', backend, engineState: 'ready', project: current }),
    'engine:status': () => ({ state: 'ready', backend, job: null, queued: 0, restarts: 0 }),
    'project:recent': () => ({ projects: [...recent], pruned: [] }),
    'project:create': ({ dir, name }: { dir: string; name?: string }) => {
      if (dir.includes('taken')) throw new ApiError('failed', `${dir} already holds a project`, 'project:create');
      current = { root: dir, manifest: manifest(name ?? dir.split('/').pop()!) };
      recent.unshift({ path: dir, name: current.manifest.name, lastOpened: '2026-01-02T00:00:00.000Z' });
      return current;
    },
    'project:open': ({ dir }: { dir: string }) => {
      const found = recent.find((r) => r.path === dir);
      if (!found) throw new ApiError('not-found', `No atelier.json in ${dir}`, 'project:open');
      current = { root: dir, manifest: manifest(found.name) };
      return current;
    },
  };
  return handlers;
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('studio: projects', () => {
  it('loads the initial state on connect', async () => {
    const main = fakeMain(baseHandlers());
    const studio = createStudio(main.client);
    studio.connect();
    await vi.waitFor(() => expect(studio.session.get().loaded).toBe(true));
    expect(studio.session.get()).toMatchObject({ project: null, loadError: null, engine: { state: 'ready', backend } });
  });

  it('creates a project, opens it, and lists it as recent', async () => {
    const main = fakeMain(baseHandlers());
    const studio = createStudio(main.client);
    studio.connect();

    const project = await studio.createProject('/tmp/p/facades', 'Facades');
    await flush();
    await studio.loadRecent();

    expect(main.calls).toContainEqual(['project:create', { dir: '/tmp/p/facades', name: 'Facades' }]);
    expect(studio.session.get().project).toEqual(project);
    expect(studio.session.get().recent).toMatchObject([{ path: '/tmp/p/facades', name: 'Facades' }]);
    expect(studio.toasts.store.get()).toMatchObject([{ kind: 'success', title: 'Created project “Facades”' }]);
  });

  it('sends no name when none was typed, so main names the project after its folder', async () => {
    const main = fakeMain(baseHandlers());
    const studio = createStudio(main.client);
    await studio.createProject('/tmp/p/maps', '');
    expect(main.calls).toContainEqual(['project:create', { dir: '/tmp/p/maps', name: undefined }]);
    expect(studio.session.get().project?.manifest.name).toBe('maps');
  });

  it('leaves the open project as it was when opening another fails, and reports why', async () => {
    const main = fakeMain(baseHandlers());
    const studio = createStudio(main.client);
    await studio.createProject('/tmp/p/a');
    await expect(studio.openProject('/tmp/nowhere')).rejects.toMatchObject({
      code: 'not-found',
      message: 'No atelier.json in /tmp/nowhere',
    });
    expect(studio.session.get().project?.root).toBe('/tmp/p/a');
  });

  it('keeps why loading failed, and clears it when a retry succeeds', async () => {
    const handlers = baseHandlers();
    const info = handlers['app:info'];
    handlers['app:info'] = () => {
      throw new ApiError('failed', 'engine process could not start', 'app:info');
    };
    const main = fakeMain(handlers);
    const studio = createStudio(main.client);
    await studio.refresh();
    expect(studio.session.get()).toMatchObject({ loaded: false, loadError: 'engine process could not start' });
    expect(studio.toasts.store.get()).toMatchObject([{ kind: 'error', title: 'Could not load the studio state' }]);

    handlers['app:info'] = info;
    await studio.refresh();
    expect(studio.session.get()).toMatchObject({ loaded: true, loadError: null });
  });

  it('follows project:changed events from main', async () => {
    const main = fakeMain(baseHandlers());
    const studio = createStudio(main.client);
    studio.connect();
    await vi.waitFor(() => expect(studio.session.get().loaded).toBe(true));
    main.emit('project:changed', { root: '/elsewhere', manifest: manifest('Elsewhere') });
    expect(studio.session.get().project?.manifest.name).toBe('Elsewhere');
    main.emit('project:changed', null);
    expect(studio.session.get().project).toBeNull();
  });
});

describe('studio: jobs', () => {
  function withJobs() {
    const cancelled = new Set<string>();
    const handlers = {
      ...baseHandlers(),
      'engine:selftest': () => ({ jobId: 'job-1' }),
      'job:cancel': ({ jobId }: { jobId: string }) => {
        const known = jobId === 'job-1' && !cancelled.has(jobId);
        cancelled.add(jobId);
        return { cancelled: known };
      },
    };
    const main = fakeMain(handlers);
    const studio = createStudio(main.client);
    studio.connect();
    return { main, studio };
  }

  it('shows progress, then cancelling, then cancelled with an info toast', async () => {
    const { main, studio } = withJobs();
    const jobId = await studio.runSelfTest();
    expect(main.calls).toContainEqual(['engine:selftest', SELFTEST_DEMO]);
    expect(activeJob(studio.jobs.get())).toMatchObject({ jobId, kind: 'selftest', state: 'running' });

    main.emit('job:progress', { jobId, kind: 'selftest', done: 4, total: 20, message: 'step 4 of 20' });
    expect(activeJob(studio.jobs.get())).toMatchObject({ done: 4, total: 20, message: 'step 4 of 20' });

    const cancelling = studio.cancelJob(jobId);
    expect(activeJob(studio.jobs.get())?.state).toBe('cancelling');
    await cancelling;
    main.emit('job:finished', { jobId, kind: 'selftest', ok: false, error: { code: 'cancelled', message: 'Cancelled' } });

    expect(activeJob(studio.jobs.get())).toBeUndefined();
    expect(latestJob(studio.jobs.get())).toMatchObject({ jobId, state: 'cancelled' });
    expect(studio.toasts.store.get().at(-1)).toMatchObject({ kind: 'info', title: 'Engine self-test cancelled' });
  });

  it('keeps the outcome when events beat the reply that started the job', async () => {
    const { main, studio } = withJobs();
    main.emit('job:progress', { jobId: 'job-1', kind: 'selftest', done: 20, total: 20, message: 'done' });
    main.emit('job:finished', {
      jobId: 'job-1',
      kind: 'selftest',
      ok: true,
      result: { backend: 'wasm', size: 64, steps: 20, eigenvalue: 3.5, ms: 1234 },
    });
    await studio.runSelfTest();
    // A progress event arriving late must not revive the finished job either.
    main.emit('job:progress', { jobId: 'job-1', kind: 'selftest', done: 19, total: 20, message: 'late' });

    expect(studio.jobs.get()).toHaveLength(1);
    expect(latestJob(studio.jobs.get())).toMatchObject({ state: 'succeeded', done: 20 });
    expect(studio.toasts.store.get().at(-1)).toMatchObject({
      kind: 'success',
      title: 'Engine self-test finished',
      message: '20 steps on a 64×64 matrix, wasm backend, 1.23 s',
    });
  });

  it('reports a failed job as an error that stays until dismissed', async () => {
    vi.useFakeTimers();
    try {
      const { main, studio } = withJobs();
      await studio.runSelfTest();
      main.emit('job:finished', { jobId: 'job-1', kind: 'selftest', ok: false, error: { code: 'failed', message: 'out of memory' } });
      expect(latestJob(studio.jobs.get())).toMatchObject({ state: 'failed', error: 'out of memory' });
      vi.advanceTimersByTime(60_000);
      expect(studio.toasts.store.get()).toMatchObject([{ kind: 'error', title: 'Engine self-test failed', message: 'out of memory' }]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('returns a job to running when main had nothing to cancel', async () => {
    const { studio } = withJobs();
    await studio.runSelfTest();
    await studio.cancelJob('job-1');
    await studio.cancelJob('job-1');
    expect(activeJob(studio.jobs.get())).toMatchObject({ jobId: 'job-1', state: 'running' });
  });

  it('ignores malformed job events', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { main, studio } = withJobs();
    main.emit('job:progress', { jobId: 'job-1', done: 'x' });
    expect(studio.jobs.get()).toEqual([]);
    warn.mockRestore();
  });
});

describe('studio: engine and connection', () => {
  it('raises one error toast when the engine crashes, with the reason main gave', async () => {
    const main = fakeMain(baseHandlers());
    const studio = createStudio(main.client);
    studio.connect();
    const crashed = { state: 'crashed', backend, job: null, queued: 0, restarts: 0, error: 'engine process exited with code 134' };
    main.emit('engine:status', crashed);
    main.emit('engine:status', crashed);
    expect(studio.session.get().engine?.state).toBe('crashed');
    expect(studio.toasts.store.get()).toMatchObject([
      { kind: 'error', title: 'The engine stopped unexpectedly', message: 'engine process exited with code 134' },
    ]);
  });

  it('reports an engine that is already down when the studio opens', async () => {
    const handlers = baseHandlers();
    handlers['engine:status'] = () => ({
      state: 'crashed',
      backend: null,
      job: null,
      queued: 0,
      restarts: 3,
      error: 'The engine process could not be started',
    });
    const studio = createStudio(fakeMain(handlers).client);
    await studio.refresh();
    expect(studio.toasts.store.get()).toMatchObject([
      { kind: 'error', title: 'The engine stopped unexpectedly', message: 'The engine process could not be started' },
    ]);
  });

  it('tells the user after repeated failed reconnects, and refreshes the state once back', async () => {
    const main = fakeMain(baseHandlers());
    const studio = createStudio(main.client);
    studio.connect();
    await vi.waitFor(() => expect(studio.session.get().loaded).toBe(true));
    const infoCalls = () => main.calls.filter(([name]) => name === 'app:info').length;

    for (let attempt = 1; attempt <= 3; attempt += 1) main.connection.set({ status: 'reconnecting', attempt, retryAt: 0 });
    expect(studio.toasts.store.get()).toEqual([]);
    main.connection.set({ status: 'reconnecting', attempt: 4, retryAt: 0 });
    expect(studio.toasts.store.get()).toMatchObject([{ kind: 'error', title: 'Lost the connection to Atelier' }]);

    main.connection.set({ status: 'open' });
    await vi.waitFor(() => expect(infoCalls()).toBe(2));
    expect(studio.toasts.store.get()).toMatchObject([{ kind: 'success', title: 'Reconnected to Atelier' }]);
  });
});

describe('toasts', () => {
  it('dismisses info after the timeout, merges repeats, and keeps at most the limit', () => {
    vi.useFakeTimers();
    try {
      const toasts = createToasts({ timeoutMs: 1000, limit: 3 });
      toasts.push({ kind: 'info', title: 'saved' });
      toasts.push({ kind: 'error', title: 'disk full', message: '/p' });
      toasts.push({ kind: 'error', title: 'disk full', message: '/p' });
      expect(toasts.store.get()).toMatchObject([{ title: 'saved' }, { title: 'disk full', count: 2 }]);
      vi.advanceTimersByTime(1000);
      expect(toasts.store.get()).toMatchObject([{ title: 'disk full' }]);
      for (const title of ['a', 'b', 'c']) toasts.push({ kind: 'error', title });
      expect(toasts.store.get().map((t) => t.title)).toEqual(['a', 'b', 'c']);
    } finally {
      vi.useRealTimers();
    }
  });
});
