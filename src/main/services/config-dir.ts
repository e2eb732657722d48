import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where Atelier keeps per-user state (recent projects, preferences): $ATELIER_HOME when
 * set, else the platform's application-data folder. Electron and headless mode use the same
 * folder, so both see the same recent projects.
 */
export function userConfigDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.ATELIER_HOME) return env.ATELIER_HOME;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Atelier');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Atelier');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'atelier');
}
