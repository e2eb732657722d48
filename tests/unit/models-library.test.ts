import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModelManifest, saveModel } from '../../src/main/engine/io/model-file';
import { writePth } from '../../src/main/engine/io/pth';
import { inspectPth } from '../../src/main/engine/jobs/translate-inspect';
import { GeneratorCache } from '../../src/main/engine/jobs/translate-model';
import { defineD, defineG } from '../../src/main/engine/networks';
import * as tf from '../../src/main/engine/tf';
import { ModelLibrary, readRunSummary, slug } from '../../src/main/services/models';
import { resolveTrainOptions } from '../../src/shared/train-options';
import { runDirections } from '../../src/shared/api/translate';
import { generatorDirections, networkPlans } from '../../src/main/engine/models/architecture';
import { smallDiscriminator, smallGenerator } from '../helpers/network-options';
import { saveRunGenerator, startPix2pixRun } from '../helpers/train-run';

const g = smallGenerator({ netG: 'resnet_2blocks', norm: 'instance' });

describe('model library', () => {
  let root: string;
  let library: ModelLibrary;
  let outside: string;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    root = await mkdtemp(join(tmpdir(), 'atelier-library-'));
    outside = await mkdtemp(join(tmpdir(), 'atelier-pth-'));
    for (const f of ['models', 'runs']) await mkdir(join(root, f));
    library = new ModelLibrary({
      project: () => ({ root, domains: { A: 'facade', B: 'labels' } }),
      inspect: inspectPth,
      readRun: readRunSummary,
      now: () => new Date('2026-03-04T05:06:07.000Z'),
    });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it('lists nothing in a new project', async () => {
    expect(await library.list()).toEqual({ models: [], broken: [] });
  });

  it('lists a saved model with its domains and the directions it translates', async () => {
    const net = defineG(g, { seed: 1 });
    await saveModel(join(root, 'models', 'monet'), {
      name: 'Photo ⇄ Monet',
      kind: 'cycle_gan',
      domains: { A: 'Monet', B: 'photo' },
      origin: 'saved',
      generators: { AtoB: { options: g, stateDict: net.stateDict() }, BtoA: { options: g, stateDict: net.stateDict() } },
      created: new Date('2026-01-01T00:00:00.000Z'),
    });
    net.dispose();
    const { models, broken } = await library.list();
    expect(broken).toEqual([]);
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({
      id: 'models/monet',
      name: 'Photo ⇄ Monet',
      origin: 'saved',
      kind: 'cycle_gan',
      domains: { A: 'Monet', B: 'photo' },
    });
    expect(models[0]!.directions.map((d) => [d.direction, d.from, d.to, d.generator.netG])).toEqual([
      ['AtoB', 'Monet', 'photo', 'resnet_2blocks'],
      ['BtoA', 'photo', 'Monet', 'resnet_2blocks'],
    ]);
    expect((await library.resolve('models/monet')).ref).toEqual({ type: 'model', dir: join(root, 'models', 'monet') });
  });

  it('imports a reference .pth with its detected architecture, byte for byte', async () => {
    const net = defineG({ ...g, netG: 'unet_32', norm: 'batch' }, { seed: 2 });
    const pth = join(outside, 'latest_net_G.pth');
    await writePth(pth, net.stateDict());
    net.dispose();
    const info = await library.import({
      generators: [{ path: pth, direction: 'BtoA' }],
      name: 'Labels → facade',
      domains: { A: 'facade', B: 'labels' },
      useDropout: true,
    });
    expect(info).toMatchObject({ id: 'models/labels-facade', origin: 'imported', kind: 'pix2pix', source: pth });
    expect(info.directions).toEqual([
      {
        direction: 'BtoA',
        from: 'labels',
        to: 'facade',
        generator: { netG: 'unet_32', ngf: 4, norm: 'batch', inputNc: 3, outputNc: 3, useDropout: true },
      },
    ]);
    expect((await readFile(join(root, 'models', 'labels-facade', 'G_BtoA.pth'))).equals(await readFile(pth))).toBe(true);
    // A second import of the same name gets its own folder.
    const again = await library.import({ generators: [{ path: pth, direction: 'BtoA' }], name: 'Labels → facade', domains: { A: 'a', B: 'b' } });
    expect(again.id).toBe('models/labels-facade-2');
    expect((await readModelManifest(join(root, again.id))).generators.BtoA!.options.useDropout).toBe(false);
  });

  it('refuses to import a discriminator or a file that is no checkpoint', async () => {
    const d = defineD(smallDiscriminator({ inputNc: 6 }), { seed: 3 });
    const pth = join(outside, 'latest_net_D.pth');
    await writePth(pth, d.stateDict());
    d.dispose();
    await expect(library.import({ generators: [{ path: pth, direction: 'AtoB' }], name: 'D', domains: { A: 'a', B: 'b' } })).rejects.toThrow(
      /latest_net_D\.pth: it holds a discriminator/,
    );
    const text = join(outside, 'notes.pth');
    await writeFile(text, 'hello');
    await expect(library.import({ generators: [{ path: text, direction: 'AtoB' }], name: 'x', domains: { A: 'a', B: 'b' } })).rejects.toThrow(
      /Cannot import .*notes\.pth/,
    );
    expect((await library.list()).models.map((m) => m.id).sort()).toEqual(['models/labels-facade', 'models/labels-facade-2', 'models/monet']);
  });

  it('lists a training run by its latest checkpoint, with the project domains', async () => {
    const { dir: runDir, options } = await startPix2pixRun(join(root, 'runs'), 'facades_pix2pix');
    // Started, nothing saved yet: not translatable, not listed.
    expect((await library.list()).models.some((m) => m.origin === 'run')).toBe(false);

    const net = defineG(g, { seed: 5 });
    await saveRunGenerator(runDir, options, net.stateDict(), 10);
    const run = (await library.list()).models.find((m) => m.origin === 'run')!;
    expect(run).toMatchObject({ id: 'runs/facades_pix2pix', kind: 'pix2pix', domains: { A: 'facade', B: 'labels' } });
    // pix2pix trained --direction BtoA maps the dataset's B side (labels) to its A side.
    expect(run.directions.map((d) => [d.direction, d.from, d.to])).toEqual([['BtoA', 'labels', 'facade']]);

    // The engine loads that generator from the checkpoint, weights intact.
    const cache = new GeneratorCache(1);
    const loaded = await cache.get((await library.resolve('runs/facades_pix2pix')).ref, 'BtoA');
    const x = tf.randomUniform([1, 16, 16, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    const [y0, y1] = [net.apply(x, { training: false, dropout: false }), loaded.net.network().apply(x, { training: false, dropout: false })];
    expect(Buffer.from((await y0.data()).buffer).equals(Buffer.from((await y1.data()).buffer))).toBe(true);
    tf.dispose([x, y0, y1]);
    await expect(cache.get({ type: 'run', dir: runDir }, 'AtoB')).rejects.toThrow(/no AtoB generator/);
    // A newer checkpoint replaces the cached network.
    await saveRunGenerator(runDir, options, net.stateDict(), 20);
    expect((await cache.get({ type: 'run', dir: runDir }, 'BtoA')).cached).toBe(false);
    net.dispose();
    cache.clear();
  });

  it('lists unreadable entries as broken with the reason', async () => {
    await mkdir(join(root, 'models', 'half-copied'));
    await mkdir(join(root, 'runs', 'not-a-run'));
    await mkdir(join(root, 'models', '.monet.abc.partial')); // a save in progress: ignored
    const { broken } = await library.list();
    expect(broken.map((b) => b.id)).toEqual(['models/half-copied', 'runs/not-a-run']);
    expect(broken[0]!.error).toMatch(/model\.json not found/);
    expect(broken[1]!.error).toMatch(/options\.json not found: not a training run/);
  });

  it('resolves only models/<name> and runs/<name> ids inside the project', async () => {
    await expect(library.resolve('../etc')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(library.resolve('/abs/models/x')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(library.resolve('dataset/x')).rejects.toMatchObject({ code: 'invalid-payload' });
    await expect(library.resolve('models/missing')).rejects.toMatchObject({ code: 'not-found' });
  });

  it('names the same generator per direction as the engine models do', () => {
    for (const model of ['pix2pix', 'cycle_gan'] as const) {
      for (const direction of ['AtoB', 'BtoA'] as const) {
        const o = resolveTrainOptions({ dataroot: '/d', model, direction, input_nc: 1, output_nc: 3, lambda_identity: 0, seed: 1 });
        const plans = networkPlans(o);
        const want = Object.fromEntries(
          Object.entries(generatorDirections(o)).map(([d, name]) => [d, { network: name, ...(plans.get(name!)!.options as object) }]),
        );
        expect(runDirections(o), `${model} ${direction}`).toEqual(want);
      }
    }
  });

  it('makes folder names from display names', () => {
    expect(slug('Photo ⇄ Monet (v2)')).toBe('photo-monet-v2');
    expect(slug('Été à Paris')).toBe('ete-a-paris');
    expect(slug('⇄')).toBe('model');
  });
});
