import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { handleAppRequest } from '../../src/main/electron/app-protocol';
import { MENU, menuTemplate } from '../../src/main/electron/menu';
import { longJobCheck, QuitGuard } from '../../src/main/electron/quit-guard';
import { isAllowedNavigation, isAllowedRequestUrl, isTrustedSenderUrl, secureWebPreferences } from '../../src/main/electron/security';

describe('window security options', () => {
  it('isolate and sandbox the renderer with no Node integration', () => {
    const prefs = secureWebPreferences('/app/out/preload/index.cjs');
    expect(prefs).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });
});

describe('IPC sender check', () => {
  it.each([
    ['atelier://app/index.html', true],
    ['atelier://app/', true],
    ['atelier://project/dataset/a.png', false],
    ['file:///app/out/renderer/index.html', false],
    ['https://example.com/', false],
    ['http://localhost:5173/', false],
    ['about:blank', false],
    ['', false],
    [undefined, false],
  ])('%s → %s', (url, trusted) => {
    expect(isTrustedSenderUrl(url)).toBe(trusted);
  });

  it('trusts the dev server origin only when one is configured', () => {
    expect(isTrustedSenderUrl('http://localhost:5173/index.html', 'http://localhost:5173')).toBe(true);
    expect(isTrustedSenderUrl('http://localhost:5174/index.html', 'http://localhost:5173')).toBe(false);
  });

  it('loads no remote content: only atelier:, data: and blob: (and the dev server in dev)', () => {
    for (const url of ['atelier://app/assets/main.js', 'atelier://project/dataset/a.png', 'data:image/png;base64,AA==', 'blob:atelier://app/1234']) {
      expect(isAllowedRequestUrl(url), url).toBe(true);
    }
    for (const url of ['https://fonts.example/font.woff2', 'http://127.0.0.1:8080/', 'file:///etc/passwd', 'ws://evil.example/', 'not a url']) {
      expect(isAllowedRequestUrl(url), url).toBe(false);
    }
    expect(isAllowedRequestUrl('http://localhost:5173/src/main.tsx', 'http://localhost:5173')).toBe(true);
    expect(isAllowedRequestUrl('ws://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isAllowedRequestUrl('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
  });

  it('allows no navigation away from the app page', () => {
    expect(isAllowedNavigation('atelier://app/index.html', 'atelier://app/index.html#train')).toBe(true);
    expect(isAllowedNavigation('atelier://app/index.html', 'atelier://app/other.html')).toBe(false);
    expect(isAllowedNavigation('atelier://app/index.html', 'https://evil.example/')).toBe(false);
    expect(isAllowedNavigation('atelier://app/index.html', 'file:///etc/passwd')).toBe(false);
  });
});

describe('atelier:// protocol', () => {
  let home: string;
  let project: string | null;
  const roots = () => ({ rendererDir: join(home, 'renderer'), projectRoot: () => project });
  const fetchApp = async (url: string, method = 'GET') => {
    const res = await handleAppRequest(new Request(url, { method }), roots());
    return { status: res.status, type: res.headers.get('content-type'), csp: res.headers.get('content-security-policy'), body: await res.text() };
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'atelier-protocol-'));
    await mkdir(join(home, 'renderer', 'assets'), { recursive: true });
    await writeFile(join(home, 'renderer', 'index.html'), '<!doctype html>app');
    await writeFile(join(home, 'renderer', 'assets', 'main.js'), 'js');
    await mkdir(join(home, 'project', 'dataset'), { recursive: true });
    await writeFile(join(home, 'project', 'dataset', 'a b.png'), 'png');
    await writeFile(join(home, 'secret.txt'), 'secret');
    await symlink(join(home, 'secret.txt'), join(home, 'project', 'dataset', 'link.png'));
    project = null;
  });

  it('serves the app with the CSP header', async () => {
    const page = await fetchApp('atelier://app/index.html');
    expect(page).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', body: '<!doctype html>app' });
    expect(page.csp).toMatch(/script-src 'self'/);
    expect(await fetchApp('atelier://app/')).toMatchObject({ status: 200, body: '<!doctype html>app' });
    expect(await fetchApp('atelier://app/assets/main.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
    expect((await fetchApp('atelier://app/index.html', 'HEAD')).body).toBe('');
  });

  it('serves project files only while a project is open, confined to it', async () => {
    expect(await fetchApp('atelier://project/dataset/a%20b.png')).toMatchObject({ status: 404, body: expect.stringMatching(/No project is open/) });
    project = join(home, 'project');
    expect(await fetchApp('atelier://project/dataset/a%20b.png')).toMatchObject({ status: 200, type: 'image/png', body: 'png' });
    // The URL parser resolves dot segments (encoded or not) within the host before the
    // handler runs; whatever is left is confined by the handler.
    for (const url of ['atelier://project/dataset/%2e%2e/%2e%2e/secret.txt', 'atelier://app/../secret.txt']) {
      const res = await fetchApp(url);
      expect(res.status, url).toBe(404);
      expect(res.body).not.toMatch(/^secret/);
    }
    for (const url of [
      'atelier://project/%2e%2e%2fsecret.txt',
      'atelier://project/dataset/..%5c..%5csecret.txt',
      'atelier://project/dataset/link.png',
      'atelier://project/dataset/a%20b.png%00',
    ]) {
      const res = await fetchApp(url);
      expect(res.status, url).toBe(403);
      expect(res.body).not.toMatch(/^secret/);
    }
    expect((await fetchApp('atelier://project/dataset/none.png')).status).toBe(404);
    expect((await fetchApp('atelier://elsewhere/index.html')).status).toBe(404);
    expect((await fetchApp('atelier://app/index.html', 'POST')).status).toBe(405);
  });
});

describe('menu', () => {
  it('builds the template from the list: actions go to the renderer, dev items only in dev, app menu only on macOS', () => {
    const sent: string[] = [];
    const template = menuTemplate(MENU, { isMac: false, dev: false, runAction: (a) => sent.push(a) });
    expect(template.map((m) => m.label)).toEqual(['File', 'Edit', 'View', 'Engine']);
    const file = template[0].submenu as Electron.MenuItemConstructorOptions[];
    const open = file.find((i) => i.label === 'Open Project…')!;
    expect(open).toMatchObject({ accelerator: 'CmdOrCtrl+O', registerAccelerator: false });
    open.click!({} as never, undefined, {} as never);
    expect(sent).toEqual(['project.open']);
    const view = template[2].submenu as Electron.MenuItemConstructorOptions[];
    expect(view.some((i) => i.role === 'toggleDevTools')).toBe(false);
    expect(view[view.length - 1].type).not.toBe('separator');

    const mac = menuTemplate(MENU, { isMac: true, dev: true, runAction: () => undefined });
    expect(mac[0].label).toBe('Atelier');
    expect((mac[1].submenu as Electron.MenuItemConstructorOptions[]).some((i) => i.role === 'quit')).toBe(false);
    expect((mac[3].submenu as Electron.MenuItemConstructorOptions[]).some((i) => i.role === 'toggleDevTools')).toBe(true);
  });
});

describe('quit guard', () => {
  it('asks while a training job is queued or running, with every reason, and checks can be removed', () => {
    let jobs: { jobId: string; kind: string }[] = [];
    const guard = new QuitGuard();
    guard.add(longJobCheck(() => jobs));
    const removeUnsaved = guard.add(() => 'Label map dataset/a.png has unsaved changes.');
    expect(guard.reasons()).toEqual(['Label map dataset/a.png has unsaved changes.']);
    jobs = [{ jobId: '1', kind: 'selftest' }];
    removeUnsaved();
    expect(guard.reasons()).toEqual([]);
    jobs = [{ jobId: '2', kind: 'train' }];
    expect(guard.reasons()).toEqual([expect.stringMatching(/^A train job is running; quitting stops it/)]);
  });
});
