import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/main/services/api-error';
import { userConfigDir } from '../../src/main/services/config-dir';
import { resolveInProject } from '../../src/main/services/path-confinement';
import { PROJECT_FOLDERS } from '../../src/main/services/project-layout';
import { ProjectService } from '../../src/main/services/projects';
import { RecentProjects } from '../../src/main/services/recent-projects';
import type { ProjectInfo } from '../../src/shared/api/projects';

let home: string;
let configDir: string;
let logs: string[];
let changes: (ProjectInfo | null)[];
let clock: number;

function service(): ProjectService {
  return new ProjectService({
    recent: new RecentProjects(configDir, (level, message) => logs.push(`${level}: ${message}`)),
    onChange: (p) => changes.push(p),
    now: () => new Date((clock += 1000)),
  });
}

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected a failure');
}

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'atelier-projects-'));
  configDir = join(home, 'config');
  logs = [];
  changes = [];
  clock = Date.parse('2026-01-01T00:00:00Z');
});

describe('creating a project', () => {
  it('makes the documented layout and a valid manifest, and opens it', async () => {
    const projects = service();
    const dir = join(home, 'facades');
    const info = await projects.create(dir);
    expect((await readdir(dir)).sort()).toEqual(['atelier.json', ...PROJECT_FOLDERS].sort());
    const manifest = JSON.parse(await readFile(join(dir, 'atelier.json'), 'utf8'));
    expect(manifest).toEqual({
      format: 'atelier-project',
      version: 1,
      name: 'facades',
      created: '2026-01-01T00:00:01.000Z',
      modified: '2026-01-01T00:00:01.000Z',
    });
    expect(info).toEqual({ root: dir, manifest });
    expect(projects.current()).toEqual(info);
    expect(changes).toEqual([info]);
    expect((await projects.recent()).projects.map((p) => p.path)).toEqual([dir]);
  });

  it('uses the given name, and keeps files already in the folder', async () => {
    const dir = join(home, 'existing');
    await mkdir(join(dir, 'dataset'), { recursive: true });
    await writeFile(join(dir, 'dataset', 'a.png'), 'png');
    const info = await service().create(dir, 'Horses to zebras');
    expect(info.manifest.name).toBe('Horses to zebras');
    expect(await readFile(join(dir, 'dataset', 'a.png'), 'utf8')).toBe('png');
  });

  it('refuses a folder that already holds a project, leaving its manifest as it was', async () => {
    const dir = join(home, 'twice');
    await service().create(dir, 'first');
    const before = await readFile(join(dir, 'atelier.json'), 'utf8');
    const err = await failure(service().create(dir, 'second'));
    expect(err.message).toMatch(/already holds an Atelier project.*open it instead/);
    expect(await readFile(join(dir, 'atelier.json'), 'utf8')).toBe(before);
  });

  it('refuses relative paths and files', async () => {
    const err = await failure(service().create('relative/dir'));
    expect(err.code).toBe('invalid-payload');
    expect(err.message).toMatch(/absolute path.*relative\/dir/);
    await writeFile(join(home, 'file'), 'x');
    expect((await failure(service().create(join(home, 'file')))).message).toMatch(/is a file, not a folder/);
  });
});

describe('opening a project', () => {
  it('reads the manifest and keeps keys this version does not know when it is rewritten', async () => {
    const dir = join(home, 'p');
    await mkdir(dir);
    const stored = {
      format: 'atelier-project',
      version: 1,
      name: 'Maps',
      created: '2025-05-01T10:00:00.000Z',
      modified: '2025-05-01T10:00:00.000Z',
      domains: { A: 'satellite', B: 'map' },
      futureSetting: { keep: true },
    };
    await writeFile(join(dir, 'atelier.json'), JSON.stringify(stored));
    const projects = service();
    const info = await projects.open(dir);
    expect(info.manifest).toEqual(stored);

    const updated = await projects.updateManifest((m) => ({ ...m, name: 'Maps v2' }));
    const onDisk = JSON.parse(await readFile(join(dir, 'atelier.json'), 'utf8'));
    expect(onDisk).toEqual({ ...stored, name: 'Maps v2', modified: '2026-01-01T00:00:02.000Z' });
    expect(updated.manifest).toEqual(onDisk);
    // Written through a temp file and a rename: nothing else is left in the folder.
    expect(await readdir(dir)).toEqual(['atelier.json']);
  });

  it('refuses a manifest written by a newer version, naming the file and the versions', async () => {
    const dir = join(home, 'newer');
    await mkdir(dir);
    const text = JSON.stringify({ format: 'atelier-project', version: 7, name: 'n', created: 'x', modified: 'x' });
    await writeFile(join(dir, 'atelier.json'), text);
    const err = await failure(service().open(dir));
    expect(err.message).toContain(join(dir, 'atelier.json'));
    expect(err.message).toMatch(/newer Atelier \(manifest version 7; this version reads up to 1\)/);
    expect(await readFile(join(dir, 'atelier.json'), 'utf8')).toBe(text);
  });

  it('refuses corrupt manifests with what is wrong, and never rewrites them', async () => {
    const dir = join(home, 'corrupt');
    await mkdir(dir);
    const cases: [string, RegExp][] = [
      ['{"format": "atelier-project", "version": 1, ', /is corrupt \(not valid JSON/],
      ['[]', /not an Atelier project manifest/],
      [JSON.stringify({ format: 'other', version: 1 }), /format must be "atelier-project"/],
      [JSON.stringify({ format: 'atelier-project', version: 1, created: '2025-01-01T00:00:00Z', modified: 'yesterday' }), /is corrupt: .*name.*modified|is corrupt: .*modified.*name/],
    ];
    for (const [text, message] of cases) {
      await writeFile(join(dir, 'atelier.json'), text);
      const err = await failure(service().open(dir));
      expect(err.code).toBe('failed');
      expect(err.message).toMatch(message);
      expect(await readFile(join(dir, 'atelier.json'), 'utf8')).toBe(text);
    }
  });

  it('reports a folder without a manifest as not-found, and a failed open keeps the open project', async () => {
    const projects = service();
    const good = await projects.create(join(home, 'good'));
    await mkdir(join(home, 'plain'));
    const err = await failure(projects.open(join(home, 'plain')));
    expect(err.code).toBe('not-found');
    expect(err.message).toMatch(/is not an Atelier project: atelier.json is missing/);
    expect(projects.current()).toEqual(good);
  });

  it('refuses a manifest update that would break the schema, leaving the file untouched', async () => {
    const projects = service();
    const { root } = await projects.create(join(home, 'strict'));
    const before = await readFile(join(root, 'atelier.json'), 'utf8');
    await expect(projects.updateManifest((m) => ({ ...m, name: '' }))).rejects.toThrow();
    expect(await readFile(join(root, 'atelier.json'), 'utf8')).toBe(before);
  });
});

describe('recent projects', () => {
  it('lists newest first without duplicates and prunes folders that are gone, with a note', async () => {
    const projects = service();
    const a = await projects.create(join(home, 'a'));
    const b = await projects.create(join(home, 'b'));
    await projects.open(a.root);
    expect((await projects.recent()).projects.map((p) => p.path)).toEqual([a.root, b.root]);

    await rm(b.root, { recursive: true });
    const listed = await service().recent();
    expect(listed.projects.map((p) => p.path)).toEqual([a.root]);
    expect(listed.pruned).toEqual([{ path: b.root, reason: expect.stringMatching(/no longer exists/) }]);
    expect(logs).toContain(`info: Removed ${b.root} from recent projects: the folder or its atelier.json no longer exists`);
    // The pruned list was written back.
    expect((await service().recent()).pruned).toEqual([]);
  });

  it('keeps at most 12 entries', async () => {
    const projects = service();
    for (let i = 0; i < 14; i++) await projects.create(join(home, `p${i}`));
    const listed = await projects.recent();
    expect(listed.projects).toHaveLength(12);
    expect(listed.projects[0].path).toBe(join(home, 'p13'));
  });

  it('treats an unreadable list as empty, says so, and rewrites it', async () => {
    await mkdir(configDir, { recursive: true });
    await writeFile(join(configDir, 'recent-projects.json'), 'not json');
    const projects = service();
    expect((await projects.recent()).projects).toEqual([]);
    expect(logs.some((l) => /^warn: Ignoring unreadable recent-projects list/.test(l))).toBe(true);
    await projects.create(join(home, 'fresh'));
    const stored = JSON.parse(await readFile(join(configDir, 'recent-projects.json'), 'utf8'));
    expect(stored.projects.map((p: { path: string }) => p.path)).toEqual([join(home, 'fresh')]);
  });
});

describe('userConfigDir', () => {
  it('honours ATELIER_HOME, else the platform folder', () => {
    expect(userConfigDir({ ATELIER_HOME: '/custom' }, 'linux')).toBe('/custom');
    expect(userConfigDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux')).toBe('/xdg/atelier');
    expect(userConfigDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32')).toMatch(/Roaming.Atelier$/);
    expect(userConfigDir({}, 'darwin')).toMatch(/Library\/Application Support\/Atelier$/);
  });
});

describe('resolveInProject', () => {
  let root: string;
  beforeEach(async () => {
    root = join(home, 'proj');
    await mkdir(join(root, 'dataset'), { recursive: true });
    await writeFile(join(root, 'dataset', 'img 1.png'), 'x');
    await writeFile(join(home, 'secret.txt'), 'secret');
    await symlink(join(home, 'secret.txt'), join(root, 'escape.txt'));
    await symlink(join(root, 'dataset', 'img 1.png'), join(root, 'inside.png'));
    await symlink(home, join(root, 'up'));
  });

  it('resolves files inside, including symlinks that stay inside', async () => {
    expect(await resolveInProject(root, 'dataset/img 1.png')).toBe(join(root, 'dataset', 'img 1.png'));
    expect(await resolveInProject(root, 'inside.png')).toBe(join(root, 'dataset', 'img 1.png'));
  });

  it.each([
    ['../secret.txt', /"\.\." segment/],
    ['dataset/../../secret.txt', /"\.\." segment/],
    ['/etc/passwd', /is absolute/],
    ['C:/Windows/win.ini', /is absolute/],
    ['dataset\\..\\..\\secret.txt', /backslash/],
    ['dataset/img 1.png\0.txt', /NUL byte/],
    ['escape.txt', /resolves outside/],
    ['up/secret.txt', /resolves outside/],
    ['', /is empty/],
  ])('refuses %j', async (rel, message) => {
    const err = await failure(resolveInProject(root, rel));
    expect(err.code).toBe('forbidden');
    expect(err.message).toMatch(message);
  });

  it('reports a missing file as not-found', async () => {
    expect((await failure(resolveInProject(root, 'dataset/none.png'))).code).toBe('not-found');
    expect(existsSync(join(root, 'dataset', 'none.png'))).toBe(false);
  });
});
