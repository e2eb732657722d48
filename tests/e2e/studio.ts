/**
 * Starts the real headless server for a test: the built CLI (`out/main/cli.js serve`),
 * on a free port, with its own per-user folder (recent projects) so tests never see the
 * developer's state or each other's. Nothing is built here: `npm test` builds first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopProcess } from '../../src/main/bench/studio';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = join(ROOT, 'out/main/cli.js');

/** Flags for running Chromium in containers and CI: no sandbox, no GPU, nothing phoning home. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Debian's Chromium; ATELIER_CHROMIUM points elsewhere (e.g. on a developer's Mac). */
export function chromiumPath(): string {
  return process.env.ATELIER_CHROMIUM ?? '/usr/bin/chromium';
}

export interface StudioServer {
  /** The URL the server printed, with the launch token. */
  url: string;
  /** http://127.0.0.1:PORT */
  origin: string;
  token: string;
  /** Lines the server wrote to stderr (logs, warnings), for failure messages. */
  stderr: string[];
  process: ChildProcess;
  stop(): Promise<void>;
}

const URL_LINE = /Atelier is running at (http:\/\/\S+)/;

/** Runs `atelier serve --port 0 --no-open` and resolves once it printed its URL. */
export async function startStudio(options: { home: string; project?: string; demo?: boolean; timeoutMs?: number }): Promise<StudioServer> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npm run build)`);
  const args = [CLI, 'serve', '--port', '0', '--no-open'];
  if (options.project) args.push('--project', options.project);
  if (options.demo) args.push('--demo');
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ATELIER_HOME: options.home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(...chunk.split('\n').filter(Boolean)));

  const url = await new Promise<string>((resolveUrl, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`atelier serve printed no URL within ${options.timeoutMs ?? 30_000} ms.\nstdout: ${stdout}\nstderr: ${stderr.join('\n')}`));
    }, options.timeoutMs ?? 30_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = URL_LINE.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`atelier serve exited (${signal ?? `code ${code}`}) before printing its URL.\nstderr: ${stderr.join('\n')}`));
    });
  });

  const parsed = new URL(url);
  const token = parsed.searchParams.get('token');
  if (!token) throw new Error(`The printed URL carries no token: ${url}`);
  return {
    url,
    origin: parsed.origin,
    token,
    stderr,
    process: child,
    stop: () => stopProcess(child),
  };
}

/** A scratch folder for one test: `home/` for per-user state, `projects/` for project folders. */
export async function scratchDir(): Promise<{ root: string; home: string; projects: string; remove(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'atelier-e2e-'));
  const home = join(root, 'home');
  const projects = join(root, 'projects');
  await mkdir(home);
  await mkdir(projects);
  return { root, home, projects, remove: () => rm(root, { recursive: true, force: true }) };
}
