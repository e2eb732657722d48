/**
 * Weight initialisation as the reference's `init_weights` (models/networks.py): every
 * Conv2d / ConvTranspose2d weight is drawn by the chosen method and its bias set to 0;
 * BatchNorm2d weights ~ N(1, gain), biases 0. Running statistics are not touched.
 *
 * Values are produced in PyTorch layout from a seeded generator in plain JavaScript, so a
 * seed gives the same weights on every backend. (PyTorch's own random stream is not
 * reproduced; reference weights come in through `loadStateDict`.)
 */
import type { InitType } from './options';
import type { StateEntry } from './spec';

/** A small seeded generator: splitmix32 for uniforms, Box–Muller for normals. */
export class Rng {
  private state: number;
  private spare: number | null = null;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 4294967296;
  }

  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

/** `torch.nn.init._calculate_fan_in_and_fan_out`: dim 1 is fan-in, dim 0 fan-out, times kH·kW. */
function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

function normalArray(rng: Rng, n: number, mean: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = mean + std * rng.normal();
  return out;
}

/**
 * `init.orthogonal_`: a normal matrix of shape [size(0), rest], QR-decomposed with R's
 * diagonal made positive, so rows (or columns, whichever are fewer) are orthonormal; × gain.
 */
function orthogonal(rng: Rng, shape: readonly number[], gain: number): Float32Array {
  const rows = shape[0];
  const cols = shape.slice(1).reduce((a, b) => a * b, 1);
  // Work on the tall orientation m × n (m ≥ n), column-major, in float64.
  const transpose = rows < cols;
  const m = transpose ? cols : rows;
  const n = transpose ? rows : cols;
  const q = new Float64Array(m * n);
  for (let i = 0; i < m * n; i++) q[i] = rng.normal();
  // Modified Gram–Schmidt: gives the QR factorisation whose R has a positive diagonal,
  // which is what PyTorch's sign correction of Householder QR produces.
  for (let j = 0; j < n; j++) {
    const cj = j * m;
    for (let i = 0; i < j; i++) {
      const ci = i * m;
      let dot = 0;
      for (let k = 0; k < m; k++) dot += q[ci + k] * q[cj + k];
      for (let k = 0; k < m; k++) q[cj + k] -= dot * q[ci + k];
    }
    let norm = 0;
    for (let k = 0; k < m; k++) norm += q[cj + k] * q[cj + k];
    norm = Math.sqrt(norm);
    for (let k = 0; k < m; k++) q[cj + k] /= norm;
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // element (r, c) of the [rows, cols] result
      const v = transpose ? q[r * m + c] : q[c * m + r];
      out[r * cols + c] = v * gain;
    }
  }
  return out;
}

function kernelInit(rng: Rng, type: InitType, shape: readonly number[], gain: number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  switch (type) {
    case 'normal':
      return normalArray(rng, n, 0, gain);
    case 'xavier': {
      const { fanIn, fanOut } = fans(shape);
      return normalArray(rng, n, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
    }
    case 'kaiming': {
      // kaiming_normal_(a=0, mode='fan_in'): gain √2 for ReLU; the reference ignores init_gain here.
      const { fanIn } = fans(shape);
      return normalArray(rng, n, 0, Math.SQRT2 / Math.sqrt(fanIn));
    }
    case 'orthogonal':
      return orthogonal(rng, shape, gain);
    default:
      throw new Error(`initialization method '${String(type)}' is not implemented (normal, xavier, kaiming, orthogonal)`);
  }
}

/**
 * Initial values, in PyTorch layout, for every trainable entry of `entries` (in order).
 * Buffers are skipped: `init_weights` leaves running statistics as they are.
 */
export function initialValues(
  entries: readonly StateEntry[],
  type: InitType,
  gain: number,
  seed: number,
): Map<string, Float32Array> {
  return new Map(eachInitialValue(entries, type, gain, seed));
}

/**
 * The same values as `initialValues`, one parameter at a time (same order, same random
 * stream), so that initialising a large network never holds a second copy of all its
 * weights (unet_256: 208 MiB).
 */
export function eachInitialValue(
  entries: readonly StateEntry[],
  type: InitType,
  gain: number,
  seed: number,
): Iterable<[string, Float32Array]> {
  if (!Number.isFinite(gain)) throw new Error(`init gain must be a finite number, got ${gain}`);
  return (function* () {
    const rng = new Rng(seed);
    for (const e of entries) {
      if (e.kind !== 'param') continue;
      const n = e.shape.reduce((a, b) => a * b, 1);
      if (e.role === 'bias') yield [e.key, new Float32Array(n)];
      else if (e.layer.kind === 'batchNorm') yield [e.key, normalArray(rng, n, 1, gain)];
      else yield [e.key, kernelInit(rng, type, e.shape, gain)];
    }
  })();
}
