/**
 * The demo project's copy-on-first-use: the user works in their own copy, made from the
 * shipped, read-only demo, which stays as it was; a damaged copy or a reset never deletes
 * what the user had.
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/main/services/api-error';
import { demoCopyDir, DemoService, shippedDemoDir } from '../../src/main/services/demo';
import { ProjectService } from '../../src/main/services/projects';
import { RecentProjects } from '../../src/main/services/recent-projects';
import { fileHashes } from '../helpers/file-hashes';

let root: string;
let shipped: string;
let configDir: string;
let logs: string[];
let projects: ProjectService;

/** A small shipped demo: a project with a finished run whose options hold project-relative paths. */
async function makeShipped(dir: string): Promise<void> {
  const maker = new ProjectService({ recent: new RecentProjects(join(root, 'maker-config')) });
  await maker.create(dir, 'Atelier demo');
  await mkdir(join(dir, 'data', 'facades', 'train', 'A'), { recursive: true });
  await writeFile(join(dir, 'data', 'facades', 'train', 'A', 'facade_000.jpg'), 'not really a jpeg');
  await mkdir(join(dir, 'runs', 'facades-pix2pix'), { recursive: true });
  await writeFile(
    join(dir, 'runs', 'facades-pix2pix', 'options.json'),
    JSON.stringify({ name: 'facades-pix2pix', model: 'pix2pix', dataroot: 'data/facades', checkpoints_dir: 'runs', ngf: 16 }),
  );
  await writeFile(join(dir, 'runs', 'facades-pix2pix', 'metrics.jsonl'), '{"step":1,"epoch":1,"G_GAN":0.7}\n');
}

function demoService(overrides: Partial<ConstructorParameters<typeof DemoService>[0]> = {}): DemoService {
  return new DemoService({
    projects,
    shippedDir: shipped,
    copyDir: demoCopyDir(configDir),
    log: (level, message) => logs.push(`${level}: ${message}`),
    now: () => new Date('2026-03-04T05:06:07.000Z'),
    ...overrides,
  });
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'atelier-demo-'));
  shipped = join(root, 'install', 'resources', 'demo');
  configDir = join(root, 'config');
  logs = [];
  projects = new ProjectService({ recent: new RecentProjects(configDir) });
  await makeShipped(shipped);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('opening the demo', () => {
  it('copies the shipped demo to the user data folder on first use and opens the copy, leaving the shipped one as it was', async () => {
    const before = await fileHashes(shipped);
    const demo = demoService();
    const opened = await demo.open();
    const copy = join(configDir, 'demo');
    expect(opened.copied).toBe(true);
    expect(opened.project.root).toBe(copy);
    expect(projects.current()?.root).toBe(copy);
    expect(opened.project.manifest.name).toBe('Atelier demo');
    expect(await readFile(join(copy, 'data', 'facades', 'train', 'A', 'facade_000.jpg'), 'utf8')).toBe('not really a jpeg');
    // Every project folder exists, even those git cannot ship empty.
    for (const folder of ['dataset', 'labels', 'runs', 'models', 'exports']) expect((await stat(join(copy, folder))).isDirectory()).toBe(true);
    expect(await fileHashes(shipped)).toEqual(before);
    // No staging folder is left beside the copy.
    expect((await readdir(configDir)).filter((n) => n.startsWith('.demo-'))).toEqual([]);
    // It is now a recent project like any other.
    expect((await projects.recent()).projects.map((p) => p.path)).toEqual([copy]);
  });

  it('gives the copied runs absolute paths inside the copy, as a run trained there would have', async () => {
    await demoService().open();
    const copy = join(configDir, 'demo');
    const options = JSON.parse(await readFile(join(copy, 'runs', 'facades-pix2pix', 'options.json'), 'utf8'));
    expect(options.dataroot).toBe(join(copy, 'data', 'facades'));
    expect(options.checkpoints_dir).toBe(join(copy, 'runs'));
    expect(options.ngf).toBe(16);
    const shippedOptions = JSON.parse(await readFile(join(shipped, 'runs', 'facades-pix2pix', 'options.json'), 'utf8'));
    expect(shippedOptions.dataroot).toBe('data/facades');
  });

  it('opens the existing copy afterwards, with the user\'s changes, without copying again', async () => {
    const demo = demoService();
    await demo.open();
    const copy = join(configDir, 'demo');
    await writeFile(join(copy, 'labels', 'mine.png'), 'my label map');
    const again = await demoService().open();
    expect(again.copied).toBe(false);
    expect(again.project.root).toBe(copy);
    expect(await readFile(join(copy, 'labels', 'mine.png'), 'utf8')).toBe('my label map');
  });

  it('replaces a damaged copy with a fresh one, keeping the damaged folder beside it', async () => {
    const copy = join(configDir, 'demo');
    await mkdir(copy, { recursive: true });
    await writeFile(join(copy, 'notes.txt'), 'half a copy');
    const opened = await demoService().open();
    expect(opened.copied).toBe(true);
    expect(opened.project.manifest.name).toBe('Atelier demo');
    const aside = join(configDir, 'demo.damaged-2026-03-04T05-06-07-000Z');
    expect(await readFile(join(aside, 'notes.txt'), 'utf8')).toBe('half a copy');
    expect(logs.some((l) => l.startsWith('warn:') && l.includes(aside))).toBe(true);
  });

  it('restores a fresh copy on reset and keeps the previous copy, renamed', async () => {
    await demoService().open();
    const copy = join(configDir, 'demo');
    await writeFile(join(copy, 'labels', 'mine.png'), 'my label map');
    const reset = await demoService().open({ reset: true });
    expect(reset.copied).toBe(true);
    await expect(stat(join(copy, 'labels', 'mine.png'))).rejects.toThrow();
    expect(await readFile(join(configDir, 'demo.old-2026-03-04T05-06-07-000Z', 'labels', 'mine.png'), 'utf8')).toBe('my label map');
  });

  it('makes the copy writable when the installed demo is read-only', async () => {
    const manifest = join(shipped, 'atelier.json');
    await chmod(manifest, 0o444);
    await demoService().open();
    const copied = await stat(join(configDir, 'demo', 'atelier.json'));
    expect(copied.mode & 0o200).toBe(0o200);
    // The manifest can be rewritten in the copy (what renaming a domain does).
    await projects.updateManifest((m) => ({ ...m, name: 'My demo' }));
    expect(JSON.parse(await readFile(join(configDir, 'demo', 'atelier.json'), 'utf8')).name).toBe('My demo');
  });

  it('fails with the shipped path when the install has no demo, and leaves nothing behind', async () => {
    const missing = join(root, 'elsewhere', 'demo');
    const error = await demoService({ shippedDir: missing })
      .open()
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('not-found');
    expect((error as ApiError).message).toContain(missing);
    await expect(stat(join(configDir, 'demo'))).rejects.toThrow();
    expect(projects.current()).toBeNull();
  });

  it('keeps a damaged copy in place when no fresh copy can be made', async () => {
    const copy = join(configDir, 'demo');
    await mkdir(copy, { recursive: true });
    await writeFile(join(copy, 'notes.txt'), 'half a copy');
    await expect(demoService({ shippedDir: join(root, 'nothing') }).open()).rejects.toThrow(/missing or damaged/);
    expect(await readFile(join(copy, 'notes.txt'), 'utf8')).toBe('half a copy');
  });
});

describe('the demo at start', () => {
  it('opens on the first start, when there is no recent project', async () => {
    const opened = await demoService().openAtStart();
    expect(opened?.project.root).toBe(join(configDir, 'demo'));
  });

  it('stays closed for a returning user unless asked for', async () => {
    const own = join(root, 'projects', 'mine');
    await projects.create(own);
    const fresh = new ProjectService({ recent: new RecentProjects(configDir) });
    expect(await demoService({ projects: fresh }).openAtStart()).toBeNull();
    expect(fresh.current()).toBeNull();
    const asked = await demoService({ projects: fresh }).openAtStart(true);
    expect(asked?.project.root).toBe(join(configDir, 'demo'));
  });
});

describe('where the demo lives', () => {
  it('ships in resources/demo of the app, unless ATELIER_DEMO_DIR says otherwise', () => {
    expect(shippedDemoDir('/opt/atelier', {})).toBe(join('/opt/atelier', 'resources', 'demo'));
    expect(shippedDemoDir('/opt/atelier', { ATELIER_DEMO_DIR: '/data/demo' })).toBe('/data/demo');
    expect(demoCopyDir('/home/me/.config/atelier')).toBe(join('/home/me/.config/atelier', 'demo'));
  });
});
