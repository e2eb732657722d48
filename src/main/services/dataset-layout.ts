/**
 * Folder layouts of existing datasets, as the reference reads and writes them:
 *   aligned     <dir>/<split>/*.jpg, each image A|B side by side (data/aligned_dataset.py);
 *   unaligned   <dir>/trainA, trainB, testA, … (data/unaligned_dataset.py);
 *   ab-folders  <dir>/A/<split>/x and <dir>/B/<split>/x paired by file name
 *               (datasets/combine_A_and_B.py), or <dir>/<split>/A/x and <dir>/<split>/B/x
 *               (our trainer's paired layout), split folders optional;
 *   images      any folder of photos, read recursively like make_dataset.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, relative } from 'node:path';
import type { Domain, Split } from '../../shared/api/dataset';
import { isImageName } from './dataset-images';

export type FolderLayout = 'images' | 'aligned' | 'unaligned' | 'ab-folders';

export type ScanEntry =
  | { kind: 'photo'; path: string; split?: Split; domain?: Domain }
  | { kind: 'aligned'; path: string; split: Split }
  | { kind: 'pair'; a: string; b: string; split?: Split };

export interface ScanResult {
  layout: FolderLayout;
  entries: ScanEntry[];
  skipped: { source: string; reason: string }[];
}

const SPLIT_NAMES: Record<string, Split> = { train: 'train', val: 'val', valid: 'val', validation: 'val', test: 'test' };

export const splitOfFolder = (name: string): Split | undefined => SPLIT_NAMES[name.toLowerCase()];

async function subdirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
}

/** Which layout a folder holds, judged by its sub-folder names. */
export async function detectLayout(dir: string): Promise<FolderLayout> {
  const dirs = await subdirs(dir);
  const lower = new Set(dirs.map((d) => d.toLowerCase()));
  if (dirs.some((d) => /^(train|val|test)[AB]$/.test(d))) return 'unaligned';
  if (lower.has('a') && lower.has('b')) return 'ab-folders';
  const splitDirs = dirs.filter((d) => splitOfFolder(d));
  for (const d of splitDirs) {
    const inner = new Set((await subdirs(join(dir, d))).map((x) => x.toLowerCase()));
    if (inner.has('a') && inner.has('b')) return 'ab-folders';
  }
  if (splitDirs.length) return 'aligned';
  return 'images';
}

/** Image files below `dir` (sorted, as the reference sorts), and the files that are not images. */
export async function listImages(
  dir: string,
  recursive: boolean,
  skipped: ScanResult['skipped'],
  root = dir,
): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (recursive) out.push(...(await listImages(path, true, skipped, root)));
    } else if (e.isFile() || (e.isSymbolicLink() && (await stat(path).catch(() => null))?.isFile())) {
      if (isImageName(e.name)) out.push(path);
      else skipped.push({ source: path, reason: `not an image file (${relative(root, path)})` });
    }
  }
  return out;
}

export async function scanFolder(dir: string, layout: FolderLayout): Promise<ScanResult> {
  const skipped: ScanResult['skipped'] = [];
  const entries: ScanEntry[] = [];
  const dirs = await subdirs(dir);

  if (layout === 'images') {
    for (const path of await listImages(dir, true, skipped)) entries.push({ kind: 'photo', path });
  } else if (layout === 'aligned') {
    for (const d of dirs) {
      const split = splitOfFolder(d);
      if (!split) {
        skipped.push({ source: join(dir, d), reason: `folder "${d}" is not a split (train, val or test)` });
        continue;
      }
      for (const path of await listImages(join(dir, d), true, skipped)) entries.push({ kind: 'aligned', path, split });
    }
  } else if (layout === 'unaligned') {
    for (const d of dirs) {
      const m = /^(train|val|test)([AB])$/.exec(d);
      if (!m) {
        skipped.push({ source: join(dir, d), reason: `folder "${d}" is not one of trainA, trainB, valA, valB, testA, testB` });
        continue;
      }
      for (const path of await listImages(join(dir, d), true, skipped)) {
        entries.push({ kind: 'photo', path, split: m[1] as Split, domain: m[2] as Domain });
      }
    }
  } else {
    // Either A/<split>/ and B/<split>/ (or plain A/, B/), or <split>/A/ and <split>/B/.
    const groups: { aDir: string; bDir: string; aName: string; bName: string; split?: Split }[] = [];
    const a = dirs.find((d) => d.toLowerCase() === 'a');
    const b = dirs.find((d) => d.toLowerCase() === 'b');
    if (a && b) {
      const splitDirs = (await subdirs(join(dir, a))).filter((d) => splitOfFolder(d));
      if (splitDirs.length) {
        for (const d of splitDirs) {
          groups.push({ aDir: join(dir, a, d), bDir: join(dir, b, d), aName: join(a, d), bName: join(b, d), split: splitOfFolder(d) });
        }
      } else {
        groups.push({ aDir: join(dir, a), bDir: join(dir, b), aName: a, bName: b });
      }
    } else {
      for (const d of dirs.filter((x) => splitOfFolder(x))) {
        const inner = await subdirs(join(dir, d));
        const ia = inner.find((x) => x.toLowerCase() === 'a');
        const ib = inner.find((x) => x.toLowerCase() === 'b');
        if (ia && ib) {
          groups.push({ aDir: join(dir, d, ia), bDir: join(dir, d, ib), aName: join(d, ia), bName: join(d, ib), split: splitOfFolder(d) });
        }
      }
    }
    if (!groups.length) throw new Error(`${dir} has no A/ and B/ folders`);
    for (const g of groups) {
      const aFiles = await listImages(g.aDir, false, skipped);
      const bFiles = new Map<string, string>();
      for (const p of await listImages(g.bDir, false, skipped).catch(() => [] as string[])) bFiles.set(stemOf(g.bDir, p), p);
      for (const path of aFiles) {
        // Matched by name without extension, as our trainer's paired loader matches them.
        const key = stemOf(g.aDir, path);
        const partner = bFiles.get(key);
        if (!partner) {
          skipped.push({ source: path, reason: `no file ${join(g.bName, key)}.* to pair it with` });
          continue;
        }
        bFiles.delete(key);
        entries.push({ kind: 'pair', a: path, b: partner, split: g.split });
      }
      for (const [key, path] of bFiles) skipped.push({ source: path, reason: `no file ${join(g.aName, key)}.* to pair it with` });
    }
  }
  return { layout, entries, skipped };
}

function stemOf(dir: string, path: string): string {
  const rel = relative(dir, path);
  return basename(rel, extname(rel));
}
