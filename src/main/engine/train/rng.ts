/**
 * The engine's one source of randomness for training: crops, flips, pairing, shuffling,
 * image pools, dropout masks and initialisation all draw from `Rng` streams derived from
 * the run's seed, so that the same seed, backend and data give the same run.
 *
 * Streams are derived by name (`Rng.derive(seed, 'crop', epoch, index)`) rather than
 * consumed in sequence wherever the consumer runs ahead of training (the prefetching data
 * loader): a sample's crop then depends on which sample it is, not on when it was decoded.
 * Streams that are consumed in training order (the image pools) save and restore their
 * state with the checkpoint.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's small fast counter generator: 128-bit
 * state, passes PractRand/BigCrush); seeds are mixed with a 32-bit avalanche hash. It does
 * not reproduce PyTorch's or Python's random streams, and need not: only the distributions
 * and the points where randomness enters follow the reference.
 */

/** The serialisable state of one stream: four unsigned 32-bit words. */
export type RngState = [number, number, number, number];

/** A seed label: numbers are taken as 32-bit integers (or their float bits), strings hashed. */
export type SeedPart = number | string;

const TWO_POW_32 = 4294967296;

/** murmur3's 32-bit finaliser: every input bit affects every output bit. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashPart(h: number, part: SeedPart): number {
  if (typeof part === 'number') {
    if (!Number.isFinite(part)) throw new Error(`seed part must be finite, got ${part}`);
    // Integers up to 2^53 split into two words; other numbers by their float64 bits.
    const lo = Number.isInteger(part) ? part % TWO_POW_32 >>> 0 : new Uint32Array(new Float64Array([part]).buffer)[0]!;
    const hi = Number.isInteger(part)
      ? Math.floor(part / TWO_POW_32) >>> 0
      : new Uint32Array(new Float64Array([part]).buffer)[1]!;
    h = fmix32(h ^ fmix32(lo + 0x9e3779b9));
    h = fmix32(h ^ fmix32(hi + 0x7f4a7c15));
    return fmix32(h + 0x165667b1);
  }
  h = fmix32(h ^ 0x27d4eb2f ^ part.length);
  for (let i = 0; i < part.length; i++) h = fmix32(Math.imul(h ^ part.charCodeAt(i), 0x01000193));
  return fmix32(h + 0x61c88647);
}

/** A 32-bit seed derived from a root seed and a path of labels; distinct paths → independent streams. */
export function deriveSeed(seed: SeedPart, ...labels: SeedPart[]): number {
  let h = hashPart(0x811c9dc5, seed);
  for (const label of labels) h = hashPart(h, label);
  return h;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  private constructor(state: RngState) {
    [this.a, this.b, this.c, this.d] = state;
  }

  /** A stream for `seed` and an optional path of labels (`'crop', epoch, index`). */
  static derive(seed: SeedPart, ...labels: SeedPart[]): Rng {
    const s = deriveSeed(seed, ...labels);
    const rng = new Rng([fmix32(s ^ 0xa511e9b3), fmix32(s ^ 0x63d83595), fmix32(s ^ 0x2c1b3c6d), 1]);
    // sfc32's authors recommend discarding the first outputs after seeding.
    for (let i = 0; i < 15; i++) rng.nextUint32();
    return rng;
  }

  static fromState(state: RngState): Rng {
    if (!Array.isArray(state) || state.length !== 4 || !state.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32)) {
      throw new Error(`invalid RNG state ${JSON.stringify(state)}: expected four unsigned 32-bit integers`);
    }
    return new Rng([state[0], state[1], state[2], state[3]]);
  }

  state(): RngState {
    return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0];
  }

  /** A new independent stream named by labels, without advancing this one. */
  child(...labels: SeedPart[]): Rng {
    return Rng.derive(deriveSeed(this.a ^ this.c, this.b ^ this.d), ...labels);
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 53 random bits, like Python's `random.random()`. */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [a, b), like `random.uniform(a, b)`. */
  uniform(a: number, b: number): number {
    return a + (b - a) * this.random();
  }

  /** Uniform integer in [lo, hi], both inclusive, like Python's `random.randint`. Unbiased. */
  randint(lo: number, hi: number): number {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
      throw new Error(`randint(${lo}, ${hi}): bounds must be integers with lo ≤ hi`);
    }
    const span = hi - lo + 1;
    if (span > TWO_POW_32) throw new Error(`randint(${lo}, ${hi}): range wider than 2^32`);
    if (span === TWO_POW_32) return lo + this.nextUint32();
    // Rejection sampling keeps every value equally likely.
    const limit = TWO_POW_32 - (TWO_POW_32 % span);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return lo + (x % span);
  }

  /** Standard normal (Box–Muller), scaled: N(mean, std²). */
  normal(mean = 0, std = 1): number {
    let u = this.random();
    while (u === 0) u = this.random();
    const v = this.random();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.randint(0, i);
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
    return items;
  }

  /** A random permutation of 0 … n−1. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }
}
