import { APP_SCHEME } from '../../shared/transport';

/** Where the app's own pages live; IPC is answered only for frames from here. */
export const APP_ORIGIN = `${APP_SCHEME}://app`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;
export const PROJECT_ORIGIN = `${APP_SCHEME}://project`;

/**
 * The window's webPreferences, the Electron security checklist in one object: the
 * renderer has no Node, runs sandboxed in an isolated world, and reaches main only
 * through the preload's contract bridge.
 */
export function secureWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  } as const;
}

/**
 * Whether an IPC message comes from the app's own page: the frame's URL must be under
 * atelier://app/ (or, in `electron-vite dev` only, under the dev server's origin).
 */
export function isTrustedSenderUrl(url: string | undefined | null, devServerUrl?: string): boolean {
  if (!url) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === `${APP_SCHEME}:` && parsed.host === 'app') return true;
  if (devServerUrl) {
    try {
      return parsed.origin === new URL(devServerUrl).origin;
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * No remote content: the app loads only its own scheme and in-memory data (data:, blob:),
 * plus the dev server's origin under `electron-vite dev`. Every other request is cancelled
 * before it leaves the machine.
 */
export function isAllowedRequestUrl(url: string, devServerUrl?: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (['atelier:', 'data:', 'blob:', 'devtools:'].includes(parsed.protocol)) return true;
  if (!devServerUrl) return false;
  const dev = new URL(devServerUrl);
  // The dev server's hot-reload socket uses ws: on the same host and port.
  return parsed.host === dev.host && ['http:', 'ws:'].includes(parsed.protocol);
}

/** Navigation away from the app page is never allowed: same page only (hash changes). */
export function isAllowedNavigation(currentUrl: string, targetUrl: string): boolean {
  try {
    const current = new URL(currentUrl);
    const target = new URL(targetUrl);
    return current.origin === target.origin && current.pathname === target.pathname;
  } catch {
    return false;
  }
}
