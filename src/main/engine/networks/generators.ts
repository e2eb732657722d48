/**
 * Generator specs: `UnetGenerator` and `ResnetGenerator` of the reference's
 * models/networks.py, with the same module tree and therefore the same state_dict keys.
 */
import {
  SequentialPath,
  checkPositiveInt,
  conv2d,
  convTranspose2d,
  dropout05,
  leakyRelu02,
  norm,
  reflectionPad,
  relu,
  tanh,
  useBiasFor,
} from './layers';
import type { NormType } from './options';
import type { Layer, NetworkSpec } from './spec';

export interface UnetConfig {
  inputNc: number;
  outputNc: number;
  /** Number of down-samplings; a 2^numDowns input reaches 1×1 at the bottleneck. */
  numDowns: number;
  ngf: number;
  norm: NormType;
  useDropout: boolean;
}

/**
 * `UnetGenerator(input_nc, output_nc, num_downs, ngf)`: built as the reference does from the
 * innermost `UnetSkipConnectionBlock` outwards; here the recursion runs outside-in over the
 * same channel plan. Every block but the outermost returns `cat([x, block(x)])`.
 */
export function unetSpec(cfg: UnetConfig): NetworkSpec {
  const { inputNc, outputNc, numDowns, ngf } = cfg;
  checkPositiveInt('inputNc', inputNc);
  checkPositiveInt('outputNc', outputNc);
  checkPositiveInt('ngf', ngf);
  if (!Number.isInteger(numDowns) || numDowns < 5) {
    throw new Error(`a U-Net needs numDowns ≥ 5 (the reference always builds 5 levels), got ${numDowns}`);
  }
  const useBias = useBiasFor(cfg.norm);

  // (outer_nc, inner_nc, dropout) per block, outermost first, as in UnetGenerator.__init__.
  const blocks: { outer: number; inner: number; dropout: boolean }[] = [
    { outer: outputNc, inner: ngf, dropout: false },
    { outer: ngf, inner: ngf * 2, dropout: false },
    { outer: ngf * 2, inner: ngf * 4, dropout: false },
    { outer: ngf * 4, inner: ngf * 8, dropout: false },
  ];
  for (let i = 0; i < numDowns - 5; i++) blocks.push({ outer: ngf * 8, inner: ngf * 8, dropout: cfg.useDropout });
  blocks.push({ outer: ngf * 8, inner: ngf * 8, dropout: false }); // innermost

  // `path` is the block's nn.Sequential (`<block>.model`).
  const block = (i: number, path: string): Layer[] => {
    const { outer, inner, dropout } = blocks[i];
    const seq = new SequentialPath(path);
    if (i === 0) {
      // outermost: [downconv, submodule, ReLU, upconv (with bias), Tanh]
      const down = conv2d(seq.next(), inputNc, inner, 4, 2, 1, useBias);
      const sub = block(1, `${seq.next()}.model`);
      seq.next();
      const up = convTranspose2d(seq.next(), inner * 2, outer, 4, 2, 1, 0, true);
      return [down, { kind: 'concatSkip', body: sub }, relu, up, tanh];
    }
    if (i === blocks.length - 1) {
      // innermost: [LeakyReLU, downconv, ReLU, upconv, upnorm]
      seq.next();
      const down = conv2d(seq.next(), outer, inner, 4, 2, 1, useBias);
      seq.next();
      const up = convTranspose2d(seq.next(), inner, outer, 4, 2, 1, 0, useBias);
      return [leakyRelu02, down, relu, up, ...norm(cfg.norm, seq.next(), outer)];
    }
    // [LeakyReLU, downconv, downnorm, submodule, ReLU, upconv, upnorm, (Dropout)]
    seq.next();
    const down = conv2d(seq.next(), outer, inner, 4, 2, 1, useBias);
    const downNorm = norm(cfg.norm, seq.next(), inner);
    const sub = block(i + 1, `${seq.next()}.model`);
    seq.next();
    const up = convTranspose2d(seq.next(), inner * 2, outer, 4, 2, 1, 0, useBias);
    const upNorm = norm(cfg.norm, seq.next(), outer);
    return [
      leakyRelu02,
      down,
      ...downNorm,
      { kind: 'concatSkip', body: sub },
      relu,
      up,
      ...upNorm,
      ...(dropout ? [dropout05] : []),
    ];
  };

  const size = 2 ** numDowns;
  return {
    role: 'generator',
    className: 'UnetGenerator',
    inChannels: inputNc,
    outChannels: outputNc,
    sizeMultiple: size,
    minSize: size,
    // UnetGenerator.model is the outermost block; its Sequential is `model.model`.
    layers: block(0, 'model.model'),
  };
}

export interface ResnetConfig {
  inputNc: number;
  outputNc: number;
  ngf: number;
  nBlocks: number;
  norm: NormType;
  useDropout: boolean;
}

/**
 * `ResnetGenerator(input_nc, output_nc, ngf, n_blocks)` with the reference's reflect padding:
 * 7×7 stem, two stride-2 convs (zero padding), n residual blocks at 4·ngf, two transposed
 * convs (padding 1, output_padding 1), 7×7 head with bias, tanh.
 */
export function resnetSpec(cfg: ResnetConfig): NetworkSpec {
  const { inputNc, outputNc, ngf, nBlocks } = cfg;
  checkPositiveInt('inputNc', inputNc);
  checkPositiveInt('outputNc', outputNc);
  checkPositiveInt('ngf', ngf);
  if (!Number.isInteger(nBlocks) || nBlocks < 0) throw new Error(`nBlocks must be an integer ≥ 0, got ${nBlocks}`);
  const useBias = useBiasFor(cfg.norm);
  const seq = new SequentialPath('model');
  const layers: Layer[] = [];

  seq.next();
  layers.push(reflectionPad(3), conv2d(seq.next(), inputNc, ngf, 7, 1, 0, useBias));
  layers.push(...norm(cfg.norm, seq.next(), ngf), relu);
  seq.next();

  for (let i = 0; i < 2; i++) {
    const c = ngf * 2 ** i;
    layers.push(conv2d(seq.next(), c, c * 2, 3, 2, 1, useBias));
    layers.push(...norm(cfg.norm, seq.next(), c * 2), relu);
    seq.next();
  }

  const dim = ngf * 4;
  for (let b = 0; b < nBlocks; b++) {
    // ResnetBlock.conv_block: [pad, conv, norm, ReLU, (Dropout), pad, conv, norm]
    const inner = new SequentialPath(`${seq.next()}.conv_block`);
    const body: Layer[] = [];
    inner.next();
    body.push(reflectionPad(1), conv2d(inner.next(), dim, dim, 3, 1, 0, useBias));
    body.push(...norm(cfg.norm, inner.next(), dim), relu);
    inner.next();
    if (cfg.useDropout) {
      body.push(dropout05);
      inner.next();
    }
    inner.next();
    body.push(reflectionPad(1), conv2d(inner.next(), dim, dim, 3, 1, 0, useBias));
    body.push(...norm(cfg.norm, inner.next(), dim));
    layers.push({ kind: 'residual', body });
  }

  for (let i = 0; i < 2; i++) {
    const c = ngf * 2 ** (2 - i);
    layers.push(convTranspose2d(seq.next(), c, c / 2, 3, 2, 1, 1, useBias));
    layers.push(...norm(cfg.norm, seq.next(), c / 2), relu);
    seq.next();
  }

  seq.next();
  layers.push(reflectionPad(3), conv2d(seq.next(), ngf, outputNc, 7, 1, 0, true), tanh);

  return {
    role: 'generator',
    className: 'ResnetGenerator',
    inChannels: inputNc,
    outChannels: outputNc,
    sizeMultiple: 4,
    // ReflectionPad2d(3) needs 4 pixels; the blocks' ReflectionPad2d(1) needs 2 at 1/4 scale.
    minSize: nBlocks > 0 ? 8 : 4,
    layers,
  };
}
