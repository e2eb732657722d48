/**
 * Learning-rate policies as the reference builds them (models/networks.py `get_scheduler`),
 * reproducing the PyTorch schedulers' own update rules:
 *
 * - `linear`: `LambdaLR` with λ(e) = 1 − max(0, e + epoch_count − n_epochs) / (n_epochs_decay + 1):
 *   the initial rate for n_epochs epochs, then a linear decay to zero over n_epochs_decay;
 * - `step`: `StepLR(step_size = lr_decay_iters, γ = 0.1)`;
 * - `plateau`: `ReduceLROnPlateau(mode 'min', factor 0.2, threshold 0.01 (relative), patience 5)`;
 * - `cosine`: `CosineAnnealingLR(T_max = n_epochs, η_min = 0)`.
 *
 * `e` counts `step()` calls; the training loop calls `step()` once at the beginning of every
 * epoch, as the reference's train.py does, so epoch k (from epoch_count) trains with λ(k −
 * epoch_count + 1). Unlike the reference, whose schedulers restart when a run is continued,
 * the state is checkpointed, so a resumed run continues the same schedule.
 */

export type LrPolicy = 'linear' | 'step' | 'plateau' | 'cosine';
export const LR_POLICIES: readonly LrPolicy[] = ['linear', 'step', 'plateau', 'cosine'];

export interface SchedulerOptions {
  lr_policy: LrPolicy;
  lr: number;
  n_epochs: number;
  n_epochs_decay: number;
  epoch_count: number;
  lr_decay_iters: number;
}

export interface SchedulerState {
  policy: LrPolicy;
  baseLr: number;
  lr: number;
  /** PyTorch's `last_epoch`: how many times `step()` has been called. */
  lastEpoch: number;
  /** ReduceLROnPlateau bookkeeping (plateau only). */
  best?: number | null;
  numBadEpochs?: number;
}

// ReduceLROnPlateau's constants as the reference sets them, and PyTorch's defaults.
const PLATEAU = { factor: 0.2, threshold: 0.01, patience: 5, minLr: 0, eps: 1e-8 } as const;

export class LrScheduler {
  readonly policy: LrPolicy;
  readonly baseLr: number;
  private current: number;
  private lastEpoch = 0;
  // Infinity is PyTorch's initial `best` for mode 'min'; stored as null in JSON.
  private best = Number.POSITIVE_INFINITY;
  private numBadEpochs = 0;

  constructor(private readonly opts: SchedulerOptions) {
    if (!LR_POLICIES.includes(opts.lr_policy)) {
      throw new Error(`learning rate policy '${String(opts.lr_policy)}' is not implemented (expected ${LR_POLICIES.join(', ')})`);
    }
    if (!(opts.lr >= 0) || !Number.isFinite(opts.lr)) throw new Error(`lr must be a finite number ≥ 0, got ${opts.lr}`);
    if (opts.lr_policy === 'step' && !(opts.lr_decay_iters >= 1)) {
      throw new Error(`lr_policy 'step' needs lr_decay_iters ≥ 1, got ${opts.lr_decay_iters}`);
    }
    if (opts.lr_policy === 'cosine' && !(opts.n_epochs >= 1)) {
      throw new Error(`lr_policy 'cosine' needs n_epochs ≥ 1 (its period), got ${opts.n_epochs}`);
    }
    this.policy = opts.lr_policy;
    this.baseLr = opts.lr;
    // Constructing a PyTorch scheduler applies the rule for last_epoch = 0.
    this.current = this.policy === 'linear' ? this.baseLr * this.linearFactor(0) : this.baseLr;
  }

  /** The rate the optimizers use now. */
  get lr(): number {
    return this.current;
  }

  /** How many times `step` has been called. */
  get epochsStepped(): number {
    return this.lastEpoch;
  }

  /**
   * Advance one epoch; returns the new rate. `metric` is what ReduceLROnPlateau watches
   * (the reference passes its models' constant `metric = 0`).
   */
  step(metric = 0): number {
    const e = ++this.lastEpoch;
    switch (this.policy) {
      case 'linear':
        this.current = this.baseLr * this.linearFactor(e);
        break;
      case 'step':
        // StepLR's recursive form: multiply by γ whenever e reaches a multiple of step_size.
        if (e % this.opts.lr_decay_iters === 0) this.current *= 0.1;
        break;
      case 'cosine':
        this.current = this.cosineStep(e);
        break;
      case 'plateau':
        this.plateauStep(metric);
        break;
    }
    return this.current;
  }

  getState(): SchedulerState {
    const state: SchedulerState = { policy: this.policy, baseLr: this.baseLr, lr: this.current, lastEpoch: this.lastEpoch };
    if (this.policy === 'plateau') {
      state.best = Number.isFinite(this.best) ? this.best : null;
      state.numBadEpochs = this.numBadEpochs;
    }
    return state;
  }

  setState(state: SchedulerState): void {
    if (state.policy !== this.policy) {
      throw new Error(`scheduler state is for lr_policy '${state.policy}', this run uses '${this.policy}'`);
    }
    if (!Number.isInteger(state.lastEpoch) || state.lastEpoch < 0 || !Number.isFinite(state.lr)) {
      throw new Error(`scheduler state is invalid: ${JSON.stringify(state)}`);
    }
    this.lastEpoch = state.lastEpoch;
    this.current = state.lr;
    this.best = state.best == null ? Number.POSITIVE_INFINITY : state.best;
    this.numBadEpochs = state.numBadEpochs ?? 0;
  }

  private linearFactor(e: number): number {
    const { epoch_count, n_epochs, n_epochs_decay } = this.opts;
    return 1.0 - Math.max(0, e + epoch_count - n_epochs) / (n_epochs_decay + 1);
  }

  /** CosineAnnealingLR.get_lr (PyTorch 1.13), the recursive form the reference runs. */
  private cosineStep(e: number): number {
    const T = this.opts.n_epochs;
    const etaMin = 0;
    const lr = this.current;
    if ((e - 1 - T) % (2 * T) === 0) {
      return lr + ((this.baseLr - etaMin) * (1 - Math.cos(Math.PI / T))) / 2;
    }
    return ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (lr - etaMin) + etaMin;
  }

  private plateauStep(metric: number): void {
    if (!Number.isFinite(metric)) throw new Error(`plateau scheduler: metric must be finite, got ${metric}`);
    if (metric < this.best * (1 - PLATEAU.threshold)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.numBadEpochs > PLATEAU.patience) {
      const next = Math.max(this.current * PLATEAU.factor, PLATEAU.minLr);
      if (this.current - next > PLATEAU.eps) this.current = next;
      this.numBadEpochs = 0;
    }
  }
}
