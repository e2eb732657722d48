/**
 * The Electron app's entry: registers the atelier:// protocol, starts the services
 * (engine in a utility process), binds them to IPC and opens the window. The only module
 * tree that imports 'electron'; the services are the same ones headless mode serves.
 */
import { app, BrowserWindow, dialog, Menu, protocol } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { version } from '../../../package.json';
import { APP_SCHEME } from '../../shared/transport';
import { createAppServices, type AppServices } from '../services/app-services';
import { shippedDemoDir } from '../services/demo';
import { handleAppRequest } from './app-protocol';
import { utilityEngineSpawner } from './engine-spawner';
import { bindIpc } from './ipc';
import { MENU, menuTemplate } from './menu';
import { longJobCheck, quitGuard } from './quit-guard';
import { createMainWindow, lockDownSession } from './window';

const mainDir = dirname(fileURLToPath(import.meta.url));
const rendererDir = join(mainDir, '..', 'renderer');
const preloadPath = join(mainDir, '..', 'preload', 'index.cjs');
// Set by `electron-vite dev` only; a packaged or `npm start` app always uses atelier://app/.
const devServerUrl = app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL;

// Must happen before 'ready': a standard, secure scheme gets an origin, fetch and CSP like https.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

let services: AppServices | null = null;

function start(): void {
  lockDownSession(devServerUrl);
  services = createAppServices({
    platform: 'electron',
    version,
    spawner: utilityEngineSpawner(join(mainDir, 'engine.js'), (level, line) => services?.log.write(level, line)),
    pickDirectory: async ({ title, defaultPath }) => {
      const owner = BrowserWindow.getFocusedWindow();
      const options: Electron.OpenDialogOptions = {
        title: title ?? 'Choose a folder',
        defaultPath,
        properties: ['openDirectory', 'createDirectory'],
      };
      const result = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options);
      return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0];
    },
    logSink: (entry) => {
      if (entry.level !== 'debug') console.log(`[${entry.level}] ${entry.message}`);
    },
    demoDir: shippedDemoDir(join(mainDir, '..', '..')),
  });
  const s = services;
  // The demo opens on the first start (no recent project) or with --demo; failing that, the start page.
  s.demo?.openAtStart(process.argv.includes('--demo')).catch((err: unknown) => s.log.write('warn', `The demo project could not be opened: ${(err as Error).message}`));
  protocol.handle(APP_SCHEME, (request) =>
    handleAppRequest(request, { rendererDir, projectRoot: () => s.projects.current()?.root ?? null }),
  );
  bindIpc(s.api, devServerUrl);
  quitGuard.add(longJobCheck(() => s.engine.jobs()));
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate(MENU, {
        isMac: process.platform === 'darwin',
        dev: !app.isPackaged,
        runAction: (action) => s.api.emit('app:menu', { action }),
      }),
    ),
  );
  createMainWindow({ preloadPath, devServerUrl, quitGuard });

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow({ preloadPath, devServerUrl, quitGuard });
  });
}

// One app instance: a second launch focuses the existing window instead.
if (app.requestSingleInstanceLock()) {
  void app.whenReady().then(start);
} else {
  app.quit();
}

app.on('second-instance', () => {
  const win = BrowserWindow.getAllWindows()[0];
  if (win) {
    if (win.isMinimized()) win.restore();
    win.focus();
  }
});

// No remote content, ever: any web contents (windows, webviews) refuses to open more.
app.on('web-contents-created', (_event, contents) => {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let stopped = false;
app.on('will-quit', (event) => {
  if (stopped || !services) return;
  // Cancel jobs and stop the engine before exiting, so it never outlives the app.
  event.preventDefault();
  stopped = true;
  void services.dispose().finally(() => app.quit());
});
