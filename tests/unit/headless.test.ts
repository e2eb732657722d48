import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { commands, runCli } from '../../src/main/cli/index';
import { parseServeArgs } from '../../src/main/cli/serve';
import { startHeadlessServer, type HeadlessServer } from '../../src/main/headless/server';
import { isAllowedHost, isLoopback } from '../../src/main/headless/host-check';
import { createAppServices, type AppServices } from '../../src/main/services/app-services';
import { forkEngineSpawner } from '../../src/main/services/engine-spawner-fork';
import { ProjectService } from '../../src/main/services/projects';
import { RecentProjects } from '../../src/main/services/recent-projects';
import type { WsServerFrame } from '../../src/shared/transport';
import { buildEngineForTests } from '../helpers/engine-build';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP GET: the path is sent exactly as given (no client-side normalisation of ..). */
function get(server: HeadlessServer, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path, method: 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

let home: string;
let projectDir: string;
let services: AppServices;
let server: HeadlessServer;
let cookie: string;
let origin: string;
let engineEntry: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'atelier-headless-'));
  const rendererDir = join(home, 'renderer');
  await mkdir(join(rendererDir, 'assets'), { recursive: true });
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>Atelier</title>');
  await writeFile(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(join(home, 'secret.txt'), 'top secret');

  services = createAppServices({
    platform: 'browser',
    version: '0.0.0-test',
    spawner: forkEngineSpawner((engineEntry = await buildEngineForTests())),
    configDir: join(home, 'config'),
  });
  server = await startHeadlessServer({
    api: services.api,
    rendererDir,
    projectRoot: () => services.projects.current()?.root ?? null,
    maxMessageBytes: 64 * 1024,
  });
  cookie = `atelier_token=${server.token}`;
  origin = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.close();
  await services?.dispose();
});

describe('launch', () => {
  it('listens on loopback with a fresh random token in the printed URL', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const other = await startHeadlessServer({ api: services.api, rendererDir: home, projectRoot: () => null });
    expect(other.token).not.toBe(server.token);
    expect(other.port).not.toBe(server.port);
    await other.close();
  });

  it('parses serve options: loopback by default, ports validated', () => {
    expect(parseServeArgs([])).toEqual({ host: '127.0.0.1', port: 0, project: undefined, demo: false, open: true });
    expect(parseServeArgs(['--port', '8123', '--host', '0.0.0.0', '--project', '/p', '--no-open'])).toEqual({
      host: '0.0.0.0',
      port: 8123,
      project: '/p',
      demo: false,
      open: false,
    });
    expect(parseServeArgs(['--demo']).demo).toBe(true);
    expect(() => parseServeArgs(['--demo', '--project', '/p'])).toThrow(/--project and --demo cannot be used together/);
    expect(() => parseServeArgs(['--port', 'eighty'])).toThrow(/--port must be an integer from 0 to 65535, got "eighty"/);
    expect(() => parseServeArgs(['--port', '70000'])).toThrow(/--port must be an integer/);
    expect(() => parseServeArgs(['--verbose'])).toThrow(/verbose/);
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(isLoopback('192.168.1.5')).toBe(false);
  });
});

describe('atelier serve', () => {
  it('prints one line with the URL, opens --project, serves it, and stops on SIGINT', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const project = join(home, 'cli-project');
    await new ProjectService({ recent: new RecentProjects(join(home, 'other-config')) }).create(project, 'From the CLI');
    const running = runCli(['serve', '--no-open', '--port', '0', '--project', project], {
      mainDir: dirname(engineEntry),
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    const line = await until(() => out[0]);
    const match = /^Atelier is running at (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]{43}))$/.exec(line);
    expect(match, line).not.toBeNull();
    const cli = { port: Number(match![2]), token: match![3] } as HeadlessServer;
    expect(err).toContain(`warning: the renderer is not built (${join(dirname(engineEntry), '..', 'renderer')}/index.html missing); run \`npm run build\``);
    const res = await get(cli, '/project-file/atelier.json', { Authorization: `Bearer ${cli.token}` });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).name).toBe('From the CLI');

    process.emit('SIGINT', 'SIGINT');
    await expect(running).resolves.toBe(0);
    expect(out).toHaveLength(1);
    expect(err).toContain('Received SIGINT; stopping (cancelling jobs, stopping the engine)');
    await expect(get(cli, '/')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses bad options with the usage, and a project folder that is not one', async () => {
    const err: string[] = [];
    const io = { mainDir: dirname(engineEntry), out: () => undefined, err: (l: string) => err.push(l) };
    expect(await runCli(['serve', '--port', 'x'], io)).toBe(2);
    expect(err.join('\n')).toMatch(/--port must be an integer[\s\S]*Usage: atelier serve/);
    expect(await runCli(['serve', '--no-open', '--project', home], io)).toBe(1);
    expect(err[err.length - 1]).toMatch(/^Cannot open project: .* is not an Atelier project: atelier.json is missing/);
    expect(await runCli(['frobnicate'], io)).toBe(2);
    expect(err[err.length - 1]).toMatch(/^Unknown command "frobnicate". Commands: serve, /);
  });

  it('lists every command under the name its module declares', async () => {
    for (const entry of commands) expect((await entry.load()).name).toBe(entry.name);
  });
});

describe('authentication', () => {
  it('refuses requests without the token (401), and with a wrong one', async () => {
    for (const path of ['/', '/assets/app.js', '/project-file/x.png', '/api/ws']) {
      const res = await get(server, path);
      expect(res.status, path).toBe(401);
      expect(res.body).toMatch(/open the URL that `atelier serve` printed/);
    }
    expect((await get(server, '/?token=wrong')).status).toBe(401);
    expect((await get(server, '/', { Cookie: 'atelier_token=wrong' })).status).toBe(401);
    expect((await get(server, '/', { Authorization: `Bearer ${server.token}x` })).status).toBe(401);
  });

  it('trades the URL token for an HttpOnly SameSite=Strict cookie and a redirect to /', async () => {
    const res = await get(server, `/?token=${server.token}`);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/');
    expect(res.headers['set-cookie']).toEqual([`atelier_token=${server.token}; HttpOnly; SameSite=Strict; Path=/`]);
  });

  it('serves the renderer with the cookie or a Bearer token, with the strict CSP', async () => {
    const page = await get(server, '/', { Cookie: cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Atelier</title>');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'; script-src 'self'; style-src 'self'/);
    expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const script = await get(server, '/assets/app.js', { Authorization: `Bearer ${server.token}` });
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get(server, '/assets/none.js', { Cookie: cookie })).status).toBe(404);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const res = await get(server, '/', { Cookie: cookie, Host: `evil.example:${server.port}` });
    expect(res.status).toBe(403);
    expect(res.body).toMatch(/Host "evil.example:\d+" is not this server/);
    expect((await get(server, '/', { Cookie: cookie, Host: `localhost:${server.port}` })).status).toBe(200);
    expect(isAllowedHost(`127.0.0.1:${server.port + 1}`, server.port, '127.0.0.1')).toBe(false);
    expect(isAllowedHost(`[::1]:${server.port}`, server.port, '127.0.0.1')).toBe(true);
    expect(isAllowedHost(undefined, server.port, '127.0.0.1')).toBe(false);
  });
});

describe('project files', () => {
  it('answers 404 while no project is open', async () => {
    const res = await get(server, '/project-file/dataset/a.png', { Cookie: cookie });
    expect(res.status).toBe(404);
    expect(res.body).toMatch(/No project is open/);
  });

  describe('with a project open', () => {
    beforeAll(async () => {
      projectDir = join(home, 'project');
      await services.projects.create(projectDir, 'Test');
      await writeFile(join(projectDir, 'dataset', 'photo 1.png'), 'PNGDATA');
      await symlink(join(home, 'secret.txt'), join(projectDir, 'dataset', 'link.png'));
      await symlink(home, join(projectDir, 'dataset', 'up'));
    });

    it('serves files inside it (names with spaces percent-encoded)', async () => {
      const res = await get(server, '/project-file/dataset/photo%201.png', { Cookie: cookie });
      expect(res.status).toBe(200);
      expect(res.body).toBe('PNGDATA');
      expect(res.headers['content-type']).toBe('image/png');
    });

    it.each([
      '/project-file/../secret.txt',
      '/project-file/dataset/../../secret.txt',
      '/project-file/%2e%2e/secret.txt',
      '/project-file/dataset/%2E%2E/%2e%2e/secret.txt',
      '/project-file/%2e%2e%2fsecret.txt',
      '/project-file/dataset/..%5c..%5csecret.txt',
      '/project-file/dataset/link.png',
      '/project-file/dataset/up/secret.txt',
      '/project-file/dataset/photo%201.png%00.txt',
      '/project-file/dataset/%zz',
    ])('refuses %s (403) without leaking the file', async (path) => {
      const res = await get(server, path, { Cookie: cookie });
      expect(res.status).toBe(403);
      expect(res.body).not.toContain('top secret');
    });

    it('serves renderer files only from the renderer folder', async () => {
      for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt']) {
        const res = await get(server, path, { Cookie: cookie });
        expect(res.status, path).toBe(403);
        expect(res.body).not.toContain('top secret');
      }
    });
  });
});

/** A WebSocket client that collects frames. */
async function connect(headers: Record<string, string>, wsOrigin?: string): Promise<{ ws: WebSocket; frames: WsServerFrame[] }> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/ws`, { headers, ...(wsOrigin ? { origin: wsOrigin } : {}) });
  const frames: WsServerFrame[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(data.toString())));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return { ws, frames };
}

async function until<T>(find: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting for a frame');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('WebSocket API', () => {
  it('refuses the upgrade without the token, from another Origin, or without one', async () => {
    await expect(connect({}, origin)).rejects.toThrow('HTTP 401');
    await expect(connect({ Cookie: cookie }, 'http://evil.example')).rejects.toThrow('HTTP 403');
    await expect(connect({ Cookie: cookie }, `http://127.0.0.1:${server.port + 1}`)).rejects.toThrow('HTTP 403');
    await expect(connect({ Cookie: cookie })).rejects.toThrow('HTTP 403');
    await expect(connect({ Cookie: cookie, Host: `evil.example:${server.port}` }, `http://evil.example:${server.port}`)).rejects.toThrow('HTTP 403');
  });

  it('answers invokes with result frames: values, invalid payloads, unknown channels, bad frames', async () => {
    const { ws, frames } = await connect({ Cookie: cookie }, origin);
    ws.send(JSON.stringify({ id: 1, type: 'invoke', name: 'app:info', input: {} }));
    ws.send(JSON.stringify({ id: 2, type: 'invoke', name: 'project:open', input: { dir: 5 } }));
    ws.send(JSON.stringify({ id: 3, type: 'invoke', name: 'project:destroy', input: {} }));
    ws.send('{not json');
    ws.send(JSON.stringify({ type: 'invoke', name: 'app:info' }));
    ws.send(JSON.stringify({ id: 6, type: 'call', name: 'app:info' }));
    const results = await until(() => {
      const r = frames.filter((f) => f.type === 'result');
      return r.length >= 6 ? r : undefined;
    });
    const byId = (id: number | null) => results.filter((f) => f.type === 'result' && f.id === id);
    expect(byId(1)[0]).toMatchObject({ ok: true, value: { platform: 'browser', version: '0.0.0-test' } });
    expect(byId(2)[0]).toMatchObject({ ok: false, error: { code: 'invalid-payload', details: { issues: [{ path: 'dir' }] } } });
    expect(byId(3)[0]).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    expect(byId(null).map((f) => (f as { error: { message: string } }).error.message)).toEqual([
      expect.stringMatching(/^Frame is not valid JSON/),
      'Frame needs a numeric "id"',
    ]);
    expect(byId(6)[0]).toMatchObject({ ok: false, error: { code: 'invalid-payload', message: expect.stringMatching(/type: "invoke"/) } });
    ws.close();
  });

  it('closes the socket on a frame over the size limit (1009)', async () => {
    const { ws } = await connect({ Cookie: cookie }, origin);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ id: 1, type: 'invoke', name: 'app:info', input: { pad: 'x'.repeat(100 * 1024) } }));
    expect(await closed).toBe(1009);
  });

  it('runs the selftest in the engine process and streams its progress and result as events', async () => {
    const { ws, frames } = await connect({ Cookie: cookie }, origin);
    ws.send(JSON.stringify({ id: 1, type: 'invoke', name: 'engine:selftest', input: { size: 8, steps: 4 } }));
    const reply = await until(() => frames.find((f) => f.type === 'result' && f.id === 1));
    expect(reply).toMatchObject({ ok: true, value: { jobId: expect.any(String) } });
    const { jobId } = (reply as { value: { jobId: string } }).value;
    const finished = await until(() =>
      frames.find((f) => f.type === 'event' && f.name === 'job:finished' && (f.payload as { jobId: string }).jobId === jobId),
    );
    expect(finished).toMatchObject({
      payload: { jobId, kind: 'selftest', ok: true, result: { size: 8, steps: 4, eigenvalue: expect.any(Number) } },
    });
    const progress = frames.filter((f) => f.type === 'event' && f.name === 'job:progress').map((f) => (f as { payload: { done: number; total: number } }).payload);
    expect(progress.map((p) => `${p.done}/${p.total}`)).toEqual(['1/4', '2/4', '3/4', '4/4']);
    expect(frames.some((f) => f.type === 'event' && f.name === 'engine:status' && (f.payload as { state: string }).state === 'busy')).toBe(true);

    ws.send(JSON.stringify({ id: 2, type: 'invoke', name: 'app:info' }));
    const info = await until(() => frames.find((f) => f.type === 'result' && f.id === 2));
    expect(info).toMatchObject({ ok: true, value: { engineState: 'ready', backend: { name: expect.any(String) } } });
    ws.close();
  });
});
