import { describe, expect, it, vi, type Mock } from 'vitest';
import { requests, type RequestName } from '../../src/shared/contract';
import { ApiError } from '../../src/main/services/api-error';
import { createApiHost, type Handlers } from '../../src/main/services/api-host';

/** A handler spy for every channel of the contract, answering `null`. */
function spyHandlers(): Record<RequestName, Mock> {
  return Object.fromEntries(Object.keys(requests).map((name) => [name, vi.fn(() => null)])) as Record<RequestName, Mock>;
}

const hostOf = (handlers: Record<RequestName, Mock>) => createApiHost(handlers as unknown as Handlers);

const ctx = { transport: 'internal' as const };

describe('createApiHost dispatch', () => {
  it('runs the handler with the parsed input and returns its value', async () => {
    const handlers = spyHandlers();
    handlers['job:cancel'].mockReturnValue({ cancelled: true });
    const host = hostOf(handlers);
    await expect(host.dispatch('job:cancel', { jobId: 'j1' }, ctx)).resolves.toEqual({ ok: true, value: { cancelled: true } });
    expect(handlers['job:cancel']).toHaveBeenCalledWith({ jobId: 'j1' }, ctx);
  });

  it('refuses a malformed payload with invalid-payload and the issue paths, without running the handler', async () => {
    const handlers = spyHandlers();
    const host = hostOf(handlers);
    const result = await host.dispatch('project:create', { dir: 42, name: '' }, ctx);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('invalid-payload');
    expect(result.error.message).toMatch(/^Invalid input for project:create: /);
    const paths = (result.error.details as { issues: { path: string }[] }).issues.map((i) => i.path).sort();
    expect(paths).toEqual(['dir', 'name']);
    expect(handlers['project:create']).not.toHaveBeenCalled();
  });

  it('refuses unknown keys (a misspelt field is an error, not ignored)', async () => {
    const handlers = spyHandlers();
    const result = await hostOf(handlers).dispatch('project:open', { dir: '/x', dri: '/y' }, ctx);
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    expect(handlers['project:open']).not.toHaveBeenCalled();
  });

  it('answers unknown channels, including prototype keys, with unknown-channel', async () => {
    const host = hostOf(spyHandlers());
    for (const name of ['project:delete', 'toString', '__proto__', '']) {
      const result = await host.dispatch(name, undefined, ctx);
      expect(result).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    }
  });

  it('maps a thrown ApiError to its code and any other error to failed', async () => {
    const handlers = spyHandlers();
    handlers['project:open'].mockRejectedValue(new ApiError('not-found', 'no such project', { path: '/p' }));
    handlers['project:current'].mockImplementation(() => {
      throw new TypeError('boom');
    });
    const host = hostOf(handlers);
    await expect(host.dispatch('project:open', { dir: '/p' }, ctx)).resolves.toEqual({
      ok: false,
      error: { code: 'not-found', message: 'no such project', details: { path: '/p' } },
    });
    await expect(host.dispatch('project:current', undefined, ctx)).resolves.toEqual({
      ok: false,
      error: { code: 'failed', message: 'boom' },
    });
  });

  it('accepts no input or {} for channels without input', async () => {
    const handlers = spyHandlers();
    const host = hostOf(handlers);
    expect((await host.dispatch('app:info', undefined, ctx)).ok).toBe(true);
    expect((await host.dispatch('app:info', {}, ctx)).ok).toBe(true);
    expect((await host.dispatch('app:info', { verbose: true }, ctx)).ok).toBe(false);
    expect(handlers['app:info']).toHaveBeenCalledTimes(2);
  });
});

describe('createApiHost events', () => {
  it('broadcasts events to every subscriber until it unsubscribes', () => {
    const host = hostOf(spyHandlers());
    const a = vi.fn();
    const b = vi.fn();
    const offA = host.subscribe(a);
    host.subscribe(b);
    const entry = { level: 'info' as const, message: 'hello', time: new Date().toISOString() };
    host.emit('log', entry);
    offA();
    host.emit('log', entry);
    expect(a).toHaveBeenCalledTimes(1);
    expect(a).toHaveBeenCalledWith('log', entry);
    expect(b).toHaveBeenCalledTimes(2);
  });

  it('refuses to emit a payload that breaks the contract', () => {
    const host = hostOf(spyHandlers());
    const listener = vi.fn();
    host.subscribe(listener);
    expect(() => host.emit('job:progress', { jobId: 'j', done: 1 } as never)).toThrow(/job:progress does not match the contract/);
    expect(listener).not.toHaveBeenCalled();
  });
});
