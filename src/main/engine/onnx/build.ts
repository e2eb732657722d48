/**
 * An ONNX graph (opset 17, NCHW) from a network spec and its weights, in-process. The graph
 * computes what the reference's module computes:
 *
 *   Conv2d            Conv (zero pads p on all sides)
 *   ConvTranspose2d   ConvTranspose with PyTorch's pads / output_padding (ONNX uses the
 *                     same output-size formula, (H − 1)·s − 2p + k + op)
 *   ReflectionPad2d   Pad, mode reflect (the edge pixel is not repeated, as in PyTorch)
 *   BatchNorm2d       eval: BatchNormalization with the running statistics;
 *                     train: normalised with the batch's mean and biased variance over
 *                     (N, H, W) — the reference's default test mode keeps BN in train mode
 *   InstanceNorm2d    InstanceNormalization with scale 1 and bias 0 (affine=False)
 *   ReLU, LeakyReLU(0.2), Tanh, cat([x, f(x)], 1), x + f(x)
 *   Dropout(p)        off (identity); `random` (RandomUniformLike, as tf.dropout computes the
 *                     mask); or `inputs`: one mask input per layer, fed by the caller
 *
 * Inputs: `input` [N, C, H, W] float32 in the network's value range; dropout masks
 * `dropout_mask_<i>` in execution order. Output: `output` [N, C', H', W'].
 *
 * Statistics of the normalisation layers that use their input's (InstanceNorm, BatchNorm in
 * train mode; `normStatsLayers` lists them, index i in execution order) can cross the graph's
 * boundary, for tiled inference (infer/tiled.ts): with `normStats: 'outputs'` the graph also
 * outputs `norm_mean_<i>` and `norm_variance_<i>` (biased), with `normStats: 'inputs'` it takes
 * them as inputs and normalises with those instead. Their shape is [N, C, 1, 1] for
 * InstanceNorm (per sample, over H, W) and [1, C, 1, 1] for BatchNorm (over N, H, W), as the
 * TF.js executor computes them; the metadata property `norm_stats_modules` names the layers.
 */
import { version } from '../../../../package.json';
import { stateEntries, walkLayers, type BatchNormLayer, type InstanceNormLayer, type Layer, type NetworkSpec } from '../networks';
import { GraphBuilder, attr, type Dim, type ExternalFile, type ModelMetadata } from './graph-builder';
import { weightReader, type OnnxSource } from './weights';
import { emitOutputPhasesConv, outputPhasesApply } from './output-phases';
import { emitTransposePhases, transposePhasesApply } from './transpose-phases';
import { F2x2_3x3, F4x4_3x3, emitWinogradConv, winogradApplies, type FedTaps, type WinogradTiles } from './winograd';

export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'output';
export const dropoutMaskName = (i: number): string => `dropout_mask_${i}`;
export const normMeanName = (i: number): string => `norm_mean_${i}`;
export const normVarianceName = (i: number): string => `norm_variance_${i}`;

/** The largest transposed convolution (in weights) that running graphs write as phase Convs. */
const PHASE_KERNEL_LIMIT = 2 ** 20;
/**
 * State entries up to this many values stay initializers in graphs with fed weights: ONNX
 * Runtime's copy of them is small, and only convolutions with constant weights and biases run
 * in its blocked-channel (NCHWc) kernels (resnet_9blocks' 7×7 and stride-2 convolutions, the
 * U-Net's outer ones).
 */
const SMALL_WEIGHT_LIMIT = 2 ** 20;

/**
 * Where the statistics of InstanceNorm and train-mode BatchNorm come from: computed in the
 * graph (default), fed as inputs, or computed and also output.
 */
export type OnnxNormStats = 'inputs' | 'outputs';

/** How dropout layers are built. */
export type OnnxDropout = 'off' | 'random' | 'inputs';

export interface OnnxBuildOptions {
  /**
   * BatchNorm in train mode, as the reference's default test mode (no `--eval`): the batch's
   * own statistics. Default false: running statistics (`net.eval()`).
   */
  training?: boolean;
  /** Dropout layers: identity (default), random masks in the graph, or masks as inputs. */
  dropout?: OnnxDropout;
  /** Fixed input dimensions; the ones left out are dynamic (named `batch`, `height`, `width`). */
  inputShape?: { batch?: number; height?: number; width?: number };
  /**
   * 3×3 stride-1 convolutions (the ResNet blocks') as Winograd F(m×m, 3×3) with output
   * tiles of m = 2 (4/9 of the multiply-adds) or 4 (1/4), at a slightly larger rounding
   * error (./winograd.ts). Needs `inputShape.batch` 1; ignored otherwise. For running, not
   * for files meant for other tools; such graphs also write stride-1 convolutions with at
   * most 4 output channels (the generators' last) as one stride-2 Conv over their output
   * phases (./output-phases.ts).
   */
  winograd?: 2 | 4;
  /**
   * Where the weights go: initializers (default), or graph inputs listed in the result's
   * `fedWeights`, which the caller feeds at every run (those of more than 2²⁰ values; smaller
   * ones stay initializers). Fed, the state_dict's own arrays serve
   * every session built from it: ONNX Runtime copies initializers into each session (unet_256:
   * 208 MiB a session, beside the state_dict the model keeps for TF.js), and Winograd layers
   * take their kernels as taps ([9, K, C]) that the graph transforms (G g Gᵀ) at every run,
   * instead of a transformed copy 4× the kernels' size (resnet_9blocks: 170 MiB).
   */
  weights?: 'initializers' | 'fed';
  /**
   * Statistics of the layers that normalise with their input's (see the top of this file):
   * fed as inputs, or output beside `output`. Default: computed and used inside the graph.
   */
  normStats?: OnnxNormStats;
}

/** A normalisation layer that uses its input's statistics, with its index in the graph's names. */
export interface NormStatsLayer {
  index: number;
  layer: InstanceNormLayer | BatchNormLayer;
  /** Statistics per sample ([N, C, 1, 1], InstanceNorm) or over the batch ([1, C, 1, 1]). */
  perSample: boolean;
}

/** The layers whose statistics `normStats` exposes, in execution order (BatchNorm only in train mode). */
export function normStatsLayers(spec: NetworkSpec, training: boolean): NormStatsLayer[] {
  const out: NormStatsLayer[] = [];
  for (const layer of walkLayers(spec.layers)) {
    if (layer.kind === 'instanceNorm' || (layer.kind === 'batchNorm' && training)) {
      out.push({ index: out.length, layer, perSample: layer.kind === 'instanceNorm' });
    }
  }
  return out;
}

interface Value {
  name: string;
  channels: number;
}

/** The ONNX model's bytes for `source` (a Network, or a spec with a PyTorch state_dict). */
export function buildOnnxModel(source: OnnxSource, options: OnnxBuildOptions = {}): Uint8Array {
  if (options.weights === 'fed') throw new Error('a model file holds its weights: weights must be initializers');
  const { g, name, meta } = buildGraph(source, options);
  return g.encode(name, meta);
}

/**
 * The same model for an in-process session, its weights as external data held in memory
 * (graph-builder.ts `encodeExternal`): the graph's bytes stay small, and the weights are
 * handed to ONNX Runtime as they are (a state_dict's float32 entries without a copy), so no
 * serialised copy of them is made for the runtime to parse and copy again.
 */
export function buildOnnxModelExternal(
  source: OnnxSource,
  options: OnnxBuildOptions = {},
): { model: Uint8Array; externalData: ExternalFile[]; fedWeights: FedWeight[] } {
  const { g, name, meta, fedWeights } = buildGraph(source, options);
  return { ...g.encodeExternal(name, meta), fedWeights };
}

/** A weight the graph takes as an input (`weights: 'fed'`): its name, shape and values. */
export interface FedWeight {
  name: string;
  dims: number[];
  values: () => Float32Array;
}

function buildGraph(source: OnnxSource, options: OnnxBuildOptions): { g: GraphBuilder; name: string; meta: ModelMetadata; fedWeights: FedWeight[] } {
  const reader = weightReader(source);
  const { spec } = reader;
  const training = options.training ?? false;
  const dropout = options.dropout ?? 'off';
  if (!['off', 'random', 'inputs'].includes(dropout)) throw new Error(`dropout must be off, random or inputs, got '${String(dropout)}'`);
  const shape = options.inputShape ?? {};
  for (const [k, v] of Object.entries(shape)) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new Error(`inputShape.${k} must be a positive integer, got ${v}`);
  }
  const batch: Dim = shape.batch ?? 'batch';
  const g = new GraphBuilder();
  const entries = new Map(stateEntries(spec).map((e) => [e.key, e]));
  const entry = (key: string) => {
    const e = entries.get(key);
    if (!e) throw new Error(`${spec.className}: the spec names ${key}, which is not among its state entries`);
    return e;
  };
  const values = (key: string): Float32Array => reader.values(entry(key));
  if (options.winograd !== undefined && options.winograd !== 2 && options.winograd !== 4) {
    throw new Error(`winograd must be 2 or 4 (the output tile side), got ${String(options.winograd)}`);
  }
  const winograd = batch === 1 ? (options.winograd === 4 ? F4x4_3x3 : options.winograd === 2 ? F2x2_3x3 : undefined) : undefined;
  const normStats = options.normStats;
  if (normStats !== undefined && normStats !== 'inputs' && normStats !== 'outputs') {
    throw new Error(`normStats must be inputs or outputs, got '${String(normStats)}'`);
  }
  if (options.weights !== undefined && options.weights !== 'initializers' && options.weights !== 'fed') {
    throw new Error(`weights must be initializers or fed, got '${String(options.weights)}'`);
  }
  const fedWeights: FedWeight[] = [];
  const fed: FedTaps | undefined =
    options.weights === 'fed'
      ? (name, dims, values) => {
          if (!fedWeights.some((f) => f.name === name)) {
            fedWeights.push({ name, dims, values });
            g.input(name, dims);
          }
          return name;
        }
      : undefined;
  const weight = (key: string): string => {
    const shape = entry(key).shape;
    if (fed && shape.reduce((a, b) => a * b, 1) > SMALL_WEIGHT_LIMIT) return fed(key, [...shape], () => values(key));
    return g.hasInitializer(key) ? key : g.floatInitializer(key, entry(key).shape, () => values(key));
  };
  const ctx: BuildContext = { g, weight, values, training, dropout, batch, winograd, ...(fed ? { fed } : {}), normStats, dropoutCount: 0, normCount: 0, statsOutputs: [] };

  const input = g.input(ONNX_INPUT, [batch, spec.inChannels, shape.height ?? 'height', shape.width ?? 'width']);
  const out = emit(ctx, spec.layers, { name: input, channels: spec.inChannels });
  if (out.channels !== spec.outChannels) throw new Error(`${spec.className}: graph ends with ${out.channels} channels, spec says ${spec.outChannels}`);
  g.output(out.name, ONNX_OUTPUT, [batch, spec.outChannels, 'out_height', 'out_width']);
  for (const s of ctx.statsOutputs) g.output(s.name, s.name, s.dims);
  const statsModules = normStatsLayers(spec, training).map((l) => l.layer.module);
  if (normStats && statsModules.length !== ctx.normCount) throw new Error(`${spec.className}: ${ctx.normCount} normalisation layers built, ${statsModules.length} listed`);

  const meta: ModelMetadata = {
    producerVersion: version,
    docString: `${reader.description}; converted from the PyTorch state_dict layout (NCHW)`,
    props: {
      class_name: spec.className,
      role: spec.role,
      batch_norm: training ? 'batch statistics (train mode)' : 'running statistics (eval mode)',
      dropout,
      dropout_layers: String(ctx.dropoutCount),
      norm_stats: normStats ?? 'in graph',
      norm_stats_modules: statsModules.join(','),
      size_multiple: String(spec.sizeMultiple),
      min_size: String(spec.minSize),
      value_range: '[-1, 1]',
    },
  };
  return { g, name: spec.className, meta, fedWeights };
}

interface BuildContext {
  g: GraphBuilder;
  /** The initializer holding a state entry (PyTorch layout, named by its key). */
  weight(key: string): string;
  /** A state entry's values, PyTorch layout. */
  values(key: string): Float32Array;
  winograd?: WinogradTiles;
  /** Declares the Winograd layers' kernels as fed inputs (`winogradWeights: 'fed'`). */
  fed?: FedTaps;
  training: boolean;
  dropout: OnnxDropout;
  batch: Dim;
  normStats?: OnnxNormStats;
  dropoutCount: number;
  /** Normalisation layers with input statistics emitted so far (their index in the names). */
  normCount: number;
  /** Statistics to declare as graph outputs (`normStats: 'outputs'`). */
  statsOutputs: { name: string; dims: Dim[] }[];
}

function emit(ctx: BuildContext, layers: readonly Layer[], x: Value): Value {
  layers.forEach((layer, i) => (x = emitLayer(ctx, layer, x, layers[i + 1])));
  return x;
}

function emitLayer(ctx: BuildContext, layer: Layer, x: Value, next: Layer | undefined): Value {
  const { g } = ctx;
  switch (layer.kind) {
    case 'conv2d': {
      if (ctx.winograd && winogradApplies(layer)) {
        // A per-channel bias before an InstanceNorm that computes its own statistics cancels
        // out (the mean subtracts it, the variance does not see it): the Add is left out.
        const bias = next?.kind === 'instanceNorm' && !ctx.normStats ? undefined : layer.bias;
        const name = emitWinogradConv(
          g,
          layer,
          x.name,
          { kernel: () => ctx.values(layer.weight.key), ...(bias ? { bias: () => ctx.values(bias.key) } : {}) },
          ctx.winograd,
          ctx.fed,
        );
        return { name, channels: layer.outChannels };
      }
      // Graphs built for running (with Winograd) also take the faster form of a narrow
      // output convolution (./output-phases.ts).
      if (ctx.winograd && outputPhasesApply(layer)) {
        const bias = layer.bias;
        const name = emitOutputPhasesConv(g, layer, x.name, {
          kernel: () => ctx.values(layer.weight.key),
          ...(bias ? { bias: () => ctx.values(bias.key) } : {}),
        });
        return { name, channels: layer.outChannels };
      }
      const inputs = [x.name, ctx.weight(layer.weight.key), ...(layer.bias ? [ctx.weight(layer.bias.key)] : [])];
      const p = layer.padding;
      const name = g.node('Conv', inputs, [
        attr.ints('kernel_shape', [layer.kernel, layer.kernel]),
        attr.ints('strides', [layer.stride, layer.stride]),
        attr.ints('pads', [p, p, p, p]),
      ], layer.module);
      return { name, channels: layer.outChannels };
    }
    case 'convTranspose2d': {
      // Graphs built for running write strided ones as one Conv per output phase
      // (./transpose-phases.ts), up to PHASE_KERNEL_LIMIT weights: the phase kernels are a
      // copy that ONNX Runtime holds. The larger layers (the U-Net's inner ones) run on small
      // feature maps, where ConvTranspose is about as fast.
      if (ctx.winograd && transposePhasesApply(layer) && layer.inChannels * layer.outChannels * layer.kernel ** 2 <= PHASE_KERNEL_LIMIT) {
        const bias = layer.bias ? ctx.weight(layer.bias.key) : undefined;
        const name = emitTransposePhases(g, layer, x.name, () => ctx.values(layer.weight.key), bias);
        return { name, channels: layer.outChannels };
      }
      const inputs = [x.name, ctx.weight(layer.weight.key), ...(layer.bias ? [ctx.weight(layer.bias.key)] : [])];
      const p = layer.padding;
      const name = g.node('ConvTranspose', inputs, [
        attr.ints('kernel_shape', [layer.kernel, layer.kernel]),
        attr.ints('strides', [layer.stride, layer.stride]),
        attr.ints('pads', [p, p, p, p]),
        attr.ints('output_padding', [layer.outputPadding, layer.outputPadding]),
      ], layer.module);
      return { name, channels: layer.outChannels };
    }
    case 'reflectionPad': {
      const p = layer.pad;
      const padsName = `reflect_pads_${p}`;
      // Pads are [x1_begin, x2_begin, …, x1_end, x2_end, …] over N, C, H, W.
      const pads = g.sharedInt64(padsName, [0, 0, p, p, 0, 0, p, p]);
      return { name: g.node('Pad', [x.name, pads], [attr.string('mode', 'reflect')], 'ReflectionPad2d'), channels: x.channels };
    }
    case 'batchNorm':
      if (ctx.training && ctx.normStats) return { name: normWithStatistics(ctx, layer, x), channels: x.channels };
      return { name: ctx.training ? batchNormTrain(ctx, layer, x) : batchNormEval(ctx, layer, x), channels: x.channels };
    case 'instanceNorm': {
      if (ctx.normStats) return { name: normWithStatistics(ctx, layer, x), channels: x.channels };
      const c = layer.channels;
      const scale = constantVector(g, `instance_norm_scale_${c}`, c, 1);
      const bias = constantVector(g, `instance_norm_bias_${c}`, c, 0);
      const name = g.node('InstanceNormalization', [x.name, scale, bias], [attr.float('epsilon', layer.eps)], layer.module);
      return { name, channels: x.channels };
    }
    case 'relu':
      return { name: g.node('Relu', [x.name]), channels: x.channels };
    case 'leakyRelu':
      return { name: g.node('LeakyRelu', [x.name], [attr.float('alpha', layer.slope)]), channels: x.channels };
    case 'tanh':
      return { name: g.node('Tanh', [x.name]), channels: x.channels };
    case 'dropout':
      return { name: dropoutLayer(ctx, layer.p, x), channels: x.channels };
    case 'concatSkip': {
      // The reference returns cat([x, block(x)], 1): the skip input first.
      const body = emit(ctx, layer.body, x);
      return { name: g.node('Concat', [x.name, body.name], [attr.int('axis', 1)], 'skip'), channels: x.channels + body.channels };
    }
    case 'residual': {
      const body = emit(ctx, layer.body, x);
      if (body.channels !== x.channels) throw new Error(`residual block maps ${x.channels} channels to ${body.channels}`);
      return { name: g.node('Add', [x.name, body.name], [], 'residual'), channels: x.channels };
    }
    default: {
      const never: never = layer;
      throw new Error(`ONNX export: unknown layer ${JSON.stringify(never)}`);
    }
  }
}

function constantVector(g: GraphBuilder, name: string, length: number, value: number): string {
  return g.hasInitializer(name) ? name : g.floatInitializer(name, [length], new Float32Array(length).fill(value));
}

/** `net.eval()`: y = (x − running_mean) / sqrt(running_var + eps) · weight + bias. */
function batchNormEval(ctx: BuildContext, layer: BatchNormLayer, x: Value): string {
  const inputs = [layer.weight, layer.bias, layer.runningMean, layer.runningVar].map((t) => ctx.weight(t.key));
  return ctx.g.node('BatchNormalization', [x.name, ...inputs], [attr.float('epsilon', layer.eps)], layer.module);
}

/**
 * `net.train()` forward: normalise with the batch's mean and biased variance over (N, H, W).
 * (The running statistics are not updated: inference leaves the network as it is.) With a
 * batch of one those are per-channel statistics over (H, W), which is InstanceNormalization
 * with BatchNorm's affine parameters: one fused kernel instead of seven element-wise ops.
 */
function batchNormTrain(ctx: BuildContext, layer: BatchNormLayer, x: Value): string {
  const { g } = ctx;
  const gamma = ctx.weight(layer.weight.key);
  const beta = ctx.weight(layer.bias.key);
  if (ctx.batch === 1) {
    return g.node('InstanceNormalization', [x.name, gamma, beta], [attr.float('epsilon', layer.eps)], layer.module);
  }
  const m = layer.module;
  const axes = [attr.ints('axes', [0, 2, 3]), attr.int('keepdims', 1)];
  const mean = g.node('ReduceMean', [x.name], axes, m);
  const centred = g.node('Sub', [x.name, mean], [], m);
  const variance = g.node('ReduceMean', [g.node('Mul', [centred, centred], [], m)], axes, m);
  const eps = g.hasInitializer(`bn_eps_${layer.eps}`) ? `bn_eps_${layer.eps}` : g.floatInitializer(`bn_eps_${layer.eps}`, [], Float32Array.of(layer.eps));
  const invStd = g.node('Reciprocal', [g.node('Sqrt', [g.node('Add', [variance, eps], [], m)], [], m)], [], m);
  // weight and bias as [1, C, 1, 1] so they broadcast over N, H, W.
  const c = layer.channels;
  const shape4 = g.sharedInt64(`channel_shape_${c}`, [1, c, 1, 1]);
  const scale = g.node('Mul', [invStd, g.node('Reshape', [gamma, shape4], [], m)], [], m);
  return g.node('Add', [g.node('Mul', [centred, scale], [], m), g.node('Reshape', [beta, shape4], [], m)], [], m);
}

/**
 * InstanceNorm (affine=False) or train-mode BatchNorm with its statistics exchanged with the
 * caller. As the TF.js executor: y = (x − mean) · scale (+ β for BatchNorm), scale =
 * γ / √(var + eps) (γ = 1 for InstanceNorm), with the biased variance.
 *
 * - 'outputs': mean and variance are reduced here, over (H, W) per sample or over
 *   (N, H, W), and also become graph outputs.
 * - 'inputs': they are fed; the per-channel scale and shift = β − mean · scale are computed
 *   on the [N, C, 1, 1] statistics and the activations take one Mul and one Add, x · scale +
 *   shift. That differs from (x − mean) · scale by a rounding of |mean · scale| · 2⁻²⁴, far
 *   below the parity tolerance for activations whose mean is not thousands of their
 *   standard deviations.
 */
function normWithStatistics(ctx: BuildContext, layer: InstanceNormLayer | BatchNormLayer, x: Value): string {
  const { g } = ctx;
  const m = layer.module;
  const i = ctx.normCount++;
  const c = layer.channels;
  const perSample = layer.kind === 'instanceNorm';
  const dims: Dim[] = [perSample ? ctx.batch : 1, c, 1, 1];
  let mean: string;
  let variance: string;
  let centred: string | undefined;
  if (ctx.normStats === 'inputs') {
    mean = g.input(normMeanName(i), dims);
    variance = g.input(normVarianceName(i), dims);
  } else {
    const axes = [attr.ints('axes', perSample ? [2, 3] : [0, 2, 3]), attr.int('keepdims', 1)];
    mean = g.node('ReduceMean', [x.name], axes, m, normMeanName(i));
    centred = g.node('Sub', [x.name, mean], [], m);
    variance = g.node('ReduceMean', [g.node('Mul', [centred, centred], [], m)], axes, m, normVarianceName(i));
    ctx.statsOutputs.push({ name: mean, dims }, { name: variance, dims });
  }
  const epsName = `norm_eps_${layer.eps}`;
  const eps = g.hasInitializer(epsName) ? epsName : g.floatInitializer(epsName, [], Float32Array.of(layer.eps));
  let scale = g.node('Reciprocal', [g.node('Sqrt', [g.node('Add', [variance, eps], [], m)], [], m)], [], m);
  let beta: string | undefined;
  if (layer.kind === 'batchNorm') {
    // γ and β as [1, C, 1, 1] so they broadcast over N, H, W.
    const shape4 = g.sharedInt64(`channel_shape_${c}`, [1, c, 1, 1]);
    scale = g.node('Mul', [scale, g.node('Reshape', [ctx.weight(layer.weight.key), shape4], [], m)], [], m);
    beta = g.node('Reshape', [ctx.weight(layer.bias.key), shape4], [], m);
  }
  if (centred) {
    const y = g.node('Mul', [centred, scale], [], m);
    return beta ? g.node('Add', [y, beta], [], m) : y;
  }
  const meanScale = g.node('Mul', [mean, scale], [], m);
  const shift = beta ? g.node('Sub', [beta, meanScale], [], m) : g.node('Neg', [meanScale], [], m);
  return g.node('Add', [g.node('Mul', [x.name, scale], [], m), shift], [], m);
}

/**
 * Dropout(p) with the mask tf.dropout uses: floor(u + keep) / keep with u ~ U[0, 1), keep =
 * 1 − p, so kept values are scaled by 1 / keep as in PyTorch.
 */
function dropoutLayer(ctx: BuildContext, p: number, x: Value): string {
  const { g } = ctx;
  const i = ctx.dropoutCount++;
  switch (ctx.dropout) {
    case 'off':
      return x.name;
    case 'inputs': {
      const mask = g.input(dropoutMaskName(i), [ctx.batch, x.channels, `dropout_${i}_height`, `dropout_${i}_width`]);
      return g.node('Mul', [x.name, mask], [], 'Dropout');
    }
    case 'random': {
      const keep = 1 - p;
      const keepName = g.hasInitializer(`dropout_keep_${keep}`) ? `dropout_keep_${keep}` : g.floatInitializer(`dropout_keep_${keep}`, [], Float32Array.of(keep));
      const uniform = g.node('RandomUniformLike', [x.name], [attr.float('low', 0), attr.float('high', 1)], 'Dropout');
      const mask = g.node('Div', [g.node('Floor', [g.node('Add', [uniform, keepName], [], 'Dropout')], [], 'Dropout'), keepName], [], 'Dropout');
      return g.node('Mul', [x.name, mask], [], 'Dropout');
    }
  }
}

