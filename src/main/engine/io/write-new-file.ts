import { randomBytes } from 'node:crypto';
import { access, link, mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

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
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx');
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
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
  await fsyncDir(dir);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Directories cannot be fsynced everywhere (Windows); durability of the link is best effort.
  }
}
