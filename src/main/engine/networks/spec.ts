/**
 * A network as pure data: a tree of layers, each parameter carrying the key and the shape it
 * has in the reference's PyTorch `state_dict()`. The TF.js executor runs it; an exporter can
 * walk the same tree to emit another graph format. Nothing here depends on TF.js.
 *
 * Layout conventions: shapes in `TensorSpec` are PyTorch's (Conv2d weight `[out, in, kH, kW]`,
 * ConvTranspose2d weight `[in, out, kH, kW]`); activations are described by channel counts
 * only, so the tree is independent of the image layout (NCHW or NHWC) of its consumer.
 */

/** One state_dict entry: its reference key and PyTorch shape. */
export interface TensorSpec {
  readonly key: string;
  readonly shape: readonly number[];
}

/** `nn.Conv2d(in, out, kernel, stride, padding, bias)`, zero padding on all four sides. */
export interface Conv2dLayer {
  readonly kind: 'conv2d';
  /** Module path in the reference (`model.1`, `model.10.conv_block.1`). */
  readonly module: string;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly weight: TensorSpec;
  readonly bias?: TensorSpec;
}

/**
 * `nn.ConvTranspose2d(in, out, kernel, stride, padding, output_padding, bias)`: output size
 * `(H − 1)·stride − 2·padding + kernel + outputPadding`.
 */
export interface ConvTranspose2dLayer {
  readonly kind: 'convTranspose2d';
  readonly module: string;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly outputPadding: number;
  readonly weight: TensorSpec;
  readonly bias?: TensorSpec;
}

/** `nn.ReflectionPad2d(pad)`: mirror without repeating the edge pixel. */
export interface ReflectionPadLayer {
  readonly kind: 'reflectionPad';
  readonly pad: number;
}

/** `nn.BatchNorm2d(C, affine=True, track_running_stats=True)`. */
export interface BatchNormLayer {
  readonly kind: 'batchNorm';
  readonly module: string;
  readonly channels: number;
  readonly eps: number;
  readonly momentum: number;
  readonly weight: TensorSpec;
  readonly bias: TensorSpec;
  readonly runningMean: TensorSpec;
  readonly runningVar: TensorSpec;
  /** int64 scalar in the state_dict. */
  readonly numBatchesTracked: TensorSpec;
}

/** `nn.InstanceNorm2d(C, affine=False, track_running_stats=False)`: no state_dict entries. */
export interface InstanceNormLayer {
  readonly kind: 'instanceNorm';
  readonly module: string;
  readonly channels: number;
  readonly eps: number;
}

export interface ReluLayer {
  readonly kind: 'relu';
}
export interface LeakyReluLayer {
  readonly kind: 'leakyRelu';
  readonly slope: number;
}
export interface TanhLayer {
  readonly kind: 'tanh';
}
/** `nn.Dropout(p)`: active only when the caller asks for it. */
export interface DropoutLayer {
  readonly kind: 'dropout';
  readonly p: number;
}

/** U-Net skip: `cat([x, body(x)], channels)`, the skip input first. */
export interface ConcatSkipLayer {
  readonly kind: 'concatSkip';
  readonly body: readonly Layer[];
}

/** ResNet block: `x + body(x)`. */
export interface ResidualLayer {
  readonly kind: 'residual';
  readonly body: readonly Layer[];
}

export type Layer =
  | Conv2dLayer
  | ConvTranspose2dLayer
  | ReflectionPadLayer
  | BatchNormLayer
  | InstanceNormLayer
  | ReluLayer
  | LeakyReluLayer
  | TanhLayer
  | DropoutLayer
  | ConcatSkipLayer
  | ResidualLayer;

export interface NetworkSpec {
  readonly role: 'generator' | 'discriminator';
  /** The reference class: UnetGenerator, ResnetGenerator, NLayerDiscriminator, PixelDiscriminator. */
  readonly className: string;
  readonly inChannels: number;
  readonly outChannels: number;
  /**
   * Input height and width must be multiples of this for the output to be aligned with the
   * input (2^num_downs for a U-Net, 4 for a ResNet generator, 1 for discriminators).
   */
  readonly sizeMultiple: number;
  /** Smallest input side the network accepts (reflection pads need more pixels than they pad). */
  readonly minSize: number;
  readonly layers: readonly Layer[];
}

/** What kind of state_dict entry a `TensorSpec` is. */
export type StateEntryKind = 'param' | 'buffer' | 'counter';

export interface StateEntry extends TensorSpec {
  readonly kind: StateEntryKind;
  readonly layer: Conv2dLayer | ConvTranspose2dLayer | BatchNormLayer;
  /** What the entry is within its layer. */
  readonly role: 'weight' | 'bias' | 'running_mean' | 'running_var' | 'num_batches_tracked';
}

/** Depth-first walk in module registration order (the order of the reference's state_dict). */
export function* walkLayers(layers: readonly Layer[]): Generator<Layer> {
  for (const layer of layers) {
    yield layer;
    if (layer.kind === 'concatSkip' || layer.kind === 'residual') yield* walkLayers(layer.body);
  }
}

/** Every state_dict entry of the network, in the reference's key order. */
export function stateEntries(spec: NetworkSpec): StateEntry[] {
  const out: StateEntry[] = [];
  for (const layer of walkLayers(spec.layers)) {
    if (layer.kind === 'conv2d' || layer.kind === 'convTranspose2d') {
      out.push({ ...layer.weight, kind: 'param', layer, role: 'weight' });
      if (layer.bias) out.push({ ...layer.bias, kind: 'param', layer, role: 'bias' });
    } else if (layer.kind === 'batchNorm') {
      out.push({ ...layer.weight, kind: 'param', layer, role: 'weight' });
      out.push({ ...layer.bias, kind: 'param', layer, role: 'bias' });
      out.push({ ...layer.runningMean, kind: 'buffer', layer, role: 'running_mean' });
      out.push({ ...layer.runningVar, kind: 'buffer', layer, role: 'running_var' });
      out.push({ ...layer.numBatchesTracked, kind: 'counter', layer, role: 'num_batches_tracked' });
    }
  }
  return out;
}

/** Number of trainable values (what `sum(p.numel() for p in net.parameters())` gives). */
export function parameterCount(spec: NetworkSpec): number {
  let n = 0;
  for (const e of stateEntries(spec)) if (e.kind === 'param') n += e.shape.reduce((a, b) => a * b, 1);
  return n;
}

/** Module paths of the InstanceNorm layers (for dropping their legacy running-stat entries). */
export function instanceNormModules(spec: NetworkSpec): Set<string> {
  const out = new Set<string>();
  for (const layer of walkLayers(spec.layers)) if (layer.kind === 'instanceNorm') out.add(layer.module);
  return out;
}

/** Output height and width for an input of the given size (throws where a layer cannot run). */
export function outputSize(spec: NetworkSpec, height: number, width: number): [number, number] {
  const walk = (layers: readonly Layer[], h: number, w: number): [number, number] => {
    for (const layer of layers) {
      switch (layer.kind) {
        case 'conv2d':
          h = Math.floor((h + 2 * layer.padding - layer.kernel) / layer.stride) + 1;
          w = Math.floor((w + 2 * layer.padding - layer.kernel) / layer.stride) + 1;
          if (h < 1 || w < 1) throw new Error(`${layer.module}: input too small for a ${layer.kernel}×${layer.kernel} convolution`);
          break;
        case 'convTranspose2d':
          h = (h - 1) * layer.stride - 2 * layer.padding + layer.kernel + layer.outputPadding;
          w = (w - 1) * layer.stride - 2 * layer.padding + layer.kernel + layer.outputPadding;
          break;
        case 'reflectionPad':
          if (layer.pad >= h || layer.pad >= w) {
            throw new Error(`reflection padding by ${layer.pad} needs a feature map larger than ${h}×${w}`);
          }
          h += 2 * layer.pad;
          w += 2 * layer.pad;
          break;
        case 'concatSkip':
        case 'residual': {
          const [bh, bw] = walk(layer.body, h, w);
          if (bh !== h || bw !== w) {
            throw new Error(`${layer.kind} block maps ${h}×${w} to ${bh}×${bw}: use an input size that is a multiple of ${spec.sizeMultiple}`);
          }
          break;
        }
        default:
          break;
      }
    }
    return [h, w];
  };
  return walk(spec.layers, height, width);
}
