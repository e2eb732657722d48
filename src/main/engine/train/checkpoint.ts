/**
 * Checkpoints of a training run: one folder per tag (`latest`, `epoch_5`, `iter_20000`)
 * under `<run>/checkpoints/`, holding
 *
 *   checkpoint.json   what the run was doing: epoch, iterations, options, seed, RNG,
 *                     scheduler and optimizer scalars, data position; and the list of files
 *                     with their sizes. Written last: a folder without it is incomplete.
 *   net_<name>.pth    each network's state_dict, in the reference's own format and layouts
 *                     (loadable by PyTorch as the reference's `<epoch>_net_<name>.pth`)
 *   <other>.pth       further tensors: optimizer moments, image pools.
 *
 * Crash safety: a checkpoint is written into a fresh hidden folder (every file fsynced),
 * then swapped in with two renames (old → `.old-…`, new → tag) and the old one removed. A
 * kill at any moment leaves at least one complete folder for the tag — the tag itself, the
 * previous one under `.old-…`, or the new one under `.tmp-…` — and `readCheckpoint` picks the
 * newest complete one. TF.js-free: it moves plain state dicts and JSON.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-write';
import { encodePth, readPth } from '../io/pth';
import type { StateDict } from '../io/tensor-data';

export const CHECKPOINT_FORMAT = 'atelier-checkpoint';
export const CHECKPOINT_VERSION = 1;
export const CHECKPOINT_MANIFEST = 'checkpoint.json';

/** JSON-serialisable description of the run's state at the checkpoint. */
export type CheckpointMeta = Record<string, unknown> & {
  /** Monotonic within a run (e.g. training images seen); picks the newest of several copies. */
  sequence: number;
};

export interface CheckpointFile {
  name: string;
  bytes: number;
}

export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  tag: string;
  savedAt: string;
  files: CheckpointFile[];
  meta: CheckpointMeta;
}

export interface CheckpointPayload {
  meta: CheckpointMeta;
  /** File stem (`net_G`, `optimizer_G`, `pool_A`) → tensors. */
  tensors: ReadonlyMap<string, StateDict>;
}

export interface LoadedCheckpoint {
  manifest: CheckpointManifest;
  /** The folder it was read from (the tag's, or a recovered `.old-`/`.tmp-` copy). */
  dir: string;
  tensors: Map<string, StateDict>;
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const STEM_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

function checkTag(tag: string): void {
  if (!TAG_PATTERN.test(tag)) throw new CheckpointError(`invalid checkpoint tag '${tag}' (letters, digits, '_', '.', '-')`);
}

async function fsyncDir(dir: string): Promise<void> {
  try {
    const h = await open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // Directories cannot be fsynced on every platform; the renames stay ordered anyway.
  }
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/** Write checkpoint `tag` under `root` (the run's checkpoints folder), replacing any previous one. */
export async function writeCheckpoint(root: string, tag: string, payload: CheckpointPayload): Promise<string> {
  checkTag(tag);
  if (!Number.isFinite(payload.meta.sequence)) throw new CheckpointError(`checkpoint '${tag}': meta.sequence must be a finite number`);
  await mkdir(root, { recursive: true });
  const nonce = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = join(root, `.tmp-${tag}-${nonce}`);
  await mkdir(tmp);
  try {
    const files: CheckpointFile[] = [];
    for (const [stem, sd] of payload.tensors) {
      if (!STEM_PATTERN.test(stem)) throw new CheckpointError(`invalid checkpoint file name '${stem}'`);
      const bytes = encodePth(sd, { stem });
      await writeFileAtomic(join(tmp, `${stem}.pth`), bytes);
      files.push({ name: `${stem}.pth`, bytes: bytes.length });
    }
    const manifest: CheckpointManifest = {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      tag,
      savedAt: new Date().toISOString(),
      files,
      meta: payload.meta,
    };
    // Written last: its presence marks the folder complete.
    await writeFileAtomic(join(tmp, CHECKPOINT_MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
    await fsyncDir(tmp);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  const target = join(root, tag);
  let old: string | null = null;
  if (await exists(target)) {
    old = join(root, `.old-${tag}-${nonce}`);
    await rename(target, old);
  }
  await rename(tmp, target);
  await fsyncDir(root);
  // The new folder is complete and in place: every other copy of this tag is stale.
  for (const stale of await strayCopies(root, tag)) await rm(join(root, stale), { recursive: true, force: true });
  return target;
}

/** Hidden `.tmp-<tag>-…` / `.old-<tag>-…` folders left by interrupted writes. */
async function strayCopies(root: string, tag: string): Promise<string[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const re = new RegExp(`^\\.(tmp|old)-${tag.replace(/[.]/g, '\\.')}-[0-9]+-[0-9a-f]+$`);
  return names.filter((n) => re.test(n));
}

/** The manifest of a complete checkpoint folder, or null when it is incomplete or damaged. */
export async function readManifest(dir: string): Promise<CheckpointManifest | null> {
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, CHECKPOINT_MANIFEST), 'utf8')) as CheckpointManifest;
  } catch {
    return null;
  }
  if (manifest?.format !== CHECKPOINT_FORMAT || !Array.isArray(manifest.files) || typeof manifest.meta?.sequence !== 'number') {
    return null;
  }
  if (manifest.version > CHECKPOINT_VERSION) {
    throw new CheckpointError(`${dir}: checkpoint version ${manifest.version} is newer than this program reads (${CHECKPOINT_VERSION})`);
  }
  for (const f of manifest.files) {
    const size = await stat(join(dir, f.name)).then(
      (s) => s.size,
      () => -1,
    );
    if (size !== f.bytes) return null;
  }
  return manifest;
}

/** The newest complete folder for `tag`, including copies an interrupted write left behind. */
export async function findCheckpoint(root: string, tag: string): Promise<{ dir: string; manifest: CheckpointManifest } | null> {
  checkTag(tag);
  const candidates = [tag, ...(await strayCopies(root, tag))];
  let best: { dir: string; manifest: CheckpointManifest } | null = null;
  for (const name of candidates) {
    const dir = join(root, name);
    const manifest = await readManifest(dir);
    if (!manifest || manifest.tag !== tag) continue;
    if (!best || manifest.meta.sequence > best.manifest.meta.sequence) best = { dir, manifest };
  }
  return best;
}

/**
 * Read checkpoint `tag` (recovering from an interrupted write if needed); `include` picks the
 * files to read by stem (all by default).
 */
export async function readCheckpoint(root: string, tag: string, include: (stem: string) => boolean = () => true): Promise<LoadedCheckpoint> {
  const found = await findCheckpoint(root, tag);
  if (!found) {
    const available = await listCheckpoints(root);
    throw new CheckpointError(
      `no complete checkpoint '${tag}' in ${root}${available.length ? ` (available: ${available.join(', ')})` : ' (none saved yet)'}`,
    );
  }
  const tensors = new Map<string, StateDict>();
  for (const f of found.manifest.files) {
    const stem = f.name.replace(/\.pth$/, '');
    if (!include(stem)) continue;
    try {
      tensors.set(stem, await readPth(join(found.dir, f.name)));
    } catch (err) {
      throw new CheckpointError(`${join(found.dir, f.name)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { manifest: found.manifest, dir: found.dir, tensors };
}

/** Tags with a complete checkpoint under `root`, sorted. */
export async function listCheckpoints(root: string): Promise<string[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const tags = new Set<string>();
  for (const n of names) {
    const m = /^\.(?:tmp|old)-(.+)-[0-9]+-[0-9a-f]+$/.exec(n);
    const tag = m ? m[1]! : n.startsWith('.') ? null : n;
    if (tag && TAG_PATTERN.test(tag) && !tags.has(tag) && (await findCheckpoint(root, tag))) tags.add(tag);
  }
  return [...tags].sort();
}
