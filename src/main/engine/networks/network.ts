/**
 * `Network`: a spec plus its weights as TF.js variables. This is the object the models,
 * the trainer and inference use; its API is kept stable:
 *
 * - `params`  trainable variables by reference key, in TF.js layouts (conv filters
 *             `[kH, kW, in, out]`, transposed-conv filters `[kH, kW, out, in]`, vectors `[C]`).
 *             Optimisers take `[...params.values()]`.
 * - `buffers` BatchNorm `running_mean` / `running_var` (non-trainable variables, `[C]`).
 * - `numBatchesTracked` BatchNorm counters (plain numbers).
 * - `apply(x, mode)` the forward pass on NHWC input; usable inside `tf.variableGrads`.
 * - `init`, `loadStateDict`, `stateDict` (PyTorch layouts and key order), `paramCount`, `dispose`.
 */
import type { StateDict, TensorData } from '../io/tensor-data';
import * as tf from '../tf';
import { forward, type ForwardMode } from './executor';
import { eachInitialValue } from './init';
import { tfShape, toTfLayout, toTorchLayout } from './layout';
import type { InitType, NetworkOptions } from './options';
import { parameterCount, stateEntries, type BatchNormLayer, type NetworkSpec, type StateEntry } from './spec';
import {
  StateDictError,
  compareStateDict,
  counterValue,
  floatValues,
  patchInstanceNormStateDict,
  type StateDictComparison,
} from './state-dict';

export type { ForwardMode } from './executor';

export interface LoadOptions {
  /** As PyTorch's `load_state_dict(strict=True)`: missing or unexpected keys are errors. */
  strict?: boolean;
}

let nextNetworkId = 0;

export class Network {
  readonly params = new Map<string, tf.Variable>();
  readonly buffers = new Map<string, tf.Variable>();
  readonly numBatchesTracked = new Map<string, number>();
  private readonly entries: StateEntry[];
  private disposed = false;

  constructor(
    readonly spec: NetworkSpec,
    readonly options: NetworkOptions,
  ) {
    this.entries = stateEntries(spec);
    // TF.js variable names are global; the id keeps two networks with the same keys apart.
    const scope = `${spec.className}_${nextNetworkId++}`;
    for (const e of this.entries) {
      const shape = tfShape(e);
      if (e.kind === 'param') {
        this.params.set(e.key, makeVariable(tf.zeros(shape), true, `${scope}/${e.key}`));
      } else if (e.kind === 'buffer') {
        // A fresh BatchNorm2d starts with running_mean 0 and running_var 1.
        const init = e.role === 'running_var' ? tf.ones(shape) : tf.zeros(shape);
        this.buffers.set(e.key, makeVariable(init, false, `${scope}/${e.key}`));
      } else {
        this.numBatchesTracked.set(e.key, 0);
      }
    }
  }

  /** The forward pass on `x` ([N, H, W, C]); returns [N, H', W', C']. */
  apply(x: tf.Tensor4D, mode: ForwardMode): tf.Tensor4D {
    this.assertLive();
    return tf.tidy(() =>
      forward(this.spec, x, mode, {
        param: (key) => this.params.get(key)!,
        buffer: (key) => this.buffers.get(key)!,
        onBatchStats: (layer, mean, variance, count) => this.updateRunningStats(layer, mean, variance, count),
      }),
    );
  }

  /**
   * BatchNorm2d in train mode (momentum 0.1): running = 0.9·running + 0.1·batch, with the
   * unbiased batch variance (× n/(n−1)); num_batches_tracked += 1.
   */
  private updateRunningStats(layer: BatchNormLayer, mean: tf.Tensor1D, variance: tf.Tensor1D, count: number): void {
    const m = layer.momentum;
    const runningMean = this.buffers.get(layer.runningMean.key)!;
    const runningVar = this.buffers.get(layer.runningVar.key)!;
    tf.tidy(() => {
      runningMean.assign(tf.add(tf.mul(runningMean, 1 - m), tf.mul(mean, m)));
      runningVar.assign(tf.add(tf.mul(runningVar, 1 - m), tf.mul(variance, (m * count) / (count - 1))));
    });
    const counter = layer.numBatchesTracked.key;
    this.numBatchesTracked.set(counter, (this.numBatchesTracked.get(counter) ?? 0) + 1);
  }

  /**
   * `init_weights(net, type, gain)`: conv weights by `type`, conv biases 0, BatchNorm
   * weights ~ N(1, gain) and biases 0. Deterministic for a given seed.
   */
  init(type: InitType, gain = 0.02, seed?: number): void {
    this.assertLive();
    const byKey = new Map(this.entries.map((e) => [e.key, e]));
    for (const [key, values] of eachInitialValue(this.entries, type, gain, seed ?? Math.floor(Math.random() * 2 ** 32))) {
      this.assignValues(this.params.get(key)!, byKey.get(key)!, values);
    }
  }

  /**
   * Load a PyTorch state_dict (PyTorch layouts), converting to TF.js layouts. Entries of
   * InstanceNorm layers that old PyTorch versions saved are dropped first, as the reference's
   * `load_networks` does. Nothing is changed unless the whole dict fits.
   * @throws StateDictError listing missing and unexpected keys (strict) and shape mismatches.
   */
  loadStateDict(sd: StateDict, { strict = true }: LoadOptions = {}): StateDictComparison {
    this.assertLive();
    const patched = patchInstanceNormStateDict(this.spec, sd);
    const cmp = compareStateDict(this.spec, patched.sd, patched.dropped);
    if (cmp.mismatched.length || (strict && (cmp.missing.length || cmp.unexpected.length))) {
      throw new StateDictError(`state_dict does not fit ${this.spec.className} (${describeOptions(this.options)})`, cmp);
    }
    // Convert everything before touching a variable, so a bad value leaves the network intact.
    const staged: { entry: StateEntry; values?: Float32Array; counter?: number }[] = [];
    for (const e of this.entries) {
      const t = patched.sd.get(e.key);
      if (!t) {
        if (e.kind === 'counter') staged.push({ entry: e, counter: 0 });
        continue;
      }
      if (e.kind === 'counter') staged.push({ entry: e, counter: counterValue(e.key, t) });
      else staged.push({ entry: e, values: toTfLayout(e, floatValues(e.key, t)) });
    }
    for (const { entry, values, counter } of staged) {
      if (counter !== undefined) this.numBatchesTracked.set(entry.key, counter);
      else this.assignRaw(this.variableFor(entry), entry, values!);
    }
    return cmp;
  }

  /** The weights as a PyTorch state_dict: reference keys, order and layouts; counters as int64. */
  stateDict(): StateDict {
    this.assertLive();
    const sd: StateDict = new Map();
    for (const e of this.entries) {
      let t: TensorData;
      if (e.kind === 'counter') {
        t = { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(this.numBatchesTracked.get(e.key) ?? 0)) };
      } else {
        const values = this.variableFor(e).dataSync() as Float32Array;
        t = { dtype: 'float32', shape: [...e.shape], data: toTorchLayout(e, values) };
      }
      sd.set(e.key, t);
    }
    return sd;
  }

  /** Number of trainable values, as PyTorch counts `parameters()`. */
  paramCount(): number {
    return parameterCount(this.spec);
  }

  /** Trainable variables in state_dict order (what an optimiser updates). */
  trainableVariables(): tf.Variable[] {
    return [...this.params.values()];
  }

  dispose(): void {
    if (this.disposed) return;
    for (const v of this.params.values()) v.dispose();
    for (const v of this.buffers.values()) v.dispose();
    this.disposed = true;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private variableFor(e: StateEntry): tf.Variable {
    const v = e.kind === 'param' ? this.params.get(e.key) : this.buffers.get(e.key);
    if (!v) throw new Error(`no variable for ${e.key}`);
    return v;
  }

  /** Assign values given in PyTorch layout. */
  private assignValues(v: tf.Variable, e: StateEntry, torchValues: Float32Array): void {
    this.assignRaw(v, e, toTfLayout(e, torchValues));
  }

  /** Assign values already in TF.js layout. */
  private assignRaw(v: tf.Variable, e: StateEntry, tfValues: Float32Array): void {
    const t = tf.tensor(tfValues, tfShape(e), 'float32');
    v.assign(t);
    t.dispose();
  }

  private assertLive(): void {
    if (this.disposed) throw new Error(`${this.spec.className} network has been disposed`);
  }
}

/** A variable holding `initial`'s values; `initial` is released (the variable keeps the data). */
function makeVariable(initial: tf.Tensor, trainable: boolean, name: string): tf.Variable {
  const v = tf.variable(initial, trainable, name);
  initial.dispose();
  return v;
}

/** A one-line summary of the options for messages. */
export function describeOptions(o: NetworkOptions): string {
  if ('netG' in o) return `netG ${o.netG}, input_nc ${o.inputNc}, output_nc ${o.outputNc}, ngf ${o.ngf}, norm ${o.norm}, dropout ${o.useDropout}`;
  return `netD ${o.netD}${o.netD === 'n_layers' ? ` (${o.nLayersD} layers)` : ''}, input_nc ${o.inputNc}, ndf ${o.ndf}, norm ${o.norm}`;
}
