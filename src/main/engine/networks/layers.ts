/**
 * Small constructors for spec layers, mirroring the `nn.*` modules the reference builds, and
 * a counter that hands out `nn.Sequential` child paths the way PyTorch numbers them.
 */
import type { NormType } from './options';
import type {
  BatchNormLayer,
  Conv2dLayer,
  ConvTranspose2dLayer,
  InstanceNormLayer,
  Layer,
} from './spec';

/** PyTorch's defaults for both norms (`eps=1e-5`, BatchNorm `momentum=0.1`). */
export const NORM_EPS = 1e-5;
export const BN_MOMENTUM = 0.1;

/**
 * Child paths of an `nn.Sequential` at `prefix`: every module, parameterless or not, takes
 * the next index, so layers that own no state still have to be counted.
 */
export class SequentialPath {
  private index = 0;
  constructor(readonly prefix: string) {}
  next(): string {
    return `${this.prefix}.${this.index++}`;
  }
}

/**
 * The reference's `use_bias` rule: convolutions built with `bias=use_bias` carry a bias only
 * when the norm is InstanceNorm2d (`norm_layer.func == nn.InstanceNorm2d`); with 'none' the
 * norm layer is a plain function, so use_bias is False there too.
 */
export function useBiasFor(norm: NormType): boolean {
  return norm === 'instance';
}

export function conv2d(
  module: string,
  inChannels: number,
  outChannels: number,
  kernel: number,
  stride: number,
  padding: number,
  bias: boolean,
): Conv2dLayer {
  return {
    kind: 'conv2d',
    module,
    inChannels,
    outChannels,
    kernel,
    stride,
    padding,
    weight: { key: `${module}.weight`, shape: [outChannels, inChannels, kernel, kernel] },
    ...(bias ? { bias: { key: `${module}.bias`, shape: [outChannels] } } : {}),
  };
}

export function convTranspose2d(
  module: string,
  inChannels: number,
  outChannels: number,
  kernel: number,
  stride: number,
  padding: number,
  outputPadding: number,
  bias: boolean,
): ConvTranspose2dLayer {
  return {
    kind: 'convTranspose2d',
    module,
    inChannels,
    outChannels,
    kernel,
    stride,
    padding,
    outputPadding,
    weight: { key: `${module}.weight`, shape: [inChannels, outChannels, kernel, kernel] },
    ...(bias ? { bias: { key: `${module}.bias`, shape: [outChannels] } } : {}),
  };
}

function batchNorm(module: string, channels: number): BatchNormLayer {
  return {
    kind: 'batchNorm',
    module,
    channels,
    eps: NORM_EPS,
    momentum: BN_MOMENTUM,
    weight: { key: `${module}.weight`, shape: [channels] },
    bias: { key: `${module}.bias`, shape: [channels] },
    runningMean: { key: `${module}.running_mean`, shape: [channels] },
    runningVar: { key: `${module}.running_var`, shape: [channels] },
    numBatchesTracked: { key: `${module}.num_batches_tracked`, shape: [] },
  };
}

function instanceNorm(module: string, channels: number): InstanceNormLayer {
  return { kind: 'instanceNorm', module, channels, eps: NORM_EPS };
}

/** `norm_layer(C)` at `module`; 'none' gives the reference's Identity, i.e. no layer at all. */
export function norm(type: NormType, module: string, channels: number): Layer[] {
  if (type === 'batch') return [batchNorm(module, channels)];
  if (type === 'instance') return [instanceNorm(module, channels)];
  return [];
}

export const relu: Layer = { kind: 'relu' };
export const leakyRelu02: Layer = { kind: 'leakyRelu', slope: 0.2 };
export const tanh: Layer = { kind: 'tanh' };
export const dropout05: Layer = { kind: 'dropout', p: 0.5 };
export function reflectionPad(pad: number): Layer {
  return { kind: 'reflectionPad', pad };
}

export function checkPositiveInt(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${what} must be a positive integer, got ${v}`);
}
