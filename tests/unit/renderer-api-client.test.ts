/**
 * The renderer's API client over both transports. The WebSocket transport is driven
 * against a real socket server speaking the headless protocol (JSON frames), so the
 * framing, the reconnect loop and the failure of in-flight requests are exercised as a
 * browser would meet them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createApi, createClient } from '../../src/renderer/src/api/client';
import { ApiError } from '../../src/renderer/src/api/errors';
import { projectFileUrl } from '../../src/renderer/src/api/project-file-url';
import type { ConnectionState } from '../../src/renderer/src/api/transport';
import { createWsTransport } from '../../src/renderer/src/api/ws-transport';

interface InvokeFrame {
  id: number;
  type: 'invoke';
  name: string;
  input: unknown;
}

/** A stand-in for the headless server's /api/ws: answers through `reply`, can push events and drop clients. */
class FakeServer {
  readonly http: Server;
  readonly wss: WebSocketServer;
  readonly received: InvokeFrame[] = [];
  readonly clients = new Set<WebSocket>();
  reply: (frame: InvokeFrame) => unknown | undefined = (frame) => ({ id: frame.id, type: 'result', ok: true, value: { echo: frame.input } });

  private constructor(http: Server) {
    this.http = http;
    this.wss = new WebSocketServer({ server: http, path: '/api/ws' });
    this.wss.on('connection', (socket) => {
      this.clients.add(socket);
      socket.on('close', () => this.clients.delete(socket));
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as InvokeFrame;
        this.received.push(frame);
        const answer = this.reply(frame);
        if (answer !== undefined) socket.send(typeof answer === 'string' ? answer : JSON.stringify(answer));
      });
    });
  }

  static async start(port = 0): Promise<FakeServer> {
    const http = createServer();
    await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
    return new FakeServer(http);
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/api/ws`;
  }

  push(name: string, payload: unknown) {
    for (const client of this.clients) client.send(JSON.stringify({ type: 'event', name, payload }));
  }

  async stop() {
    for (const client of this.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}

const servers: FakeServer[] = [];
const closers: (() => void)[] = [];

async function serve(port?: number) {
  const server = await FakeServer.start(port);
  servers.push(server);
  return server;
}

function connectTo(url: string, delays = { initialDelayMs: 20, maxDelayMs: 80 }) {
  const transport = createWsTransport({ url, createSocket: (u) => new WebSocket(u), ...delays });
  const client = createClient(transport);
  closers.push(() => client.close());
  return client;
}

function waitForConnection(client: { connection: { get(): ConnectionState; subscribe(l: () => void): () => void } }, status: ConnectionState['status']) {
  return new Promise<ConnectionState>((resolve) => {
    const check = () => {
      const state = client.connection.get();
      if (state.status === status) {
        off();
        resolve(state);
      }
    };
    const off = client.connection.subscribe(check);
    check();
  });
}

const progress = { jobId: 'j1', kind: 'selftest', done: 3, total: 10, message: 'step 3' };

afterEach(async () => {
  closers.splice(0).forEach((close) => close());
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

describe('WebSocket transport', () => {
  it('sends invoke frames and resolves with the value of the matching result', async () => {
    const server = await serve();
    server.reply = (frame) => ({ id: frame.id, type: 'result', ok: true, value: { jobId: `job-for-${frame.name}` } });
    const api = connectTo(server.url);

    // Sent before the socket opened: queued, then delivered once it does.
    const [a, b] = await Promise.all([
      api.invoke('engine:selftest', undefined),
      api.invoke('job:cancel', { jobId: 'x' }),
    ]);

    expect(a).toEqual({ jobId: 'job-for-engine:selftest' });
    expect(b).toEqual({ jobId: 'job-for-job:cancel' });
    expect(server.received.map(({ type, name, input }) => ({ type, name, input }))).toEqual([
      { type: 'invoke', name: 'engine:selftest', input: undefined },
      { type: 'invoke', name: 'job:cancel', input: { jobId: 'x' } },
    ]);
    expect(new Set(server.received.map((f) => f.id)).size).toBe(2);
  });

  it('rejects with an ApiError carrying the code, message, details and channel of a failed result', async () => {
    const server = await serve();
    server.reply = (frame) => ({
      id: frame.id,
      type: 'result',
      ok: false,
      error: { code: 'not-found', message: 'No project in /nope', details: { path: '/nope' } },
    });
    const api = connectTo(server.url);

    const error = await api.invoke('project:open', { dir: '/nope' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'not-found', message: 'No project in /nope', channel: 'project:open', details: { path: '/nope' } });
  });

  it('delivers events whose payload matches the contract and drops malformed ones', async () => {
    const server = await serve();
    const api = connectTo(server.url);
    await waitForConnection(api, 'open');
    const seen: unknown[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const off = api.on('job:progress', (payload) => seen.push(payload));

    server.push('job:progress', { jobId: 'j1', kind: 'selftest', done: 'three' });
    server.push('job:progress', progress);
    server.push('engine:status', { state: 'ready' });
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    off();
    server.push('job:progress', { ...progress, done: 4 });
    // A round trip after the push proves the later event arrived and was not delivered.
    await api.invoke('project:current', undefined);

    expect(seen).toEqual([progress]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('malformed "job:progress"'), expect.anything());
    warn.mockRestore();
  });

  it('refuses to subscribe to an event the contract does not define', async () => {
    const server = await serve();
    const api = connectTo(server.url);
    expect(() => api.on('job:progres' as 'job:progress', () => {})).toThrow(/Unknown event "job:progres"/);
  });

  it('fails in-flight requests when the socket drops, reconnects with backoff, then works again', async () => {
    const server = await serve();
    server.reply = () => undefined; // never answers
    const api = connectTo(server.url);
    await waitForConnection(api, 'open');
    const states: ConnectionState['status'][] = [];
    api.connection.subscribe(() => states.push(api.connection.get().status));

    const inFlight = api.invoke('engine:status', undefined).catch((e: unknown) => e);
    await vi.waitFor(() => expect(server.received).toHaveLength(1));
    for (const client of server.clients) client.terminate();

    const error = await inFlight;
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'disconnected', channel: 'engine:status' });
    expect((error as Error).message).toMatch(/lost before it answered "engine:status"/);

    server.reply = (frame) => ({ id: frame.id, type: 'result', ok: true, value: null });
    await waitForConnection(api, 'open');
    expect(states[0]).toBe('reconnecting');
    await expect(api.invoke('project:current', undefined)).resolves.toBeNull();
  });

  it('fails requests made while reconnecting at once, with a clear error, and backs off between tries', async () => {
    const server = await serve();
    const port = server.port;
    const api = connectTo(server.url, { initialDelayMs: 30, maxDelayMs: 120 });
    await waitForConnection(api, 'open');
    const attempts: { attempt: number; delay: number }[] = [];
    api.connection.subscribe(() => {
      const state = api.connection.get();
      if (state.status === 'reconnecting') attempts.push({ attempt: state.attempt, delay: state.retryAt - Date.now() });
    });
    await server.stop();
    servers.splice(servers.indexOf(server), 1);

    await waitForConnection(api, 'reconnecting');
    const error = await api.invoke('project:current', undefined).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'disconnected', channel: 'project:current' });
    expect((error as Error).message).toMatch(/Not connected to Atelier \(reconnecting\), so "project:current" was not sent/);

    await vi.waitFor(() => expect(attempts.length).toBeGreaterThanOrEqual(4), { timeout: 3000 });
    expect(attempts.slice(0, 4).map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    // Delays double from the first, capped at the maximum.
    attempts.slice(0, 4).forEach(({ delay }, i) => {
      const expected = Math.min(120, 30 * 2 ** i);
      expect(delay).toBeGreaterThan(expected - 15);
      expect(delay).toBeLessThanOrEqual(expected);
    });

    const revived = await serve(port);
    await waitForConnection(api, 'open');
    await expect(api.invoke('project:current', undefined)).resolves.toEqual({ echo: undefined });
    expect(revived.received).toHaveLength(1);
  });

  it('stops reconnecting once closed, and rejects what is sent after', async () => {
    const server = await serve();
    const api = connectTo(server.url);
    await waitForConnection(api, 'open');
    api.close();
    expect(api.connection.get().status).toBe('closed');
    await expect(api.invoke('project:current', undefined)).rejects.toMatchObject({ code: 'disconnected' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(api.connection.get().status).toBe('closed');
    expect(server.clients.size).toBe(0);
  });
});

describe('createApi', () => {
  it('uses the Electron preload when present, normalising its errors', async () => {
    const calls: [string, unknown][] = [];
    const listeners = new Map<string, (payload: unknown) => void>();
    const bridge = {
      platform: 'electron' as const,
      async invoke(name: string, input: unknown) {
        calls.push([name, input]);
        if (name === 'project:open') {
          // What the preload rejects with: contextBridge would strip an Error down to its message.
          throw { name: 'ApiError', code: 'not-found', message: 'No atelier.json in /x', details: { dir: '/x' } };
        }
        return { jobId: 'j9' };
      },
      on(name: string, listener: (payload: unknown) => void) {
        listeners.set(name, listener);
        return () => listeners.delete(name);
      },
    };
    const createSocket = vi.fn();
    const api = createApi({ bridge, location: { protocol: 'http:', host: 'x' }, createSocket });

    expect(api.platform).toBe('electron');
    expect(api.connection.get()).toEqual({ status: 'open' });
    expect(createSocket).not.toHaveBeenCalled();
    await expect(api.invoke('engine:selftest', undefined)).resolves.toEqual({ jobId: 'j9' });
    const error = await api.invoke('project:open', { dir: '/x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'not-found', message: 'No atelier.json in /x', channel: 'project:open', details: { dir: '/x' } });

    const seen: unknown[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    api.on('job:progress', (payload) => seen.push(payload));
    listeners.get('job:progress')!({ jobId: 1 });
    listeners.get('job:progress')!(progress);
    expect(seen).toEqual([progress]);
    warn.mockRestore();
    expect(api.projectFileUrl('trainA/a b.png')).toBe('atelier://project/trainA/a%20b.png');
  });

  it('connects to /api/ws on the page origin in a browser', async () => {
    const urls: string[] = [];
    const createSocket = (url: string) => {
      urls.push(url);
      return new WebSocket('ws://127.0.0.1:9/unused');
    };
    const api = createApi({ location: { protocol: 'http:', host: '127.0.0.1:4567' }, createSocket });
    closers.push(() => api.close());
    const secure = createApi({ location: { protocol: 'https:', host: 'studio.lan' }, createSocket });
    closers.push(() => secure.close());

    expect(api.platform).toBe('browser');
    expect(urls).toEqual(['ws://127.0.0.1:4567/api/ws', 'wss://studio.lan/api/ws']);
    expect(api.projectFileUrl('trainA/a b.png')).toBe('/project-file/trainA/a%20b.png');
  });
});

describe('projectFileUrl', () => {
  it('encodes every segment and normalises separators', () => {
    expect(projectFileUrl('browser', 'datasets\\facades/train/1 #?.jpg')).toBe('/project-file/datasets/facades/train/1%20%23%3F.jpg');
    expect(projectFileUrl('electron', './labels//x.png')).toBe('atelier://project/labels/x.png');
  });

  it('refuses paths that leave the project or are not relative', () => {
    expect(() => projectFileUrl('browser', '../secrets.txt')).toThrow('must stay inside the project folder, got "../secrets.txt"');
    expect(() => projectFileUrl('browser', 'a/../../b')).toThrow(/inside the project/);
    expect(() => projectFileUrl('browser', '/etc/passwd')).toThrow('must be relative to the project folder, got "/etc/passwd"');
    expect(() => projectFileUrl('electron', 'C:\\x.png')).toThrow(/relative/);
    expect(() => projectFileUrl('browser', '')).toThrow(/empty/);
  });
});
