import { randomBytes } from 'node:crypto';
import { open, rename, unlink, mkdir } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

/**
 * Write a file so that a crash or kill -9 at any moment leaves either the old file or the
 * new one, never a torn mix: write a temp file beside the target, fsync it, rename it over
 * the target, then fsync the directory so the rename itself is durable.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = await writeTempBeside(path, data);
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dirname(path));
}

/**
 * Writes `data` to a new temp file beside `path` (creating its folder), fsynced, and returns
 * the temp file's path: the first half of every atomic write, which then moves it into place.
 * Nothing is left behind when writing fails.
 */
export async function writeTempBeside(path: string, data: Uint8Array | string): Promise<string> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
  } catch (err) {
    // Closing twice is harmless; the error worth reporting is the first one.
    await handle.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  return tmp;
}

/** Makes a rename or link in `dir` durable. */
export async function fsyncDir(dir: string): Promise<void> {
  // Directories cannot be opened for fsync on every platform (Windows); durability of the
  // rename is best effort there.
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* best effort */
  }
}
