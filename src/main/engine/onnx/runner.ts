/**
 * Runs a generator on ONNX Runtime with the TF.js inference path's interface: NHWC tensors
 * in and out, the same `InferenceMode` (BatchNorm statistics, dropout and its seed). The
 * weights come from a live `Network` or, as inference loads models, from a spec and its
 * PyTorch state_dict (`FixedWeights`), which needs no TF.js copy of them at all.
 *
 * - One session per mode variant (eval or train-mode BatchNorm, dropout on or off, batch of
 *   one or any), built on first use. The weights are graph inputs, fed at every run from
 *   arrays the runner takes once (build.ts `weights: 'fed'`; a state_dict's own arrays where
 *   they are float32): ONNX Runtime copies initializers into each session, so every variant
 *   held the network again (unet_256: 208 MiB a session). Winograd layers' kernels are fed
 *   as taps and transformed in the graph; transformed, they are 4× the kernels' size.
 * - A live network's weights are snapshotted: every TF.js `Variable.assign` (an optimizer
 *   step, a checkpoint load) gives the variable a new data id, so a run after any change
 *   rebuilds the graph instead of translating with stale weights.
 * - Dropout masks are drawn exactly as the TF.js executor draws them (tf.dropout, layer i
 *   seeded `seed + i`) and fed to the graph as inputs, so both engines give the same output
 *   for the same seed.
 * - With a batch of one, 3×3 stride-1 convolutions run as Winograd F(4×4, 3×3)
 *   (./winograd.ts): resnet_9blocks' block convolutions in about half the time of ONNX
 *   Runtime's direct Conv, at a rounding error (about 1e-5 of the output's magnitude) well
 *   inside the parity tolerances.
 * - Shared normalisation statistics (tiled inference, infer/tiled.ts) go through the TF.js
 *   executor's `normStats` hook: `record` runs the graph variant that outputs every
 *   InstanceNorm / train-mode BatchNorm layer's mean and variance and hands them over as the
 *   executor would (TF.js tensors, [N, 1, 1, C] per sample for InstanceNorm, [C] for
 *   BatchNorm); `lookup` runs the variant that takes them as inputs.
 */
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import type { StateDict } from '../io/tensor-data';
import { Network, type NetworkSpec } from '../networks';
import type { NormStats, NormStatsHook } from '../networks/executor';
import * as tf from '../tf';
import {
  buildOnnxModelExternal,
  dropoutMaskName,
  normMeanName,
  normStatsLayers,
  normVarianceName,
  ONNX_INPUT,
  ONNX_OUTPUT,
  type FedWeight,
  type NormStatsLayer,
  type OnnxNormStats,
} from './build';
import { createSession, loadOnnxRuntime, type SessionOptions } from './session';
import { dropoutSites } from './shapes';

/** What the TF.js inference path takes (infer/translate.ts InferenceMode). */
export interface RunMode {
  training: boolean;
  dropout: boolean;
  seed?: number;
}

interface Variant {
  training: boolean;
  dropout: boolean;
  batchOne: boolean;
  /** Statistics fed or output (only for networks that have such layers in this mode). */
  normStats?: OnnxNormStats;
}

/**
 * Weights that do not change while loaded: a spec and its PyTorch state_dict, as inference
 * loads models (infer/generator.ts `InferenceGenerator`).
 */
export interface FixedWeights {
  readonly spec: NetworkSpec;
  readonly stateDict: StateDict;
  readonly isDisposed: boolean;
}

/** What a runner builds its graphs from. */
export type RunnerSource = Network | FixedWeights;

function variantKey(v: Variant): string {
  return `${v.training ? 'train' : 'eval'}|${v.dropout ? 'dropout' : 'nodropout'}|${v.batchOne ? '1' : 'n'}|${v.normStats ?? 'graph'}`;
}

/** Which statistics variant a `normStats` hook asks for: lookup wins, as in the executor. */
export function normStatsVariant(hook: NormStatsHook | undefined): OnnxNormStats | undefined {
  return hook?.lookup ? 'inputs' : hook?.record ? 'outputs' : undefined;
}

export class OnnxGenerator {
  private readonly sessions = new Map<string, Promise<InferenceSession>>();
  /** The weights each session takes as inputs (by variant key), and their values by name (shared by the variants). */
  private readonly fedBySession = new Map<string, FedWeight[]>();
  private readonly fedValues = new Map<string, Float32Array>();
  private weightIds: readonly object[] = [];
  private released = false;

  constructor(
    readonly source: RunnerSource,
    private readonly sessionOptions: SessionOptions = {},
  ) {}

  get spec(): NetworkSpec {
    return this.source.spec;
  }

  private hasDropout(): boolean {
    const find = (layers: NetworkSpec['layers']): boolean =>
      layers.some((l) => l.kind === 'dropout' || ((l.kind === 'concatSkip' || l.kind === 'residual') && find(l.body)));
    return find(this.spec.layers);
  }

  private variant(mode: RunMode, batch: number, normStats?: OnnxNormStats): Variant {
    const stats = normStats && this.statsLayers(mode).length > 0 ? { normStats } : {};
    return { training: mode.training, dropout: mode.dropout && this.hasDropout(), batchOne: batch === 1, ...stats };
  }

  /** The layers whose statistics the hook exchanges in `mode`, in the graph's order. */
  private statsLayers(mode: RunMode): NormStatsLayer[] {
    return normStatsLayers(this.spec, mode.training);
  }

  /** Identifies a live network's current weights; fixed weights have nothing that changes. */
  private currentWeightIds(): object[] {
    const { source } = this;
    if (!(source instanceof Network)) return [];
    return [...source.params.values(), ...source.buffers.values()].map((v) => v.dataId as object);
  }

  /** Drops every session when the weights changed since they were built. */
  private async refresh(): Promise<void> {
    if (this.source.isDisposed) throw new Error(`${this.spec.className} network has been disposed`);
    const ids = this.currentWeightIds();
    const same = ids.length === this.weightIds.length && ids.every((id, i) => id === this.weightIds[i]);
    if (!same) {
      await this.releaseSessions();
      this.weightIds = ids;
    }
  }

  /**
   * Builds the graph and session for `mode` at this batch size, with statistics fed or
   * output (`normStats`), if not built yet (the first run does it otherwise).
   */
  async prepare(mode: RunMode, batch = 1, normStats?: OnnxNormStats): Promise<InferenceSession> {
    if (this.released) throw new Error('this ONNX runner has been released');
    await this.refresh();
    const v = this.variant(mode, batch, normStats);
    const key = variantKey(v);
    let session = this.sessions.get(key);
    if (!session) {
      const model = buildOnnxModelExternal(this.source, {
        training: v.training,
        dropout: v.dropout ? 'inputs' : 'off',
        weights: 'fed',
        inputShape: v.batchOne ? { batch: 1 } : {},
        ...(v.batchOne ? { winograd: 4 as const } : {}),
        ...(v.normStats ? { normStats: v.normStats } : {}),
      });
      this.fedBySession.set(key, model.fedWeights);
      session = createSession(model, this.sessionOptions);
      this.sessions.set(key, session);
      session.catch(() => this.sessions.delete(key));
    }
    return session;
  }

  /**
   * The forward pass on `x` ([N, H, W, C]); resolves to [N, H', W', C']. `normStats` as in
   * the TF.js executor: `lookup` must give every such layer's statistics (a graph cannot
   * mix fed and computed ones); `record` gets each layer's statistics after the run.
   */
  async run(x: tf.Tensor4D, mode: RunMode, normStats?: NormStatsHook): Promise<tf.Tensor4D> {
    const { spec } = this;
    if (x.rank !== 4 || x.shape[3] !== spec.inChannels) {
      throw new Error(`${spec.className}: expected an NHWC tensor with ${spec.inChannels} channels, got shape [${x.shape.join(', ')}]`);
    }
    const [n, h, w, c] = x.shape;
    // Checks the size the way the TF.js executor does (too small, misaligned skips).
    const sites = dropoutSites(spec, n, h, w);
    const variant = this.variant(mode, n, normStatsVariant(normStats));
    const session = await this.prepare(mode, n, variant.normStats);
    const ort = await loadOnnxRuntime();
    const feeds: Record<string, OrtTensor> = {
      [ONNX_INPUT]: new ort.Tensor('float32', await nchwData(x), [n, c, h, w]),
    };
    for (const f of this.fedBySession.get(variantKey(variant)) ?? []) {
      let values = this.fedValues.get(f.name);
      if (!values) {
        values = f.values();
        this.fedValues.set(f.name, values);
      }
      feeds[f.name] = new ort.Tensor('float32', values, f.dims);
    }
    if (variant.normStats === 'inputs') {
      for (const l of this.statsLayers(mode)) {
        const stats = normStats!.lookup!(l.layer.module);
        if (!stats) throw new Error(`${spec.className}: no shared statistics for ${l.layer.module} (ONNX Runtime needs every layer's or none)`);
        const dims = [l.perSample ? n : 1, l.layer.channels, 1, 1];
        feeds[normMeanName(l.index)] = new ort.Tensor('float32', await statsData(stats.mean, dims, l), dims);
        feeds[normVarianceName(l.index)] = new ort.Tensor('float32', await statsData(stats.variance, dims, l), dims);
      }
    }
    if (variant.dropout) {
      for (const [i, site] of sites.entries()) {
        const [, mc, mh, mw] = site.shape;
        const seed = mode.seed === undefined ? undefined : mode.seed + i;
        // tf.dropout's multiplier (0 or 1 / keep), drawn in the executor's NHWC order.
        const mask = tf.tidy(() => tf.dropout(tf.ones([n, mh, mw, mc]), site.p, undefined, seed) as tf.Tensor4D);
        try {
          feeds[dropoutMaskName(i)] = new ort.Tensor('float32', await nchwData(mask), site.shape);
        } finally {
          mask.dispose();
        }
      }
    }
    let result: InferenceSession.ReturnType;
    try {
      result = await session.run(feeds);
    } catch (err) {
      throw new Error(`${spec.className} on ONNX Runtime (input [${n}, ${c}, ${h}, ${w}]): ${(err as Error).message}`);
    }
    this.afterRun(session);
    if (variant.normStats === 'outputs') {
      for (const l of this.statsLayers(mode)) {
        // NCHW [N, C, 1, 1] holds its values in the order of NHWC [N, 1, 1, C].
        const shape = l.perSample ? [n, 1, 1, l.layer.channels] : [l.layer.channels];
        const stats: NormStats = {
          mean: tf.tensor(result[normMeanName(l.index)]!.data as Float32Array, shape),
          variance: tf.tensor(result[normVarianceName(l.index)]!.data as Float32Array, shape),
        };
        normStats!.record!(l.layer.module, stats);
      }
    }
    const y = result[ONNX_OUTPUT]!;
    const dims = y.dims as number[];
    const data = y.data as Float32Array;
    return tf.tidy(() => tf.transpose(tf.tensor4d(data, [dims[0]!, dims[1]!, dims[2]!, dims[3]!]), [0, 2, 3, 1]));
  }

  private readonly runsBySession = new WeakMap<InferenceSession, number>();

  /**
   * With ATELIER_ONNX_PROFILE set, a session's profile is written after its first
   * PROFILED_RUNS runs (the first one includes one-time allocations; the next are steady).
   */
  private afterRun(session: InferenceSession): void {
    if (!process.env.ATELIER_ONNX_PROFILE) return;
    const runs = (this.runsBySession.get(session) ?? 0) + 1;
    this.runsBySession.set(session, runs);
    if (runs === PROFILED_RUNS) session.endProfiling();
  }

  private async releaseSessions(): Promise<void> {
    const pending = [...this.sessions.values()];
    this.sessions.clear();
    this.fedBySession.clear();
    this.fedValues.clear();
    for (const s of pending) {
      const session = await s.catch(() => undefined);
      await session?.release();
    }
  }

  get isReleased(): boolean {
    return this.released;
  }

  /** Frees every session (native memory); the runner cannot be used afterwards. */
  async release(): Promise<void> {
    this.released = true;
    live.delete(this);
    await this.releaseSessions();
  }
}

const PROFILED_RUNS = 3;

async function nchwData(x: tf.Tensor4D): Promise<Float32Array> {
  const t = tf.transpose(x, [0, 3, 1, 2]);
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

/**
 * A layer's statistics (a TF.js tensor broadcastable to its NHWC input: channels last) as
 * the graph's [N or 1, C, 1, 1] input.
 */
async function statsData(t: tf.Tensor, dims: number[], l: NormStatsLayer): Promise<Float32Array> {
  const size = dims.reduce((a, b) => a * b, 1);
  if (t.size !== size || t.shape.at(-1) !== l.layer.channels) {
    throw new Error(`${l.layer.module}: shared statistics of shape [${t.shape.join(', ')}] do not fit [${dims.join(', ')}] (NCHW)`);
  }
  return (await t.data()) as Float32Array;
}

const bySource = new WeakMap<RunnerSource, OnnxGenerator>();
const live = new Set<OnnxGenerator>();

/**
 * The runner for `source`, created on first use and kept with it. Runners of sources
 * disposed since are released here, so their sessions' native memory does not wait for GC.
 */
export function onnxGeneratorFor(source: RunnerSource): OnnxGenerator {
  for (const g of live) if (g.source.isDisposed) void g.release();
  let g = bySource.get(source);
  if (!g || g.isReleased) {
    g = new OnnxGenerator(source);
    bySource.set(source, g);
    live.add(g);
  }
  return g;
}

/** Releases `source`'s runner and its sessions now, if it has one. */
export async function releaseOnnxGenerator(source: RunnerSource): Promise<void> {
  const g = bySource.get(source);
  bySource.delete(source);
  await g?.release();
}
