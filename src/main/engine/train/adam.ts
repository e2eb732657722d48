/**
 * Adam exactly as `torch.optim.Adam` (PyTorch 1.13, single-tensor path, no weight decay, no
 * amsgrad), which is what the reference trains with:
 *
 *   m ← β1·m + (1−β1)·g
 *   v ← β2·v + (1−β2)·g²
 *   p ← p − lr/(1−β1ᵗ) · m / (√v / √(1−β2ᵗ) + ε)
 *
 * ε is added *after* bias-correcting √v. TF.js's AdamOptimizer adds it to the uncorrected
 * √v (and defaults ε to the backend's epsilon), which changes the first steps noticeably
 * with β1 = 0.5; hence this update over our own parameter map.
 *
 * Like PyTorch, each parameter keeps its own step count, and a parameter that receives no
 * gradient in a step is left untouched (its count does not advance).
 *
 * On the wasm backend every step after the first runs as one fused kernel
 * (backends/wasm-kernels/adam-step.ts) with the same operations in the same order.
 */
import * as tf from '../tf';
import { ADAM_STEP, adamStepAvailable } from '../backends/wasm-kernels/adam-step';
import { untaped } from './tape';

export interface AdamOptions {
  lr: number;
  beta1: number;
  beta2?: number;
  eps?: number;
}

/** Per-parameter moments and step counts, as plain data for checkpoints. */
export interface AdamParamState {
  step: number;
  expAvg: Float32Array;
  expAvgSq: Float32Array;
  shape: number[];
}

export interface AdamState {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Keyed like the optimizer's parameter map; parameters never stepped are absent. */
  params: Map<string, AdamParamState>;
}

interface Moments {
  step: number;
  expAvg: tf.Tensor;
  expAvgSq: tf.Tensor;
}

export class Adam {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private readonly moments = new Map<string, Moments>();

  /** `params`: key → variable; the keys name the parameters in gradients and in the state. */
  constructor(
    readonly params: ReadonlyMap<string, tf.Variable>,
    opts: AdamOptions,
  ) {
    this.lr = opts.lr;
    this.beta1 = opts.beta1;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    for (const [name, v] of [['lr', this.lr], ['beta2', this.beta2], ['eps', this.eps]] as const) {
      if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`Adam: ${name} must be a finite number ≥ 0, got ${v}`);
    }
    if (!(this.beta1 >= 0 && this.beta1 < 1)) throw new Error(`Adam: beta1 must be in [0, 1), got ${this.beta1}`);
    if (!(this.beta2 < 1)) throw new Error(`Adam: beta2 must be in [0, 1), got ${this.beta2}`);
  }

  /**
   * One update from gradients keyed like `params`. Gradients for keys this optimizer does
   * not own are an error (they would signal a model wiring mistake); missing keys are skipped.
   */
  step(grads: ReadonlyMap<string, tf.Tensor | undefined>): void {
    // An update is never differentiated; pix2pix steps D while G's gradient tape records.
    untaped(() => this.update(grads));
  }

  private update(grads: ReadonlyMap<string, tf.Tensor | undefined>): void {
    for (const key of grads.keys()) {
      if (!this.params.has(key)) throw new Error(`Adam: gradient for unknown parameter '${key}'`);
    }
    const { beta1, beta2, eps, lr } = this;
    const fused = adamStepAvailable(tf.backend());
    for (const [key, param] of this.params) {
      const grad = grads.get(key);
      if (grad == null) continue;
      if (!tf.util.arraysEqual(grad.shape, param.shape)) {
        throw new Error(`Adam: gradient for '${key}' has shape [${grad.shape}], parameter has [${param.shape}]`);
      }
      const prev = this.moments.get(key);
      const step = (prev?.step ?? 0) + 1;
      const biasCorrection1 = 1 - beta1 ** step;
      const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
      const stepSize = lr / biasCorrection1;
      // One small scope per intermediate result, and the previous moments released as soon
      // as the new ones exist: the largest parameters are tens of MB each, and a dozen of
      // their temporaries alive at once would need that much contiguous heap again.
      if (prev && fused) {
        // One pass over the backend's memory (backends/wasm-kernels/adam-step.ts): the same
        // operations, in the same order, as below.
        const attrs = { beta1, beta2, eps, biasCorrection2Sqrt, stepSize };
        const [p, m, v] = tf.engine().runKernel(ADAM_STEP, { p: param, g: grad, m: prev.expAvg, v: prev.expAvgSq }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        param.assign(p!);
        p!.dispose();
        prev.expAvg.dispose();
        prev.expAvgSq.dispose();
        this.moments.set(key, { step, expAvg: tf.keep(m!), expAvgSq: tf.keep(v!) });
        continue;
      }
      const m = tf.keep(tf.tidy(() => tf.add(tf.mul(prev?.expAvg ?? tf.zerosLike(param), beta1), tf.mul(grad, 1 - beta1))));
      prev?.expAvg.dispose();
      const v = tf.keep(tf.tidy(() => tf.add(tf.mul(prev?.expAvgSq ?? tf.zerosLike(param), beta2), tf.mul(tf.mul(grad, grad), 1 - beta2))));
      prev?.expAvgSq.dispose();
      tf.tidy(() => {
        const update = tf.tidy(() => tf.mul(tf.div(m, tf.add(tf.div(tf.sqrt(v), biasCorrection2Sqrt), eps)), stepSize));
        param.assign(tf.sub(param, update));
      });
      this.moments.set(key, { step, expAvg: m, expAvgSq: v });
    }
  }

  /** A copy of the optimizer state (moments read back from the backend). */
  getState(): AdamState {
    const params = new Map<string, AdamParamState>();
    for (const [key, m] of this.moments) {
      params.set(key, {
        step: m.step,
        expAvg: (m.expAvg.dataSync() as Float32Array).slice(),
        expAvgSq: (m.expAvgSq.dataSync() as Float32Array).slice(),
        shape: [...m.expAvg.shape],
      });
    }
    return { lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, params };
  }

  /** Restore a state saved by `getState` (learning rate included). */
  setState(state: AdamState): void {
    for (const [key, s] of state.params) {
      const param = this.params.get(key);
      if (!param) throw new Error(`Adam state: parameter '${key}' is not in this optimizer`);
      if (!tf.util.arraysEqual(s.shape, param.shape)) {
        throw new Error(`Adam state: '${key}' has shape [${s.shape}], parameter has [${param.shape}]`);
      }
      if (!Number.isInteger(s.step) || s.step < 1) throw new Error(`Adam state: '${key}' has invalid step ${s.step}`);
    }
    this.disposeMoments();
    for (const [key, s] of state.params) {
      this.moments.set(key, {
        step: s.step,
        expAvg: tf.tensor(s.expAvg, s.shape, 'float32'),
        expAvgSq: tf.tensor(s.expAvgSq, s.shape, 'float32'),
      });
    }
    this.lr = state.lr;
  }

  /** Steps taken by the parameter stepped most often (0 before the first step). */
  get stepCount(): number {
    let n = 0;
    for (const m of this.moments.values()) n = Math.max(n, m.step);
    return n;
  }

  dispose(): void {
    this.disposeMoments();
  }

  private disposeMoments(): void {
    for (const m of this.moments.values()) {
      m.expAvg.dispose();
      m.expAvgSq.dispose();
    }
    this.moments.clear();
  }
}
