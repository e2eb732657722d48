/**
 * The built-in demo project. Atelier ships it read-only (resources/demo); the user works
 * in a copy in their data folder, made on first use, so edits and new runs stay theirs
 * and the shipped project stays intact for a later "restore".
 *
 * A copy is made in a hidden staging folder beside the target and renamed into place
 * only when complete, so an interrupted copy never looks like a project. A folder at the
 * target that is not a project (a damaged copy) and a copy replaced by a reset are kept,
 * renamed, never deleted: they may hold the user's work.
 */
import { randomBytes } from 'node:crypto';
import { chmod, cp, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { ProjectInfo } from '../../shared/api/projects';
import { trainOptionFields } from '../../shared/train-options';
import { writeFileAtomic } from '../util/atomic-write';
import { ApiError } from './api-error';
import { PROJECT_FOLDERS, PROJECT_LAYOUT } from './project-layout';
import { manifestPath, readManifest } from './project-manifest';
import type { ProjectService } from './projects';
import { RUN_FILES } from './run-files';

/** The shipped demo inside an installed Atelier (the repository root in development). */
export function shippedDemoDir(appRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.ATELIER_DEMO_DIR ?? join(appRoot, 'resources', 'demo'));
}

/** The user's copy of the demo, beside the per-user state (userConfigDir()). */
export const demoCopyDir = (configDir: string): string => join(configDir, 'demo');

export interface DemoServiceOptions {
  projects: Pick<ProjectService, 'open' | 'current' | 'recent'>;
  /** The shipped, read-only demo project. */
  shippedDir: string;
  /** Where the user's copy lives. */
  copyDir: string;
  log?: (level: 'info' | 'warn', message: string) => void;
  now?: () => Date;
}

export interface DemoOpened {
  project: ProjectInfo;
  /** The shipped demo was copied by this call. */
  copied: boolean;
}

export class DemoService {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: DemoServiceOptions) {}

  /**
   * Open the user's copy of the demo, copying the shipped one first when there is no copy
   * yet, when the copy is damaged (no readable manifest), or when `reset` asks for a fresh one.
   */
  open({ reset = false }: { reset?: boolean } = {}): Promise<DemoOpened> {
    const task = async (): Promise<DemoOpened> => {
      const { copyDir } = this.options;
      const existing = await stat(copyDir).catch(() => null);
      const replace = existing !== null && (reset || !(await isProject(copyDir)));
      if (existing && !replace) return { project: await this.options.projects.open(copyDir), copied: false };
      // The fresh copy is complete before the old one is moved aside.
      const staging = await this.stageCopy();
      try {
        if (replace) {
          const aside = `${copyDir}.${reset ? 'old' : 'damaged'}-${stamp(this.now())}`;
          await rename(copyDir, aside);
          this.log('warn', `${reset ? 'Reset the demo' : `The demo copy in ${copyDir} was damaged`}: the previous copy is kept as ${aside}`);
        }
        await rename(staging, copyDir);
      } catch (err) {
        await rm(staging, { recursive: true, force: true }).catch(() => undefined);
        throw new ApiError('failed', `Could not put the demo project in place at ${copyDir}: ${(err as Error).message}`, { path: copyDir });
      }
      this.log('info', `Copied the demo project to ${copyDir}`);
      return { project: await this.options.projects.open(copyDir), copied: true };
    };
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * What to open when the studio starts without a project named: the demo when asked
   * (`--demo`) or on the first start (no recent projects); otherwise nothing, and the user
   * picks from the start page.
   */
  async openAtStart(force = false): Promise<DemoOpened | null> {
    if (!force) {
      if (this.options.projects.current()) return null;
      const { projects } = await this.options.projects.recent();
      if (projects.length > 0) return null;
    }
    return this.open();
  }

  /** Copy the shipped demo into a hidden staging folder beside the copy folder; returns it. */
  private async stageCopy(): Promise<string> {
    const { shippedDir, copyDir } = this.options;
    try {
      await readManifest(shippedDir);
    } catch (err) {
      throw new ApiError('not-found', `The built-in demo is missing or damaged at ${shippedDir}: ${(err as Error).message}`, {
        path: shippedDir,
      });
    }
    await mkdir(dirname(copyDir), { recursive: true });
    const staging = join(dirname(copyDir), `.demo-${randomBytes(6).toString('hex')}.partial`);
    try {
      await cp(shippedDir, staging, { recursive: true, errorOnExist: true, force: false });
      // An installed app's files may be read-only; the copy is the user's to edit.
      await makeWritable(staging);
      for (const folder of PROJECT_FOLDERS) await mkdir(join(staging, folder), { recursive: true });
      await localiseRuns(staging, copyDir);
      return staging;
    } catch (err) {
      await rm(staging, { recursive: true, force: true }).catch(() => undefined);
      throw new ApiError('failed', `Could not copy the demo project from ${shippedDir} to ${copyDir}: ${(err as Error).message}`, {
        path: copyDir,
      });
    }
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private log(level: 'info' | 'warn', message: string): void {
    this.options.log?.(level, message);
  }
}

async function isProject(dir: string): Promise<boolean> {
  if (!(await stat(manifestPath(dir)).catch(() => null))) return false;
  return readManifest(dir).then(
    () => true,
    () => false,
  );
}

const stamp = (d: Date) => d.toISOString().replace(/[:.]/g, '-');

async function makeWritable(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const s = await stat(path);
    await chmod(path, s.mode | 0o200);
    if (entry.isDirectory()) await makeWritable(path);
  }
}

/** Path options of a run that the shipped demo stores relative to the project folder. */
const RUN_PATH_OPTIONS = ['dataroot', 'checkpoints_dir'] as const;

/**
 * The shipped runs' options hold project-relative paths (the project moves with the
 * install); a run in a project holds absolute ones, as if it had been trained in the copy.
 */
async function localiseRuns(staging: string, finalRoot: string): Promise<void> {
  const runs = join(staging, PROJECT_LAYOUT.runs);
  const names = await readdir(runs).catch(() => [] as string[]);
  for (const name of names) {
    const path = join(runs, name, RUN_FILES.options);
    let options: Record<string, unknown>;
    try {
      options = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    } catch {
      continue;
    }
    let changed = false;
    for (const key of RUN_PATH_OPTIONS) {
      const value = options[key];
      if (typeof value === 'string' && !isAbsolute(value) && trainOptionFields[key].safeParse(value).success) {
        options[key] = resolve(finalRoot, value);
        changed = true;
      }
    }
    if (changed) await writeFileAtomic(path, `${JSON.stringify(options, null, 2)}\n`);
  }
}
