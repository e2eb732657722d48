/**
 * Runs a `Network` on ONNX Runtime with the TF.js inference path's interface: NHWC tensors
 * in and out, the same `InferenceMode` (BatchNorm statistics, dropout and its seed).
 *
 * - One session per mode variant (eval or train-mode BatchNorm, dropout on or off, batch of
 *   one or any), built from the network's current weights on first use.
 * - Weights are snapshotted: every TF.js `Variable.assign` (an optimizer step, a checkpoint
 *   load) gives the variable a new data id, so a run after any change rebuilds the graph
 *   instead of translating with stale weights.
 * - Dropout masks are drawn exactly as the TF.js executor draws them (tf.dropout, layer i
 *   seeded `seed + i`) and fed to the graph as inputs, so both engines give the same output
 *   for the same seed.
 * - With a batch of one, 3×3 stride-1 convolutions run as Winograd F(2×2, 3×3): on
 *   resnet_9blocks about 20 % less CPU time, at a rounding error (≤ 1e-5 of the output here)
 *   far inside the parity tolerance. F(4×4, 3×3) saved about 30 % but costs three times the
 *   error; it is not used.
 */
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import type { Network } from '../networks';
import * as tf from '../tf';
import { buildOnnxModel, dropoutMaskName, ONNX_INPUT, ONNX_OUTPUT } from './build';
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
}

function variantKey(v: Variant): string {
  return `${v.training ? 'train' : 'eval'}|${v.dropout ? 'dropout' : 'nodropout'}|${v.batchOne ? '1' : 'n'}`;
}

export class OnnxGenerator {
  private readonly sessions = new Map<string, Promise<InferenceSession>>();
  private weightIds: readonly object[] = [];
  private released = false;

  constructor(
    readonly net: Network,
    private readonly sessionOptions: SessionOptions = {},
  ) {}

  private hasDropout(): boolean {
    const find = (layers: Network['spec']['layers']): boolean =>
      layers.some((l) => l.kind === 'dropout' || ((l.kind === 'concatSkip' || l.kind === 'residual') && find(l.body)));
    return find(this.net.spec.layers);
  }

  private variant(mode: RunMode, batch: number): Variant {
    return { training: mode.training, dropout: mode.dropout && this.hasDropout(), batchOne: batch === 1 };
  }

  private currentWeightIds(): object[] {
    return [...this.net.params.values(), ...this.net.buffers.values()].map((v) => v.dataId as object);
  }

  /** Drops every session when the weights changed since they were built. */
  private async refresh(): Promise<void> {
    if (this.net.isDisposed) throw new Error(`${this.net.spec.className} network has been disposed`);
    const ids = this.currentWeightIds();
    const same = ids.length === this.weightIds.length && ids.every((id, i) => id === this.weightIds[i]);
    if (!same) {
      await this.releaseSessions();
      this.weightIds = ids;
    }
  }

  /** Builds the graph and session for `mode` at this batch size (the first run does it otherwise). */
  async prepare(mode: RunMode, batch = 1): Promise<InferenceSession> {
    if (this.released) throw new Error('this ONNX runner has been released');
    await this.refresh();
    const v = this.variant(mode, batch);
    const key = variantKey(v);
    let session = this.sessions.get(key);
    if (!session) {
      const model = buildOnnxModel(this.net, {
        training: v.training,
        dropout: v.dropout ? 'inputs' : 'off',
        inputShape: v.batchOne ? { batch: 1 } : {},
        ...(v.batchOne ? { winograd: 2 as const } : {}),
      });
      session = createSession(model, this.sessionOptions);
      this.sessions.set(key, session);
      session.catch(() => this.sessions.delete(key));
    }
    return session;
  }

  /** The forward pass on `x` ([N, H, W, C]); resolves to [N, H', W', C']. */
  async run(x: tf.Tensor4D, mode: RunMode): Promise<tf.Tensor4D> {
    const { spec } = this.net;
    if (x.rank !== 4 || x.shape[3] !== spec.inChannels) {
      throw new Error(`${spec.className}: expected an NHWC tensor with ${spec.inChannels} channels, got shape [${x.shape.join(', ')}]`);
    }
    const [n, h, w, c] = x.shape;
    // Checks the size the way the TF.js executor does (too small, misaligned skips).
    const sites = dropoutSites(spec, n, h, w);
    const session = await this.prepare(mode, n);
    const ort = await loadOnnxRuntime();
    const feeds: Record<string, OrtTensor> = {
      [ONNX_INPUT]: new ort.Tensor('float32', await nchwData(x), [n, c, h, w]),
    };
    if (this.variant(mode, n).dropout) {
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

const byNetwork = new WeakMap<Network, OnnxGenerator>();
const live = new Set<OnnxGenerator>();

/**
 * The runner for `net`, created on first use and kept with the network. Runners of networks
 * disposed since are released here, so their sessions' native memory does not wait for GC.
 */
export function onnxGeneratorFor(net: Network): OnnxGenerator {
  for (const g of live) if (g.net.isDisposed) void g.release();
  let g = byNetwork.get(net);
  if (!g || g.isReleased) {
    g = new OnnxGenerator(net);
    byNetwork.set(net, g);
    live.add(g);
  }
  return g;
}
