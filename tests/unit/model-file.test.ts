import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModelGenerator, readModelManifest, saveModel } from '../../src/main/engine/io/model-file';
import { writePth } from '../../src/main/engine/io/pth';
import type { StateDict } from '../../src/main/engine/io/tensor-data';
import { defineG, type GeneratorOptions } from '../../src/main/engine/networks';
import * as tf from '../../src/main/engine/tf';

const resnet: GeneratorOptions = {
  netG: 'resnet_6blocks',
  inputNc: 3,
  outputNc: 3,
  ngf: 4,
  norm: 'instance',
  useDropout: false,
  initType: 'normal',
  initGain: 0.02,
};
const unet: GeneratorOptions = { ...resnet, netG: 'unet_32', norm: 'batch', inputNc: 1, outputNc: 3, useDropout: true };

function expectSameStateDict(a: StateDict, b: StateDict): void {
  expect([...b.keys()]).toEqual([...a.keys()]);
  for (const [key, t] of a) {
    const u = b.get(key)!;
    expect(u.dtype, key).toBe(t.dtype);
    expect(u.shape, key).toEqual(t.shape);
    // Bit for bit: compare the raw bytes, not the numbers.
    expect(Buffer.from(u.data.buffer, u.data.byteOffset, u.data.byteLength).equals(
      Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
    ), key).toBe(true);
  }
}

describe('model file', () => {
  let dir: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'atelier-model-file-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('saves a CycleGAN pair and loads both generators bit for bit', async () => {
    const gA = defineG(resnet, { seed: 1 });
    const gB = defineG(unet, { seed: 2 });
    const sdA = gA.stateDict();
    const sdB = gB.stateDict();
    const target = join(dir, 'horse2zebra');
    const created = new Date('2026-01-02T03:04:05.000Z');
    const saved = await saveModel(target, {
      name: 'Horse ⇄ zebra',
      kind: 'cycle_gan',
      domains: { A: 'horse', B: 'zebra' },
      origin: 'saved',
      source: 'runs/h2z',
      generators: { AtoB: { options: resnet, stateDict: sdA }, BtoA: { options: unet, stateDict: sdB } },
      created,
    });
    expect(saved.created).toBe(created.toISOString());
    expect((await readdir(target)).sort()).toEqual(['G_AtoB.pth', 'G_BtoA.pth', 'model.json']);

    const manifest = await readModelManifest(target);
    expect(manifest).toEqual(saved);
    expect(manifest.domains).toEqual({ A: 'horse', B: 'zebra' });

    const a = await readModelGenerator(target, 'AtoB');
    expect(a.options).toEqual(resnet);
    expectSameStateDict(sdA, a.stateDict);
    const b = await readModelGenerator(target, 'BtoA', manifest);
    expect(b.options).toEqual(unet);
    expectSameStateDict(sdB, b.stateDict);

    // A network rebuilt from the file computes exactly what the saved one did.
    const copy = defineG(a.options as GeneratorOptions, { seed: 99 });
    copy.loadStateDict(a.stateDict);
    const x = tf.randomUniform([1, 16, 16, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
    const y0 = gA.apply(x, { training: false, dropout: false });
    const y1 = copy.apply(x, { training: false, dropout: false });
    expect(Buffer.from((await y0.data()).buffer).equals(Buffer.from((await y1.data()).buffer))).toBe(true);
    tf.dispose([x, y0, y1]);
    gA.dispose();
    gB.dispose();
    copy.dispose();
  });

  it('refuses to replace a model unless asked, and then swaps it whole', async () => {
    const net = defineG(resnet, { seed: 3 });
    const sd = net.stateDict();
    net.dispose();
    const target = join(dir, 'pix');
    const input = {
      name: 'labels → facade',
      kind: 'pix2pix' as const,
      domains: { A: 'photo', B: 'labels' },
      origin: 'saved' as const,
      generators: { BtoA: { options: resnet, stateDict: sd } },
    };
    await saveModel(target, input);
    await expect(saveModel(target, input)).rejects.toThrow(/exists already.*overwrite/);
    await saveModel(target, { ...input, name: 'second' }, { overwrite: true });
    expect((await readModelManifest(target)).name).toBe('second');
    // No staging or old folders are left beside it.
    expect((await readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([]);
    await expect(readModelGenerator(target, 'AtoB')).rejects.toThrow(/no AtoB generator \(it has: BtoA\)/);
  });

  it('copies an imported .pth byte for byte', async () => {
    const net = defineG(resnet, { seed: 4 });
    const original = join(dir, 'latest_net_G_A.pth');
    await writePth(original, net.stateDict());
    net.dispose();
    const target = join(dir, 'imported');
    await saveModel(target, {
      name: 'imported',
      kind: 'pix2pix',
      domains: { A: 'a', B: 'b' },
      origin: 'imported',
      source: original,
      generators: { AtoB: { options: resnet, copyFrom: original } },
    });
    expect((await readFile(join(target, 'G_AtoB.pth'))).equals(await readFile(original))).toBe(true);
  });

  it('reports unreadable manifests with the file and the problem', async () => {
    const bad = join(dir, 'bad');
    await expect(readModelManifest(bad)).rejects.toThrow(/bad\/model\.json not found/);
    await saveModel(bad, {
      name: 'x',
      kind: 'pix2pix',
      domains: { A: 'a', B: 'b' },
      origin: 'saved',
      generators: { AtoB: { options: resnet, stateDict: new Map() } },
    });
    await writeFile(join(bad, 'model.json'), '{ not json');
    await expect(readModelManifest(bad)).rejects.toThrow(/model\.json is not valid JSON/);
    await writeFile(join(bad, 'model.json'), JSON.stringify({ format: 'atelier-model', version: 7 }));
    await expect(readModelManifest(bad)).rejects.toThrow(/version 7.*up to version 1/);
    await writeFile(
      join(bad, 'model.json'),
      JSON.stringify({ format: 'atelier-model', version: 1, name: 'x', kind: 'gan', domains: { A: 'a', B: 'b' }, generators: {}, created: '', origin: 'saved' }),
    );
    await expect(readModelManifest(bad)).rejects.toThrow(/kind.*generators: a model needs at least one generator/s);
  });
});
