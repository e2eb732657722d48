/**
 * Runs a `NetworkSpec` with TF.js ops on NHWC tensors. Only ops with gradients on every
 * backend are used, so the same forward pass serves inference and training (inside
 * `tf.variableGrads`). The executor owns no state: weights come from the context, and
 * BatchNorm batch statistics are handed back to it for the running-stat update.
 */
import * as tf from '../tf';
import { batchNormTrain, instanceNorm, normalizeWithStats } from './norm';
import { reflectionPad2d } from './reflection-pad';
import type { BatchNormLayer, Layer, NetworkSpec } from './spec';

export interface ForwardMode {
  /**
   * Train mode as the reference's `net.train()`: BatchNorm normalises with the batch's
   * statistics (and the running statistics are updated, see `updateRunningStats`).
   * False is `net.eval()`: BatchNorm uses the running statistics. InstanceNorm is the same
   * in both modes (no running statistics).
   */
  training: boolean;
  /** Dropout(0.5) active. The reference keeps it on at test time unless `--eval` is given. */
  dropout: boolean;
  /** Makes dropout masks deterministic: layer i draws with seed `seed + i`. */
  seed?: number;
  /**
   * In train mode, update BatchNorm running statistics (default true, as PyTorch does on
   * every train-mode forward). Inference in train mode passes false to leave the network as
   * it is.
   */
  updateRunningStats?: boolean;
  /**
   * Statistics shared across calls, for tiled inference: normalisation layers that use the
   * statistics of their input (InstanceNorm, and BatchNorm in train mode) can record them
   * on one pass over the whole image and reuse them on every tile, so that the tiles of a
   * large image are normalised alike instead of each by its own content.
   */
  normStats?: NormStatsHook;
}

/** Mean and biased variance of one normalisation layer's input, broadcastable to it. */
export interface NormStats {
  mean: tf.Tensor;
  variance: tf.Tensor;
}

export interface NormStatsHook {
  /** Stats to use instead of the input's own, by module name; undefined: compute them. */
  lookup?(module: string): NormStats | undefined;
  /** Called with the stats a layer computed from its input (kept: the caller disposes). */
  record?(module: string, stats: NormStats): void;
}

export interface ForwardContext {
  /** A trainable parameter in TF.js layout, by reference key. */
  param(key: string): tf.Tensor;
  /** A BatchNorm running statistic, by reference key. */
  buffer(key: string): tf.Tensor;
  /**
   * Called in train mode for every BatchNorm layer with the batch mean and the *biased*
   * batch variance over (N, H, W), and the number of values per channel.
   */
  onBatchStats?(layer: BatchNormLayer, mean: tf.Tensor1D, variance: tf.Tensor1D, count: number): void;
}

/** Forward pass of `spec` on `x` ([N, H, W, C]). Call inside `tf.tidy` (Network.apply does). */
export function forward(spec: NetworkSpec, x: tf.Tensor4D, mode: ForwardMode, ctx: ForwardContext): tf.Tensor4D {
  if (x.rank !== 4) throw new Error(`${spec.className}: expected an NHWC tensor of rank 4, got shape [${x.shape.join(', ')}]`);
  if (x.shape[3] !== spec.inChannels) {
    throw new Error(`${spec.className}: expected ${spec.inChannels} input channels, got ${x.shape[3]} (input shape [${x.shape.join(', ')}], NHWC)`);
  }
  if (x.dtype !== 'float32') throw new Error(`${spec.className}: expected a float32 input, got ${x.dtype}`);
  let dropoutIndex = 0;

  const run = (layers: readonly Layer[], h: tf.Tensor4D): tf.Tensor4D => {
    for (const layer of layers) h = step(layer, h);
    return h;
  };

  const step = (layer: Layer, h: tf.Tensor4D): tf.Tensor4D => {
    switch (layer.kind) {
      case 'conv2d': {
        const w = ctx.param(layer.weight.key) as tf.Tensor4D;
        const y = tf.conv2d(h, w, layer.stride, layer.padding === 0 ? 'valid' : layer.padding);
        return layer.bias ? tf.add(y, ctx.param(layer.bias.key)) : y;
      }
      case 'convTranspose2d': {
        const [n, height, width] = h.shape;
        const outH = (height - 1) * layer.stride - 2 * layer.padding + layer.kernel + layer.outputPadding;
        const outW = (width - 1) * layer.stride - 2 * layer.padding + layer.kernel + layer.outputPadding;
        // The transposed conv is the input gradient of a conv over the output-sized map with
        // the same padding; output_padding is the extra bottom/right row that conv ignores.
        const w = ctx.param(layer.weight.key) as tf.Tensor4D;
        const y = tf.conv2dTranspose(h, w, [n, outH, outW, layer.outChannels], layer.stride, layer.padding === 0 ? 'valid' : layer.padding);
        return layer.bias ? tf.add(y, ctx.param(layer.bias.key)) : y;
      }
      case 'reflectionPad':
        if (layer.pad >= h.shape[1] || layer.pad >= h.shape[2]) {
          throw new Error(
            `${spec.className}: reflection padding by ${layer.pad} needs a feature map larger than ${h.shape[1]}×${h.shape[2]} (input too small; at least ${spec.minSize}×${spec.minSize})`,
          );
        }
        return reflectionPad2d(h, layer.pad);
      case 'batchNorm':
        return batchNorm(layer, h);
      case 'instanceNorm': {
        if (h.shape[1] * h.shape[2] <= 1) {
          throw new Error(`${layer.module}: instance norm needs more than one spatial element, got ${h.shape[1]}×${h.shape[2]}`);
        }
        const shared = mode.normStats?.lookup?.(layer.module);
        if (shared) return normalizeWithStats(h, shared, layer.eps);
        const record = mode.normStats?.record;
        const { y, stats } = instanceNorm(h, layer.eps, record !== undefined);
        if (record) record(layer.module, stats!);
        return y;
      }
      case 'relu':
        return tf.relu(h);
      case 'leakyRelu':
        return tf.leakyRelu(h, layer.slope);
      case 'tanh':
        return tf.tanh(h);
      case 'dropout': {
        const i = dropoutIndex++;
        if (!mode.dropout) return h;
        return tf.dropout(h, layer.p, undefined, mode.seed === undefined ? undefined : mode.seed + i) as tf.Tensor4D;
      }
      case 'concatSkip':
        return tf.concat([h, run(layer.body, h)], 3);
      case 'residual':
        return tf.add(h, run(layer.body, h));
      default: {
        const never: never = layer;
        throw new Error(`unknown layer ${JSON.stringify(never)}`);
      }
    }
  };

  const batchNorm = (layer: BatchNormLayer, h: tf.Tensor4D): tf.Tensor4D => {
    const gamma = ctx.param(layer.weight.key);
    const beta = ctx.param(layer.bias.key);
    if (mode.training) {
      const count = h.shape[0] * h.shape[1] * h.shape[2];
      if (count <= 1) {
        throw new Error(`${layer.module}: batch norm in train mode needs more than one value per channel, got input [${h.shape.join(', ')}]`);
      }
      const shared = mode.normStats?.lookup?.(layer.module);
      const onStats = mode.updateRunningStats !== false ? ctx.onBatchStats : undefined;
      if (shared) {
        onStats?.(layer, shared.mean as tf.Tensor1D, shared.variance as tf.Tensor1D, count);
        return normalizeWithStats(h, shared, layer.eps, { gamma, beta });
      }
      const record = mode.normStats?.record;
      const { y, stats } = batchNormTrain(h, gamma, beta, layer.eps, record !== undefined || onStats !== undefined);
      if (stats) {
        // Handed over kept, as the hook expects; otherwise they were only for the update.
        if (record) record(layer.module, stats);
        onStats?.(layer, stats.mean as tf.Tensor1D, stats.variance as tf.Tensor1D, count);
        if (!record) tf.dispose([stats.mean, stats.variance]);
      }
      return y;
    }
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(ctx.buffer(layer.runningVar.key), layer.eps)));
    const shift = tf.sub(beta, tf.mul(ctx.buffer(layer.runningMean.key), scale));
    return tf.add(tf.mul(h, scale), shift);
  };

  return run(spec.layers, x);
}
