/**
 * Network specs: state_dict keys and shapes for configurations the fixtures do not cover,
 * parameter counts against the reference's published full-size counts, and output shapes.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import {
  defineD,
  defineG,
  discriminatorSpec,
  generatorSpec,
  outputSize,
  parameterCount,
  parseGeneratorName,
  stateEntries,
  type DiscriminatorOptions,
  type GeneratorOptions,
} from '../../src/main/engine/networks';
import * as tf from '../../src/main/engine/tf';
import { useBackend } from '../helpers/backend';
import { smallDiscriminator, smallGenerator } from '../helpers/network-options';

const G = (o: Partial<GeneratorOptions>) => smallGenerator({ netG: 'unet_256', ...o });
const D = smallDiscriminator;

const keysOf = (o: GeneratorOptions | DiscriminatorOptions) =>
  new Map(stateEntries('netG' in o ? generatorSpec(o) : discriminatorSpec(o)).map((e) => [e.key, [...e.shape]]));

beforeAll(async () => {
  await useBackend();
});

describe('parameter counts (reference, ngf/ndf 64)', () => {
  // The counts the reference reports for its full-size networks (fixtures README).
  test.each([
    ['unet_256, batch', generatorSpec(G({ ngf: 64, norm: 'batch' })), 54_413_955],
    ['resnet_9blocks, instance', generatorSpec(G({ netG: 'resnet_9blocks', ngf: 64, norm: 'instance' })), 11_378_179],
    ['basic D, 6 channels, batch', discriminatorSpec(D({ inputNc: 6, ndf: 64, norm: 'batch' })), 2_768_705],
    ['basic D, 3 channels, instance', discriminatorSpec(D({ inputNc: 3, ndf: 64, norm: 'instance' })), 2_764_737],
  ])('%s', (_name, spec, count) => {
    expect(parameterCount(spec)).toBe(count);
  });
});

describe('state_dict keys', () => {
  test('unet_128 with batch norm: 7 nested blocks, no bias before a norm, skip-doubled up-convs', () => {
    const k = keysOf(G({ netG: 'unet_128', ngf: 4, norm: 'batch' }));
    expect(k.get('model.model.0.weight')).toEqual([4, 3, 4, 4]);
    expect(k.has('model.model.0.bias')).toBe(false); // outermost down-conv: bias=use_bias
    expect(k.get('model.model.3.weight')).toEqual([8, 3, 4, 4]); // ConvTranspose [in, out, k, k]
    expect(k.get('model.model.3.bias')).toEqual([3]); // outermost up-conv always has a bias
    const innermost = 'model.model.1.model' + '.3.model'.repeat(5);
    expect(k.get(`${innermost}.1.weight`)).toEqual([32, 32, 4, 4]);
    expect(k.has(`${innermost}.1.bias`)).toBe(false);
    expect(k.has(`${innermost}.2.weight`)).toBe(false); // no norm after the innermost down-conv
    expect(k.get(`${innermost}.3.weight`)).toEqual([32, 32, 4, 4]);
    expect(k.get(`${innermost}.4.running_var`)).toEqual([32]);
    expect(k.get(`${innermost}.4.num_batches_tracked`)).toEqual([]);
    expect(k.has(`${innermost}.3.model.1.weight`)).toBe(false);
    // second block: down 4→8, up 2·8→4
    expect(k.get('model.model.1.model.1.weight')).toEqual([8, 4, 4, 4]);
    expect(k.get('model.model.1.model.5.weight')).toEqual([16, 4, 4, 4]);
  });

  test('unet_256 with instance norm has biases everywhere and no norm entries', () => {
    const k = keysOf(G({ netG: 'unet_256', norm: 'instance' }));
    expect(k.get('model.model.0.bias')).toEqual([4]);
    expect(k.get('model.model.1.model.1.bias')).toEqual([8]);
    expect([...k.keys()].some((key) => key.includes('running'))).toBe(false);
    expect([...k.keys()].every((key) => key.endsWith('.weight') || key.endsWith('.bias'))).toBe(true);
  });

  test('resnet_6blocks: blocks at model.10 … model.15, head at model.23 with bias', () => {
    const k = keysOf(G({ netG: 'resnet_6blocks', ngf: 4, norm: 'instance', outputNc: 4 }));
    expect(k.get('model.1.weight')).toEqual([4, 3, 7, 7]);
    expect(k.get('model.4.weight')).toEqual([8, 4, 3, 3]);
    expect(k.get('model.7.weight')).toEqual([16, 8, 3, 3]);
    for (let b = 10; b < 16; b++) {
      expect(k.get(`model.${b}.conv_block.1.weight`)).toEqual([16, 16, 3, 3]);
      expect(k.get(`model.${b}.conv_block.5.bias`)).toEqual([16]);
    }
    expect(k.has('model.16.conv_block.1.weight')).toBe(false);
    expect(k.get('model.16.weight')).toEqual([16, 8, 3, 3]); // ConvTranspose [in, out, k, k]
    expect(k.get('model.19.weight')).toEqual([8, 4, 3, 3]);
    expect(k.get('model.23.weight')).toEqual([4, 4, 7, 7]);
    expect(k.get('model.23.bias')).toEqual([4]);
  });

  test('resnet dropout moves the second block conv to conv_block.6', () => {
    const k = keysOf(G({ netG: 'resnet_6blocks', norm: 'batch', useDropout: true }));
    expect(k.has('model.10.conv_block.5.weight')).toBe(false);
    expect(k.get('model.10.conv_block.6.weight')).toEqual([16, 16, 3, 3]);
    expect(k.get('model.10.conv_block.7.running_mean')).toEqual([16]);
  });

  test("norm 'none': Identity layers keep their indices; only the always-biased convs have biases", () => {
    const k = keysOf(G({ netG: 'resnet_6blocks', norm: 'none', inputNc: 1, outputNc: 4 }));
    expect([...k.keys()]).toEqual([
      'model.1.weight',
      'model.4.weight',
      'model.7.weight',
      ...[10, 11, 12, 13, 14, 15].flatMap((b) => [`model.${b}.conv_block.1.weight`, `model.${b}.conv_block.5.weight`]),
      'model.16.weight',
      'model.19.weight',
      'model.23.weight',
      'model.23.bias',
    ]);
    expect(k.get('model.1.weight')).toEqual([4, 1, 7, 7]);
    const u = keysOf(G({ netG: 'unet_128', norm: 'none' }));
    expect([...u.keys()].filter((key) => key.endsWith('bias'))).toEqual(['model.model.3.bias']);
  });

  test('NLayerDiscriminator depth 4 and PixelDiscriminator', () => {
    const k = keysOf(D({ netD: 'n_layers', nLayersD: 4, ndf: 4, norm: 'batch' }));
    const convs = [...k.entries()].filter(([key, s]) => key.endsWith('weight') && s.length === 4);
    expect(convs.map(([key, s]) => [key, s[0], s[1]])).toEqual([
      ['model.0.weight', 4, 3],
      ['model.2.weight', 8, 4],
      ['model.5.weight', 16, 8],
      ['model.8.weight', 32, 16],
      ['model.11.weight', 32, 32], // min(2^4, 8) · ndf
      ['model.14.weight', 1, 32],
    ]);
    expect(k.has('model.0.bias') && k.has('model.14.bias')).toBe(true);
    expect(k.has('model.2.bias')).toBe(false);

    const p = keysOf(D({ netD: 'pixel', ndf: 4, norm: 'batch' }));
    expect([...p.keys()]).toEqual([
      'net.0.weight',
      'net.0.bias',
      'net.2.weight',
      'net.3.weight',
      'net.3.bias',
      'net.3.running_mean',
      'net.3.running_var',
      'net.3.num_batches_tracked',
      'net.5.weight',
    ]);
    expect(keysOf(D({ netD: 'pixel', norm: 'instance' })).get('net.5.bias')).toEqual([1]);
  });

  test('the spec is plain data (survives JSON)', () => {
    const spec = generatorSpec(G({ netG: 'resnet_6blocks', useDropout: true }));
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
  });
});

describe('names and bad options', () => {
  test('generator names, reference and general forms', () => {
    expect(parseGeneratorName('unet_256')).toEqual({ family: 'unet', numDowns: 8 });
    expect(parseGeneratorName('unet_128')).toEqual({ family: 'unet', numDowns: 7 });
    expect(parseGeneratorName('unet_512')).toEqual({ family: 'unet', numDowns: 9 });
    expect(parseGeneratorName('resnet_9blocks')).toEqual({ family: 'resnet', nBlocks: 9 });
    expect(parseGeneratorName('resnet_3blocks')).toEqual({ family: 'resnet', nBlocks: 3 });
    expect(() => parseGeneratorName('unet_100')).toThrow(/unet_100.*power of two/);
    expect(() => parseGeneratorName('vgg')).toThrow(/'vgg' is not recognized/);
  });

  test('unknown norm or discriminator, bad widths', () => {
    expect(() => generatorSpec(G({ norm: 'group' as never }))).toThrow(/'group' is not found/);
    expect(() => discriminatorSpec(D({ netD: 'global' as never }))).toThrow(/'global' is not recognized/);
    expect(() => generatorSpec(G({ ngf: 0 }))).toThrow(/ngf must be a positive integer, got 0/);
    expect(() => discriminatorSpec(D({ netD: 'n_layers', nLayersD: -1 }))).toThrow(/nLayers must be an integer ≥ 0, got -1/);
  });
});

describe('output shapes', () => {
  test('PatchGAN: 256 → 30×30 (3 layers), 14×14 (4 layers); pixel keeps the size', () => {
    const basic = defineD(D({ inputNc: 6 }), { seed: 1 });
    const n4 = defineD(D({ netD: 'n_layers', nLayersD: 4 }), { seed: 2 });
    const pixel = defineD(D({ netD: 'pixel' }), { seed: 3 });
    const x6 = tf.zeros([1, 256, 256, 6]) as tf.Tensor4D;
    const x3 = tf.zeros([1, 256, 256, 3]) as tf.Tensor4D;
    const eval_ = { training: false, dropout: false };
    expect(basic.apply(x6, eval_).shape).toEqual([1, 30, 30, 1]);
    expect(n4.apply(x3, eval_).shape).toEqual([1, 14, 14, 1]);
    expect(pixel.apply(tf.zeros([2, 40, 24, 3]) as tf.Tensor4D, eval_).shape).toEqual([2, 40, 24, 1]);
    expect(outputSize(basic.spec, 256, 256)).toEqual([30, 30]);
    expect(outputSize(n4.spec, 256, 256)).toEqual([14, 14]);
    for (const n of [basic, n4, pixel]) n.dispose();
  });

  test('generators keep the size at their size multiple, with any channel counts', () => {
    const unet = defineG(G({ netG: 'unet_64', inputNc: 1, outputNc: 4 }), { seed: 1 });
    const resnet = defineG(G({ netG: 'resnet_2blocks', norm: 'instance', inputNc: 4, outputNc: 1 }), { seed: 2 });
    expect(unet.spec.sizeMultiple).toBe(64);
    expect(resnet.spec.sizeMultiple).toBe(4);
    const y1 = unet.apply(tf.zeros([1, 128, 64, 1]) as tf.Tensor4D, { training: true, dropout: false });
    expect(y1.shape).toEqual([1, 128, 64, 4]);
    const y2 = resnet.apply(tf.randomNormal([1, 20, 36, 4]) as tf.Tensor4D, { training: false, dropout: false });
    expect(y2.shape).toEqual([1, 20, 36, 1]);
    expect(Math.max(...y2.dataSync().map(Math.abs))).toBeLessThanOrEqual(1); // tanh head
    unet.dispose();
    resnet.dispose();
  });

  test('a wrong channel count or a too-small input fails with the shapes involved', () => {
    const net = defineG(G({ netG: 'resnet_1blocks' }), { seed: 1 });
    expect(() => net.apply(tf.zeros([1, 16, 16, 4]) as tf.Tensor4D, { training: false, dropout: false })).toThrow(
      /expected 3 input channels, got 4 \(input shape \[1, 16, 16, 4\]/,
    );
    expect(() => outputSize(net.spec, 2, 2)).toThrow(/reflection padding by 3/);
    net.dispose();
  });
});
