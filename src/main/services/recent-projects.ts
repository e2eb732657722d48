import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { recentProjectSchema, type RecentProject } from '../../shared/api/projects';
import { writeFileAtomic } from '../util/atomic-write';
import { manifestPath } from './project-manifest';

const RECENT_FILE = 'recent-projects.json';
const RECENT_LIMIT = 12;

const recentFileSchema = z.object({ version: z.literal(1), projects: z.array(recentProjectSchema) });

export interface RecentList {
  projects: RecentProject[];
  pruned: { path: string; reason: string }[];
}

/**
 * The recent-projects list, a small JSON file in the user config folder. A missing or
 * unreadable file is an empty list (it is a convenience, not data); writes are atomic.
 */
export class RecentProjects {
  constructor(
    private readonly configDir: string,
    private readonly log: (level: 'info' | 'warn', message: string) => void = () => undefined,
  ) {}

  get file(): string {
    return join(this.configDir, RECENT_FILE);
  }

  /** Newest first; entries whose project folder or manifest is gone are dropped and reported. */
  async list(): Promise<RecentList> {
    const stored = await this.read();
    const projects: RecentProject[] = [];
    const pruned: RecentList['pruned'] = [];
    for (const entry of stored) {
      const present = await access(manifestPath(entry.path)).then(
        () => true,
        () => false,
      );
      if (present) projects.push(entry);
      else pruned.push({ path: entry.path, reason: 'the folder or its atelier.json no longer exists' });
    }
    if (pruned.length > 0) {
      for (const p of pruned) this.log('info', `Removed ${p.path} from recent projects: ${p.reason}`);
      await this.write(projects);
    }
    return { projects, pruned };
  }

  /** Move (or add) a project to the top of the list. */
  async touch(path: string, name: string, now = new Date()): Promise<void> {
    const rest = (await this.read()).filter((p) => p.path !== path);
    await this.write([{ path, name, lastOpened: now.toISOString() }, ...rest].slice(0, RECENT_LIMIT));
  }

  private async read(): Promise<RecentProject[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return [];
    }
    try {
      const parsed = recentFileSchema.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data.projects;
    } catch {
      /* fall through */
    }
    this.log('warn', `Ignoring unreadable recent-projects list ${this.file}; it will be rewritten`);
    return [];
  }

  private async write(projects: RecentProject[]): Promise<void> {
    await writeFileAtomic(this.file, `${JSON.stringify({ version: 1, projects }, null, 2)}\n`);
  }
}
