import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { MMAP_THRESHOLD_BYTES, TRIM_THRESHOLD_BYTES, nativeMemoryEnv } from '../../src/main/util/native-memory';

describe('environment of processes running native engine code', () => {
  test('sets glibc’s mmap and trim thresholds on Linux and keeps everything else', () => {
    const env = nativeMemoryEnv({ PATH: '/usr/bin', ATELIER_THREADS: '2' }, 'linux');
    expect(env).toEqual({
      PATH: '/usr/bin',
      ATELIER_THREADS: '2',
      MALLOC_MMAP_THRESHOLD_: String(MMAP_THRESHOLD_BYTES),
      MALLOC_TRIM_THRESHOLD_: String(TRIM_THRESHOLD_BYTES),
    });
  });

  test('leaves thresholds the user chose, each on its own, and other platforms, alone', () => {
    const mmap = nativeMemoryEnv({ MALLOC_MMAP_THRESHOLD_: '65536' }, 'linux');
    expect(mmap.MALLOC_MMAP_THRESHOLD_).toBe('65536');
    expect(mmap.MALLOC_TRIM_THRESHOLD_).toBe(String(TRIM_THRESHOLD_BYTES));
    const trim = nativeMemoryEnv({ MALLOC_TRIM_THRESHOLD_: '131072' }, 'linux');
    expect(trim.MALLOC_TRIM_THRESHOLD_).toBe('131072');
    expect(trim.MALLOC_MMAP_THRESHOLD_).toBe(String(MMAP_THRESHOLD_BYTES));
    expect(nativeMemoryEnv({ PATH: 'C:\\bin' }, 'win32')).toEqual({ PATH: 'C:\\bin' });
    expect(nativeMemoryEnv({}, 'darwin').MALLOC_MMAP_THRESHOLD_).toBeUndefined();
  });

  test('does not modify the environment it is given', () => {
    const base = { PATH: '/usr/bin' };
    nativeMemoryEnv(base, 'linux');
    expect(base).toEqual({ PATH: '/usr/bin' });
  });

  test.runIf(process.platform === 'linux')('a child started with it takes a 64 MiB block from the heap, and keeps it there once freed', () => {
    // The size of glibc's heap ([heap] in /proc/self/maps) around a 64 MiB allocation and its release.
    const script = `
      const fs = require('node:fs');
      const heap = () => {
        const line = fs.readFileSync('/proc/self/maps', 'utf8').split('\\n').find((l) => l.endsWith('[heap]'));
        if (!line) return 0;
        const [a, b] = line.split(' ')[0].split('-');
        return (parseInt(b, 16) - parseInt(a, 16)) / 2 ** 20;
      };
      const before = heap();
      let block = Buffer.allocUnsafeSlow(64 * 2 ** 20);
      block.fill(1);
      const held = heap();
      block = null;
      global.gc();
      console.log(JSON.stringify({ before, held, freed: heap() }));`;
    const run = (env: NodeJS.ProcessEnv) => {
      const out = spawnSync(process.execPath, ['--expose-gc', '-e', script], { env, encoding: 'utf8' });
      expect(out.status, out.stderr).toBe(0);
      return JSON.parse(out.stdout) as { before: number; held: number; freed: number };
    };
    const base = { PATH: process.env.PATH ?? '' };
    const tuned = run(nativeMemoryEnv(base, 'linux'));
    // (Less the free space the heap already had at its top.)
    expect(tuned.held - tuned.before).toBeGreaterThan(56);
    expect(tuned.freed).toBeGreaterThanOrEqual(tuned.held);
    // glibc's defaults map such a block on its own and unmap it when freed.
    const plain = run(base);
    expect(plain.held - plain.before).toBeLessThan(8);
  });
});
