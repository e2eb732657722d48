import { fork } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rolldown } from 'rolldown';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateDict } from '../../src/main/engine/io/tensor-data';
import {
  CHECKPOINT_MANIFEST,
  findCheckpoint,
  listCheckpoints,
  readCheckpoint,
  writeCheckpoint,
  type CheckpointPayload,
} from '../../src/main/engine/train/checkpoint';
import { repoRoot } from '../helpers/paths';

let root: string;

/** A payload whose every value encodes `sequence`, so a torn mix of two writes is detectable. */
function payload(sequence: number, size = 1000): CheckpointPayload {
  const net: StateDict = new Map([
    ['model.0.weight', { dtype: 'float32', shape: [size], data: new Float32Array(size).fill(sequence) }],
    ['model.1.num_batches_tracked', { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(sequence)) }],
  ]);
  const opt: StateDict = new Map([['exp_avg.G/model.0.weight', { dtype: 'float32', shape: [size], data: new Float32Array(size).fill(-sequence) }]]);
  return { meta: { sequence, note: `state ${sequence}` }, tensors: new Map([['net_G', net], ['optimizer_G', opt]]) };
}

/** Every value of the checkpoint agrees with its manifest's sequence. */
function consistent(c: Awaited<ReturnType<typeof readCheckpoint>>): boolean {
  const s = c.manifest.meta.sequence;
  const w = c.tensors.get('net_G')!.get('model.0.weight')!.data as Float32Array;
  const n = c.tensors.get('net_G')!.get('model.1.num_batches_tracked')!.data as BigInt64Array;
  const m = c.tensors.get('optimizer_G')!.get('exp_avg.G/model.0.weight')!.data as Float32Array;
  return w.every((v) => v === s) && n[0] === BigInt(s) && m.every((v) => v === -s);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'atelier-ckpt-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('checkpoints', () => {
  it('round-trips state dicts and metadata, and replaces a tag in place', async () => {
    const dir = join(root, 'roundtrip');
    await writeCheckpoint(dir, 'latest', payload(1));
    await writeCheckpoint(dir, 'latest', payload(2));
    await writeCheckpoint(dir, 'epoch_1', payload(1));
    const c = await readCheckpoint(dir, 'latest');
    expect(c.manifest.meta).toEqual({ sequence: 2, note: 'state 2' });
    expect(consistent(c)).toBe(true);
    expect(await listCheckpoints(dir)).toEqual(['epoch_1', 'latest']);
    // Nothing but the two tags is left behind.
    expect((await readdir(dir)).sort()).toEqual(['epoch_1', 'latest']);
    const only = await readCheckpoint(dir, 'latest', (stem) => stem === 'net_G');
    expect([...only.tensors.keys()]).toEqual(['net_G']);
  });

  it('recovers the previous copy when a write stopped between its two renames', async () => {
    const dir = join(root, 'between');
    await writeCheckpoint(dir, 'latest', payload(5));
    // The state after `latest → .old-…` and before `.tmp-… → latest`: only hidden copies.
    await rename(join(dir, 'latest'), join(dir, '.old-latest-123-abcd'));
    const c = await readCheckpoint(dir, 'latest');
    expect(c.manifest.meta.sequence).toBe(5);
    expect(c.dir).toMatch(/\.old-latest-123-abcd$/);
    // The next write cleans the strays up.
    await writeCheckpoint(dir, 'latest', payload(6));
    expect((await readdir(dir)).sort()).toEqual(['latest']);
  });

  it('ignores incomplete folders: no manifest, or a file of the wrong size', async () => {
    const dir = join(root, 'incomplete');
    await writeCheckpoint(dir, 'latest', payload(3));
    await mkdir(join(dir, '.tmp-latest-99-beef'));
    await writeFile(join(dir, '.tmp-latest-99-beef', 'net_G.pth'), 'partial');
    await writeCheckpoint(dir, 'epoch_2', payload(4));
    await writeFile(join(dir, 'epoch_2', 'net_G.pth'), 'truncated');
    expect((await findCheckpoint(dir, 'latest'))!.manifest.meta.sequence).toBe(3);
    expect(await findCheckpoint(dir, 'epoch_2')).toBeNull();
    await expect(readCheckpoint(dir, 'epoch_2')).rejects.toThrow(/no complete checkpoint 'epoch_2' in .*available: latest/);
    await expect(readCheckpoint(join(root, 'nothing'), 'latest')).rejects.toThrow(/none saved yet/);
  });

  it('rejects tags that are not plain names', async () => {
    await expect(writeCheckpoint(root, '../escape', payload(1))).rejects.toThrow(/invalid checkpoint tag/);
  });

  it('survives kill -9 at random moments: the latest checkpoint always loads, whole', async () => {
    // A child process that saves checkpoints in a loop, built from the same module.
    const build = join(repoRoot, 'node_modules', '.cache', 'atelier-tests');
    await mkdir(build, { recursive: true });
    const entry = join(build, 'checkpoint-writer.ts');
    await writeFile(
      entry,
      `import { writeCheckpoint } from ${JSON.stringify(join(repoRoot, 'src/main/engine/train/checkpoint.ts'))};
const dir = process.argv[2];
const size = 200000;
for (let sequence = 1; ; sequence++) {
  const net = new Map([
    ['model.0.weight', { dtype: 'float32', shape: [size], data: new Float32Array(size).fill(sequence) }],
    ['model.1.num_batches_tracked', { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(sequence)) }],
  ]);
  const opt = new Map([['exp_avg.G/model.0.weight', { dtype: 'float32', shape: [size], data: new Float32Array(size).fill(-sequence) }]]);
  await writeCheckpoint(dir, 'latest', { meta: { sequence }, tensors: new Map([['net_G', net], ['optimizer_G', opt]]) });
  process.send?.(sequence);
}
`,
    );
    const bundle = await rolldown({ input: entry, platform: 'node', logLevel: 'silent' });
    const script = join(build, 'checkpoint-writer.mjs');
    await bundle.write({ file: script, format: 'esm' });
    await bundle.close();

    const dir = join(root, 'killed');
    let lastAcknowledged = 0;
    for (let round = 0; round < 6; round++) {
      const child = fork(script, [dir], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      child.on('message', (m) => {
        lastAcknowledged = Math.max(lastAcknowledged, Number(m));
      });
      const started = lastAcknowledged;
      // Let it complete a few writes, then kill it somewhere inside the next one.
      await new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          if (lastAcknowledged >= started + 2) {
            clearInterval(poll);
            setTimeout(resolve, Math.random() * 40);
          }
        }, 2);
      });
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      const c = await readCheckpoint(dir, 'latest');
      expect(consistent(c), `round ${round}: checkpoint ${c.manifest.meta.sequence} is torn`).toBe(true);
      // At least every acknowledged write survives (a later one may have completed too).
      expect(c.manifest.meta.sequence).toBeGreaterThanOrEqual(lastAcknowledged);
      expect(await readdir(c.dir)).toContain(CHECKPOINT_MANIFEST);
    }
  });
});
