import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli/index';
import { parseTranslateArgs } from '../../src/main/cli/translate';
import { saveModel } from '../../src/main/engine/io/model-file';
import { writePth } from '../../src/main/engine/io/pth';
import { defineG, type GeneratorOptions } from '../../src/main/engine/networks';
import type { TrainOptions } from '../../src/shared/train-options';
import { sharedData } from '../helpers/paths';
import { saveRunGenerator, startPix2pixRun } from '../helpers/train-run';

/** The generator options a run's options give (as the trainer builds G). */
const optionsOf = (o: TrainOptions): GeneratorOptions => ({
  netG: o.netG as GeneratorOptions['netG'],
  inputNc: o.input_nc,
  outputNc: o.output_nc,
  ngf: o.ngf,
  norm: o.norm,
  useDropout: !o.no_dropout,
  initType: o.init_type,
  initGain: o.init_gain,
});

const options: GeneratorOptions = {
  netG: 'resnet_2blocks',
  inputNc: 3,
  outputNc: 3,
  ngf: 4,
  norm: 'instance',
  useDropout: false,
  initType: 'normal',
  initGain: 0.02,
};

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('atelier translate / inspect', () => {
  let root: string;
  let model: string;
  let pth: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'atelier-cli-translate-'));
    const net = defineG(options, { seed: 7 });
    net.init('normal', 0.2, 7);
    model = join(root, 'zebra model');
    await saveModel(model, {
      name: 'Horse → zebra',
      kind: 'cycle_gan',
      domains: { A: 'horse', B: 'zebra' },
      origin: 'saved',
      generators: { AtoB: { options, stateDict: net.stateDict() } },
    });
    pth = join(root, 'latest_net_G_A.pth');
    await writePth(pth, net.stateDict());
    net.dispose();
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('translates a folder, reporting a corrupt file and going on with the others', async () => {
    const input = join(root, 'photos');
    await mkdir(input);
    await sharp(sharedData('horse2zebra', 'testA', 'n02381460_6690.jpg')).resize(40, 32).toFile(join(input, 'one.jpg'));
    await writeFile(join(input, 'two.jpg'), (await readFile(sharedData('horse2zebra', 'trainA', 'n02381460_1084.jpg'))).subarray(0, 900));
    await sharp(sharedData('horse2zebra', 'trainB', 'n02391049_226.jpg')).resize(36, 36).toFile(join(input, 'three gray.jpg'));
    const output = join(root, 'out');
    const r = await cli(['translate', '--model', model, '--input', input, '--output', output, '--backend', 'cpu', '--format', 'jpeg']);
    expect(r.code).toBe(1); // one file failed
    expect(r.err).toMatch(/failed {2}.*two\.jpg: .*two\.jpg: cannot read the image/);
    expect(r.out).toMatch(/2 written to .*out, 1 failed, 0 skipped/);
    expect((await readdir(output)).sort()).toEqual(['one.jpg', 'three gray.jpg']);
    const gray = await sharp(join(output, 'three gray.jpg')).metadata();
    expect([gray.width, gray.height, gray.format]).toEqual([36, 36, 'jpeg']);
  });

  it('translates one photo with a mask and a bare .pth, never over an existing file', async () => {
    const photo = join(root, 'photo.png');
    await sharp(sharedData('horse2zebra', 'trainA', 'n02381460_1084.jpg')).resize(64, 48).png().toFile(photo);
    const mask = join(root, 'mask.png');
    const m = Buffer.alloc(64 * 48);
    for (let y = 0; y < 48; y++) for (let x = 32; x < 64; x++) m[y * 64 + x] = 255;
    await sharp(m, { raw: { width: 64, height: 48, channels: 1 } }).png().toFile(mask);
    const out = join(root, 'single.png');
    const args = ['translate', '--model', pth, '--input', photo, '--output', out, '--mask', mask, '--backend', 'cpu'];
    const r = await cli(args);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/single\.png \(64×48, 1 tile/);
    expect(r.err).toMatch(/latest_net_G_A\.pth, AtoB\n/);
    // The engine that ran inference, not the TF.js backend (cpu here) that prepared the photo.
    expect(r.err).toMatch(/^inference: onnxruntime, CPU, \d+ threads? \(ONNX Runtime \d+\.\d+\.\d+\)$/m);
    const src = await sharp(photo).raw().toBuffer();
    const res = await sharp(out).raw().toBuffer();
    for (let y = 0; y < 48; y++) for (let x = 0; x < 32; x++) for (let c = 0; c < 3; c++) expect(res[(y * 64 + x) * 3 + c]).toBe(src[(y * 64 + x) * 3 + c]);
    const again = await cli(args);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/single\.png already exists \(pass overwrite/);
    expect((await cli([...args, '--overwrite'])).code).toBe(0);
    // TF.js when asked for: its backend, and why ONNX Runtime did not run.
    const preference = process.env.ATELIER_INFERENCE;
    process.env.ATELIER_INFERENCE = 'tfjs';
    try {
      const tfjs = await cli([...args, '--overwrite']);
      expect(tfjs.code).toBe(0);
      expect(tfjs.err).toMatch(/^inference: tfjs-cpu \(not ONNX Runtime: TF\.js was requested\)$/m);
      expect(tfjs.err).not.toMatch(/onnxruntime/);
    } finally {
      if (preference === undefined) delete process.env.ATELIER_INFERENCE;
      else process.env.ATELIER_INFERENCE = preference;
    }
  });

  it('translates with a training run folder, picking the direction the run has', async () => {
    const { dir: runDir, options } = await startPix2pixRun(join(root, 'runs'), 'facades');
    const empty = await cli(['translate', '--model', runDir, '--input', root, '--output', join(root, 'x'), '--backend', 'cpu']);
    expect(empty.err).toMatch(/the run has saved no checkpoint yet/);
    const net = defineG(optionsOf(options), { seed: 3 });
    await saveRunGenerator(runDir, options, net.stateDict(), 5);
    net.dispose();
    const photo = join(root, 'labels.png');
    await sharp(sharedData('facades', 'train', '5.jpg')).extract({ left: 256, top: 0, width: 256, height: 256 }).resize(64, 64).png().toFile(photo);
    const r = await cli(['translate', '--model', runDir, '--input', photo, '--output', join(root, 'facade.png'), '--backend', 'cpu']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/run facades \(pix2pix, BtoA\)/);
    expect((await sharp(join(root, 'facade.png')).metadata()).width).toBe(64);
    const wrong = await cli(['translate', '--model', runDir, '--direction', 'AtoB', '--input', photo, '--output', join(root, 'y.png')]);
    expect(wrong.err).toMatch(/--direction AtoB: run facades translates BtoA only/);
  });

  it('says what is wrong with the arguments', async () => {
    expect(() => parseTranslateArgs(['--model', 'm', '--input', 'i'])).toThrow(/--output is required/);
    expect(() => parseTranslateArgs(['--model', 'm', '--input', 'i', '--output', 'o', '--strength', '2'])).toThrow(/--strength must be a number from 0 to 1, got "2"/);
    expect(() => parseTranslateArgs(['--model', 'm', '--input', 'i', '--output', 'o', '--direction', 'up'])).toThrow(/--direction must be AtoB or BtoA/);
    expect(parseTranslateArgs(['--model', 'm', '--input', 'i', '--output', 'o', '--eval', '--size', '512', '--feather', '4.5'])).toMatchObject({
      eval: true,
      size: 512,
      feather: 4.5,
      tile: 1024,
      strength: 1,
    });
    const r = await cli(['translate', '--model', join(root, 'nope'), '--input', root, '--output', root]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--model .*nope: no such file or folder/);
    const wrongDir = await cli(['translate', '--model', model, '--direction', 'BtoA', '--input', root, '--output', join(root, 'x')]);
    expect(wrongDir.err).toMatch(/--direction BtoA: model "Horse → zebra" translates AtoB only/);
  });

  it('inspect prints the architecture of a .pth', async () => {
    const r = await cli(['inspect', pth]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/generator .*resnet_2blocks/);
    expect(r.out).toMatch(/netG resnet_2blocks {2}ngf 4 {2}norm instance {2}input_nc 3 {2}output_nc 3/);
    const json = await cli(['inspect', pth, '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ role: 'generator', generator: { netG: 'resnet_2blocks', ngf: 4 } });
    const bad = await cli(['inspect', join(root, 'photo.png')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/photo\.png/);
  });
});
