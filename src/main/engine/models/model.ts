/**
 * One interface for every image-to-image model, after the reference's BaseModel
 * (models/base_model.py): a model *declares* its losses, preview images and networks as data
 * (`lossNames`, `visualNames`, `modelNames`), and has the same life cycle
 * `setInput → optimizeParameters` (or `computeVisuals` for previews). The trainer, the
 * metrics log, the dashboard and the checkpoints read those lists and never special-case a
 * model.
 */
import type { Network } from '../networks';
import * as tf from '../tf';
import type { Adam } from '../train/adam';
import type { ImagePool } from '../train/pool';
import { untaped } from '../train/tape';

/** A batch as the data loader gives it: domains A and B of the dataset, NHWC in [-1, 1]. */
export interface ModelInput {
  A: tf.Tensor4D;
  B: tf.Tensor4D;
}

/** Observes the gradients an optimizer is about to apply (parity checks, gradient norms). */
export type GradientObserver = (optimizer: string, grads: ReadonlyMap<string, tf.Tensor>) => void;

export interface StepOptions {
  /** Seed of this step's dropout masks (each network call derives its own from it). */
  dropoutSeed: number;
  onGradients?: GradientObserver;
}

export interface TranslationModel {
  /** The reference's model name (`--model`). */
  readonly name: string;
  /** Reported losses, in the reference's order (`loss_names`); values from `getCurrentLosses`. */
  readonly lossNames: readonly string[];
  /** Preview images (`visual_names`), NHWC in [-1, 1], from `getCurrentVisuals`. */
  readonly visualNames: readonly string[];
  /** Networks saved in checkpoints (`model_names`). */
  readonly modelNames: readonly string[];
  /** The generators used for translation, by direction of the dataset's domains. */
  readonly generators: Readonly<Partial<Record<'AtoB' | 'BtoA', string>>>;
  readonly networks: ReadonlyMap<string, Network>;
  /** One optimizer per group (`G`, `D`), keyed `<network>/<state_dict key>`. */
  readonly optimizers: ReadonlyMap<string, Adam>;
  /** Image pools by name (CycleGAN's `fake_A`, `fake_B`); empty for models without any. */
  readonly pools: ReadonlyMap<string, ImagePool>;
  /** What the plateau scheduler watches; the reference's models keep it at 0. */
  readonly metric: number;

  /** Take a batch (the model keeps its own copies). `direction` decides which side is real_A. */
  setInput(input: ModelInput): void;
  /** One training step on the current input, in the reference's order. */
  optimizeParameters(options: StepOptions): void;
  /** The losses of the last step, by `lossNames`. */
  getCurrentLosses(): Record<string, number>;
  /** The images of the last step, by `visualNames` (owned by the model until the next step). */
  getCurrentVisuals(): Map<string, tf.Tensor4D>;
  /**
   * The visuals for `input` without training: BatchNorm uses the batch's statistics without
   * updating its running ones, no pool or optimizer is touched. The caller owns the tensors.
   */
  computeVisuals(input: ModelInput, dropoutSeed: number): Map<string, tf.Tensor4D>;
  setLearningRate(lr: number): void;
  dispose(): void;
}

/** A loss became NaN or infinite: the step is abandoned before the optimizer step it would feed. */
export class NonFiniteLossError extends Error {
  constructor(
    readonly losses: Record<string, number>,
    readonly which: string[],
  ) {
    super(
      `non-finite loss (${which.map((k) => `${k} = ${losses[k]}`).join(', ')}): training diverged; try a lower --lr, or check the data`,
    );
    this.name = 'NonFiniteLossError';
  }
}

/** Throws before an update when any of `names` is not finite. */
export function checkFinite(losses: Record<string, number>, names: readonly string[]): void {
  const bad = names.filter((k) => k in losses && !Number.isFinite(losses[k]));
  if (bad.length) throw new NonFiniteLossError({ ...losses }, bad);
}

/** The trainable parameters of several networks as one optimizer's map: `<net>/<key>` → variable. */
export function parameterGroup(networks: ReadonlyMap<string, Network>, names: readonly string[]): Map<string, tf.Variable> {
  const group = new Map<string, tf.Variable>();
  for (const name of names) {
    const net = networks.get(name);
    if (!net) throw new Error(`no network '${name}'`);
    for (const [key, v] of net.params) group.set(`${name}/${key}`, v);
  }
  return group;
}

/**
 * `tf.variableGrads` over an optimizer's parameter map: returns the loss value and the
 * gradients keyed like the map. Parameters without a path to the loss get no entry (PyTorch
 * leaves their `.grad` None and Adam skips them). Called inside another gradient
 * computation (pix2pix's D step inside G's), it records nothing on the enclosing tape: its
 * value and gradients are constants there, as the reference's detached D update is.
 */
export function groupGradients(
  group: ReadonlyMap<string, tf.Variable>,
  f: () => tf.Scalar,
): { value: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const keys = [...group.keys()];
  const vars = [...group.values()];
  const { value, grads } = untaped(() => tf.variableGrads(f, vars));
  const byKey = new Map<string, tf.Tensor>();
  vars.forEach((v, i) => {
    const g = grads[v.name];
    if (g) byKey.set(keys[i]!, g);
  });
  return { value, grads: byKey };
}

/**
 * Adds the gradients `partial` into `total` key by key, disposing the partials and the
 * sums they replace: for a loss that is a sum of terms computed on separate gradient
 * tapes, so that only one term's activations are alive at a time.
 */
export function accumulateGradients(total: Map<string, tf.Tensor>, partial: ReadonlyMap<string, tf.Tensor>): void {
  for (const [key, g] of partial) {
    const sum = total.get(key);
    if (!sum) {
      total.set(key, g);
      continue;
    }
    total.set(key, tf.add(sum, g));
    sum.dispose();
    g.dispose();
  }
}

export function disposeAll(tensors: Iterable<tf.Tensor | undefined | null>): void {
  for (const t of tensors) t?.dispose();
}

/** Scalars read back once per step, for logs and checks. */
export function readScalars(tensors: Record<string, tf.Scalar>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, t] of Object.entries(tensors)) out[k] = t.dataSync()[0]!;
  return out;
}
