/**
 * A generator as inference loads it: its options, its spec and its weights as the PyTorch
 * state_dict that model files hold. ONNX Runtime builds its sessions straight from that
 * state_dict (onnx/runner.ts `FixedWeights`), so translating needs no TF.js copy of the
 * weights (unet_256: 208 MiB of weights, 260 MiB of wasm heap as TF.js variables). The TF.js
 * `Network` is built on first need only: when TF.js runs the generator (ONNX Runtime
 * unavailable or unable to build its graph, ATELIER_INFERENCE=tfjs, TF.js on a CUDA GPU) or
 * for anything else that wants one.
 *
 * The weights do not change while loaded. A network whose weights do (the one being trained,
 * for training previews) goes to inference as the live `Network` itself.
 */
import type { StateDict } from '../io/tensor-data';
import {
  Network,
  StateDictError,
  compareStateDict,
  describeOptions,
  generatorSpec,
  patchInstanceNormStateDict,
  stateEntries,
  type GeneratorOptions,
  type NetworkSpec,
} from '../networks';
import { eachInitialValue } from '../networks/init';
import { floatValues } from '../networks/state-dict';
import { releaseOnnxGenerator, type FixedWeights } from '../onnx/runner';

export class InferenceGenerator implements FixedWeights {
  readonly spec: NetworkSpec;
  /** The weights, checked against the spec: PyTorch keys and layouts, float entries as float32. */
  readonly stateDict: StateDict;
  private net: Network | undefined;
  private disposed = false;

  /**
   * Checks `stateDict` as `load_state_dict(strict=True)` would (after dropping the InstanceNorm
   * entries old PyTorch versions saved, as the reference does); `what` names its source in
   * the error. float32 values are kept as they are, not copied.
   */
  constructor(
    readonly options: GeneratorOptions,
    stateDict: StateDict,
    what?: string,
  ) {
    this.spec = generatorSpec(options);
    const patched = patchInstanceNormStateDict(this.spec, stateDict);
    const cmp = compareStateDict(this.spec, patched.sd, patched.dropped);
    if (cmp.missing.length || cmp.unexpected.length || cmp.mismatched.length) {
      const fit = `state_dict does not fit ${this.spec.className} (${describeOptions(options)})`;
      throw new StateDictError(what ? `${what}: ${fit}` : fit, cmp);
    }
    const checked: StateDict = new Map();
    for (const e of stateEntries(this.spec)) {
      const t = patched.sd.get(e.key);
      if (!t) continue; // a num_batches_tracked older checkpoints lack
      if (e.kind === 'counter' || t.dtype === 'float32') {
        checked.set(e.key, t);
        continue;
      }
      try {
        checked.set(e.key, { dtype: 'float32', shape: t.shape, data: floatValues(e.key, t) });
      } catch (err) {
        throw new Error(what ? `${what}: ${(err as Error).message}` : (err as Error).message);
      }
    }
    this.stateDict = checked;
  }

  /** The TF.js network with these weights, built on the first call (and kept until `dispose`). */
  network(): Network {
    if (this.disposed) throw new Error(`${this.spec.className} network has been disposed`);
    if (!this.net) {
      const net = new Network(this.spec, { ...this.options });
      try {
        net.loadStateDict(this.stateDict);
      } catch (err) {
        net.dispose();
        throw err;
      }
      this.net = net;
    }
    return this.net;
  }

  /** Whether the TF.js network exists (inference on ONNX Runtime never builds it). */
  get hasNetwork(): boolean {
    return this.net !== undefined;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Frees the TF.js network, if built, and the ONNX Runtime sessions built from these weights. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.net?.dispose();
    this.net = undefined;
    // A session that fails to release has nothing left to retry: the generator is gone.
    await releaseOnnxGenerator(this).catch(() => undefined);
  }
}

/** What inference runs: a generator loaded for inference, or a live TF.js network. */
export type InferenceSource = Network | InferenceGenerator;

/** The TF.js network of `source` (built now for a generator loaded for inference). */
export function tfjsNetwork(source: InferenceSource): Network {
  return source instanceof Network ? source : source.network();
}

/**
 * The weights `defineG(options, { seed })` starts with, as a state_dict and without TF.js:
 * the reference's `init_weights` values (networks/init.ts) and fresh BatchNorm buffers
 * (running_mean 0, running_var 1, num_batches_tracked 0).
 */
export function initialStateDict(options: GeneratorOptions, seed: number): StateDict {
  const entries = stateEntries(generatorSpec(options));
  const params = new Map(eachInitialValue(entries, options.initType, options.initGain, seed));
  const sd: StateDict = new Map();
  for (const e of entries) {
    if (e.kind === 'counter') {
      sd.set(e.key, { dtype: 'int64', shape: [], data: BigInt64Array.of(0n) });
      continue;
    }
    const size = e.shape.reduce((a, b) => a * b, 1);
    const data = e.kind === 'param' ? params.get(e.key)! : new Float32Array(size).fill(e.role === 'running_var' ? 1 : 0);
    sd.set(e.key, { dtype: 'float32', shape: [...e.shape], data });
  }
  return sd;
}
