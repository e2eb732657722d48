import { mkdir, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { ProjectInfo, ProjectManifest } from '../../shared/api/projects';
import { ApiError } from './api-error';
import { resolveInProject } from './path-confinement';
import { PROJECT_FOLDERS, PROJECT_LAYOUT } from './project-layout';
import { manifestPath, newManifest, readManifest, writeManifest } from './project-manifest';
import type { RecentList, RecentProjects } from './recent-projects';

export interface ProjectServiceOptions {
  recent: RecentProjects;
  /** Called after the open project changes (opened, created, manifest rewritten). */
  onChange?: (project: ProjectInfo | null) => void;
  now?: () => Date;
}

/**
 * The open project: create, open, update its manifest, and resolve files inside it.
 * Operations run one at a time, so two requests cannot interleave a check and a write.
 */
export class ProjectService {
  private open_: ProjectInfo | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ProjectServiceOptions) {}

  current(): ProjectInfo | null {
    return this.open_;
  }

  /** The open project's folder; throws a clear error when none is open. */
  requireRoot(): string {
    if (!this.open_) throw new ApiError('failed', 'No project is open: create or open a project first');
    return this.open_.root;
  }

  create(dir: string, name?: string): Promise<ProjectInfo> {
    return this.serial(async () => {
      const root = absoluteDir(dir);
      const existing = await stat(root).catch(() => null);
      if (existing && !existing.isDirectory()) {
        throw new ApiError('failed', `Cannot create a project at ${root}: it is a file, not a folder`, { path: root });
      }
      if (await stat(manifestPath(root)).catch(() => null)) {
        throw new ApiError('failed', `${root} already holds an Atelier project (${PROJECT_LAYOUT.manifest}); open it instead`, {
          path: root,
        });
      }
      for (const folder of PROJECT_FOLDERS) await mkdir(join(root, folder), { recursive: true });
      const manifest = newManifest(name ?? (basename(root) || 'Untitled'), this.now());
      await writeManifest(root, manifest);
      return this.setOpen(root, manifest);
    });
  }

  open(dir: string): Promise<ProjectInfo> {
    return this.serial(async () => {
      const root = absoluteDir(dir);
      const manifest = await readManifest(root);
      return this.setOpen(root, manifest);
    });
  }

  /**
   * Rewrite the open project's manifest. `update` gets the current manifest and returns
   * the new one; keys it does not touch (including ones this version does not know) stay.
   */
  updateManifest(update: (manifest: ProjectManifest) => ProjectManifest): Promise<ProjectInfo> {
    return this.serial(async () => {
      const root = this.requireRoot();
      // Re-read so an edit made outside the app since opening is not lost.
      const next = { ...update(await readManifest(root)), modified: this.now().toISOString() };
      await writeManifest(root, next);
      this.open_ = { root, manifest: next };
      this.options.onChange?.(this.open_);
      return this.open_;
    });
  }

  /** The real path of an existing file inside the open project (see resolveInProject). */
  resolveFile(rel: string): Promise<string> {
    return resolveInProject(this.requireRoot(), rel);
  }

  recent(): Promise<RecentList> {
    return this.options.recent.list();
  }

  private async setOpen(root: string, manifest: ProjectManifest): Promise<ProjectInfo> {
    this.open_ = { root, manifest };
    await this.options.recent.touch(root, manifest.name, this.now());
    this.options.onChange?.(this.open_);
    return this.open_;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function absoluteDir(dir: string): string {
  if (!isAbsolute(dir)) {
    throw new ApiError('invalid-payload', `Project folder must be an absolute path, got ${JSON.stringify(dir)}`, {
      path: dir,
    });
  }
  return resolve(dir);
}
