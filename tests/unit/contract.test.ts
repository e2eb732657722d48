import { existsSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { events, requests } from '../../src/shared/contract';
import { createAppServices, type AppServices } from '../../src/main/services/app-services';
import type { EngineSpawner } from '../../src/main/services/engine-host';

/** An engine process that never becomes ready (these tests exercise main only) and exits when killed. */
const silentEngine: EngineSpawner = {
  spawn: () => {
    const exits: ((e: { code: number | null; signal: string | null }) => void)[] = [];
    return {
      pid: undefined,
      send() {},
      onMessage() {},
      onExit: (listener) => exits.push(listener),
      kill: () => exits.splice(0).forEach((l) => l({ code: null, signal: 'SIGTERM' })),
    };
  },
};

describe('the contract', () => {
  it('names every channel area:verb and documents it', () => {
    for (const [name, def] of Object.entries(requests)) {
      expect(name).toMatch(/^[a-z]+:[a-z][a-zA-Z]*$/);
      expect(def.doc.length, name).toBeGreaterThan(10);
    }
    for (const [name, def] of Object.entries(events)) {
      expect(name).toMatch(/^([a-z]+:[a-z][a-zA-Z]*|log)$/);
      expect(def.doc.length, name).toBeGreaterThan(10);
    }
  });
});

describe('payload validation in main (real services)', () => {
  let home: string;
  let services: AppServices;
  const ctx = { transport: 'ws' as const, clientId: 't' };

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'atelier-contract-'));
    services = createAppServices({ platform: 'browser', version: '0.0.0-test', spawner: silentEngine, configDir: join(home, 'config') });
  });
  afterEach(() => services.dispose());

  it('a malformed project:create changes nothing on disk', async () => {
    const dir = join(home, 'new-project');
    for (const input of [{ dir, name: '' }, { dir: 7 }, { dir, name: 'x', extra: 1 }, null, 'dir', { dir: `${dir}\0x` }]) {
      const result = await services.api.dispatch('project:create', input, ctx);
      expect(result, JSON.stringify(input)).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    }
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(join(home, 'config'))).toBe(false);
    expect(services.projects.current()).toBeNull();
  });

  it('a malformed engine:selftest queues no job', async () => {
    for (const input of [{ size: 1 }, { steps: 0 }, { size: 2.5 }, { stepDelayMs: -1 }, { sizes: 4 }]) {
      const result = await services.api.dispatch('engine:selftest', input, ctx);
      expect(result, JSON.stringify(input)).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    }
    expect(services.engine.jobs()).toEqual([]);
    expect(services.engine.status().queued).toBe(0);
  });

  it('a valid engine:selftest queues a job and returns its id', async () => {
    const result = await services.api.dispatch('engine:selftest', { size: 4, steps: 2 }, ctx);
    expect(result.ok).toBe(true);
    const { jobId } = (result as { value: { jobId: string } }).value;
    expect(services.engine.jobs()).toEqual([{ jobId, kind: 'selftest' }]);
    await expect(services.api.dispatch('job:cancel', { jobId }, ctx)).resolves.toEqual({ ok: true, value: { cancelled: true } });
    await expect(services.api.dispatch('job:cancel', { jobId }, ctx)).resolves.toEqual({ ok: true, value: { cancelled: false } });
    expect((await services.api.dispatch('job:cancel', { id: jobId }, ctx)).ok).toBe(false);
  });

  it('replies match the output schemas', async () => {
    const dir = join(home, 'p');
    const created = await services.api.dispatch('project:create', { dir, name: 'Facades' }, ctx);
    expect(created.ok).toBe(true);
    expect(requests['project:create'].output.safeParse((created as { value: unknown }).value).success).toBe(true);
    for (const name of ['app:info', 'project:current', 'project:recent', 'engine:status'] as const) {
      const result = await services.api.dispatch(name, undefined, ctx);
      expect(result.ok, name).toBe(true);
      expect(requests[name].output.safeParse((result as { value: unknown }).value).success, name).toBe(true);
    }
    expect(await readdir(dir)).toEqual(expect.arrayContaining(['atelier.json', 'dataset', 'labels', 'runs', 'models', 'exports']));
  });

  it('app:info says browser and the folder dialog is not available there', async () => {
    const info = await services.api.dispatch('app:info', undefined, ctx);
    expect(info).toMatchObject({ ok: true, value: { platform: 'browser', version: '0.0.0-test', project: null, backend: null } });
    const picked = await services.api.dispatch('dialog:pickDirectory', {}, ctx);
    expect(picked).toMatchObject({ ok: false, error: { code: 'not-available', message: expect.stringMatching(/type the folder path/) } });
  });
});
