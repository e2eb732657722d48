import { access, link, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir, writeTempBeside } from '../../util/atomic-write';

export class FileExistsError extends Error {
  override name = 'FileExistsError';
  readonly code = 'EEXIST';
  constructor(readonly path: string) {
    super(`${path} already exists (pass overwrite: true to replace it)`);
  }
}

/**
 * Create `path` with `data`, atomically and never replacing an existing file: the data go
 * to a fsynced temp file beside the target, which is then hard-linked into place — link()
 * fails with EEXIST rather than overwrite, so two writers cannot both succeed. Where the
 * file system has no hard links, an existence check and a rename stand in.
 */
export async function writeNewFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const tmp = await writeTempBeside(path, data);
  try {
    try {
      await link(tmp, path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new FileExistsError(path);
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw err;
      if (await exists(path)) throw new FileExistsError(path);
      await rename(tmp, path);
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  await fsyncDir(dirname(path));
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
