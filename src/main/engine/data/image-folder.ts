/**
 * Finding the images of a dataset folder, as the reference's `make_dataset`
 * (data/image_folder.py): every file with an image extension, searched recursively, in
 * sorted order, at most `maxDatasetSize` of them.
 */
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

/** The reference's IMG_EXTENSIONS (case-insensitive here), plus .webp which sharp decodes. */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.tif', '.tiff', '.webp'];

export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());
}

/** A dataset problem a user can fix; `path` names the file or folder involved. */
export class DatasetError extends Error {
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = 'DatasetError';
  }
}

/** Whether `dir` exists and is a directory. */
export async function isDirectory(dir: string): Promise<boolean> {
  return stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/**
 * Image paths under `dir`, recursively, sorted by path (code-unit order, as Python's
 * `sorted`). Hidden files and folders (dot-names) are skipped. Throws when `dir` is not a
 * folder.
 */
export async function listImages(dir: string, maxDatasetSize: number | null = null): Promise<string[]> {
  if (!(await isDirectory(dir))) throw new DatasetError(`image folder not found: ${dir}`);
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if ((e.isFile() || e.isSymbolicLink()) && isImageFile(e.name)) out.push(p);
    }
  };
  await walk(dir);
  out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return maxDatasetSize == null ? out : out.slice(0, maxDatasetSize);
}
