import { describe, expect, test } from 'vitest';
import { MMAP_THRESHOLD_BYTES, nativeMemoryEnv } from '../../src/main/util/native-memory';

describe('environment of processes running native engine code', () => {
  test('fixes glibc’s mmap threshold on Linux and keeps everything else', () => {
    const env = nativeMemoryEnv({ PATH: '/usr/bin', ATELIER_THREADS: '2' }, 'linux');
    expect(env).toEqual({ PATH: '/usr/bin', ATELIER_THREADS: '2', MALLOC_MMAP_THRESHOLD_: String(MMAP_THRESHOLD_BYTES) });
  });

  test('leaves a threshold the user chose, and other platforms, alone', () => {
    expect(nativeMemoryEnv({ MALLOC_MMAP_THRESHOLD_: '65536' }, 'linux').MALLOC_MMAP_THRESHOLD_).toBe('65536');
    expect(nativeMemoryEnv({ PATH: 'C:\\bin' }, 'win32')).toEqual({ PATH: 'C:\\bin' });
    expect(nativeMemoryEnv({}, 'darwin').MALLOC_MMAP_THRESHOLD_).toBeUndefined();
  });

  test('does not modify the environment it is given', () => {
    const base = { PATH: '/usr/bin' };
    nativeMemoryEnv(base, 'linux');
    expect(base).toEqual({ PATH: '/usr/bin' });
  });
});
