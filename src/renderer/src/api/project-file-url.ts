import { APP_SCHEME, PROJECT_FILE_PREFIX } from '../../../shared/transport';

/**
 * The URL a renderer <img> or Konva image uses for a file inside the open project:
 * Electron serves it through the `atelier://project/` protocol, the headless server
 * under `/project-file/` (both resolve it against the open project and refuse escapes;
 * refusing them here too gives the clearer error).
 */
export function projectFileUrl(platform: 'electron' | 'browser', relativePath: string): string {
  const normalized = relativePath.replace(/\\/g, '/');
  if (normalized.startsWith('/') || /^[A-Za-z]:/.test(normalized)) {
    throw new Error(`Project file path must be relative to the project folder, got "${relativePath}"`);
  }
  const segments = normalized.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) {
    throw new Error(`Project file path must stay inside the project folder, got "${relativePath}"`);
  }
  if (segments.length === 0) throw new Error(`Project file path is empty ("${relativePath}")`);
  const encoded = segments.map(encodeURIComponent).join('/');
  return platform === 'electron' ? `${APP_SCHEME}://project/${encoded}` : `${PROJECT_FILE_PREFIX}${encoded}`;
}
