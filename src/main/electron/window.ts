import { BrowserWindow, dialog, session, shell } from 'electron';
import { APP_ENTRY_URL, isAllowedNavigation, isAllowedRequestUrl, secureWebPreferences } from './security';
import type { QuitGuard } from './quit-guard';

export interface MainWindowOptions {
  preloadPath: string;
  /** `electron-vite dev` only: the renderer's dev server instead of atelier://app/. */
  devServerUrl?: string;
  quitGuard: QuitGuard;
}

/** Deny every permission (camera, notifications, …) and every request for remote content. */
export function lockDownSession(devServerUrl?: string): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isAllowedRequestUrl(details.url, devServerUrl) });
  });
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false,
    backgroundColor: '#16181d',
    title: 'Atelier',
    webPreferences: secureWebPreferences(options.preloadPath),
  });
  win.once('ready-to-show', () => win.show());

  win.webContents.setWindowOpenHandler(({ url }) => {
    // Links to the web (docs, papers) open in the user's browser, never inside the app.
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(win.webContents.getURL(), url)) event.preventDefault();
  });
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());

  let confirmed = false;
  win.on('close', (event) => {
    if (confirmed) return;
    const reasons = options.quitGuard.reasons();
    if (reasons.length === 0) return;
    event.preventDefault();
    const choice = dialog.showMessageBoxSync(win, {
      type: 'warning',
      buttons: ['Quit Anyway', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      message: 'Quit Atelier?',
      detail: reasons.join('\n'),
    });
    if (choice === 0) {
      confirmed = true;
      win.close();
    }
  });

  void win.loadURL(options.devServerUrl ?? APP_ENTRY_URL);
  return win;
}
