/**
 * Atomic writes: replacing a file and creating one that must not exist share their first
 * half (an fsynced temp file beside the target); neither leaves a temp file behind, whether
 * it succeeds or fails.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileExistsError, writeNewFileAtomic } from '../../src/main/engine/io/write-new-file';
import { writeFileAtomic, writeTempBeside } from '../../src/main/util/atomic-write';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atelier-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bytes = (text: string) => new TextEncoder().encode(text);
/** Every entry of `d`, temp files included (they are dot files). */
const entries = async (d: string) => (await readdir(d)).sort();

describe('writeTempBeside', () => {
  it('writes a hidden temp file in the target folder, creating the folder', async () => {
    const target = join(dir, 'a', 'b', 'file.json');
    const tmp = await writeTempBeside(target, '{"x":1}');
    expect(tmp.startsWith(join(dir, 'a', 'b', '.file.json.'))).toBe(true);
    expect(tmp.endsWith('.tmp')).toBe(true);
    expect(await readFile(tmp, 'utf8')).toBe('{"x":1}');
    expect(await entries(join(dir, 'a', 'b'))).toHaveLength(1);
  });

  it('leaves nothing behind when the data cannot be written', async () => {
    const target = join(dir, 'file.bin');
    await expect(writeTempBeside(target, 42 as unknown as string)).rejects.toThrow();
    expect(await entries(dir)).toEqual([]);
  });
});

describe('writeFileAtomic', () => {
  it('creates and then replaces a file, leaving no temp file', async () => {
    const path = join(dir, 'sub', 'state.json');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, bytes('two'));
    expect(await readFile(path, 'utf8')).toBe('two');
    expect(await entries(join(dir, 'sub'))).toEqual(['state.json']);
  });

  it('removes its temp file when the rename fails', async () => {
    // A folder where the file should go: rename(file, non-empty folder) fails.
    const path = join(dir, 'taken');
    await mkdir(join(path, 'inside'), { recursive: true });
    await expect(writeFileAtomic(path, 'x')).rejects.toThrow();
    expect(await entries(dir)).toEqual(['taken']);
  });
});

describe('writeNewFileAtomic', () => {
  it('creates a file, and refuses to replace one with FileExistsError', async () => {
    const path = join(dir, 'out', 'image.png');
    await writeNewFileAtomic(path, bytes('first'));
    await expect(writeNewFileAtomic(path, bytes('second'))).rejects.toThrow(FileExistsError);
    expect(await readFile(path, 'utf8')).toBe('first');
    expect(await entries(join(dir, 'out'))).toEqual(['image.png']);
  });

  it('lets exactly one of several concurrent writers create the file', async () => {
    const path = join(dir, 'race.txt');
    await writeFile(join(dir, 'other.txt'), 'untouched');
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => writeNewFileAtomic(path, bytes(`writer ${i}`))));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(FileExistsError);
    expect(await readFile(path, 'utf8')).toBe(`writer ${won[0]}`);
    expect(await entries(dir)).toEqual(['other.txt', 'race.txt']);
  });
});
