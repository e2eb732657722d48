/**
 * The seeded train/val/test split. Re-splitting shuffles the items with a seeded generator
 * and cuts exact counts from the ratios, so one seed always gives the same split of the same
 * items; a single new item gets its split from a hash of (seed, id), so importing more
 * photos never moves the ones already split.
 */
export type SplitName = 'train' | 'val' | 'test';

export interface SplitRatios {
  train: number;
  val: number;
  test: number;
}

/** mulberry32: a small, well-distributed 32-bit generator. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * How many of n items each split gets: largest-remainder rounding, so the counts add up to
 * n and follow the ratios as closely as whole items allow.
 */
export function splitCounts(n: number, ratios: SplitRatios): Record<SplitName, number> {
  const total = ratios.train + ratios.val + ratios.test;
  if (!(total > 0)) throw new Error('split ratios must not all be zero');
  const names: SplitName[] = ['train', 'val', 'test'];
  const exact = names.map((k) => (n * ratios[k]) / total);
  const counts = exact.map(Math.floor);
  let left = n - counts.reduce((a, b) => a + b, 0);
  const order = names.map((_, i) => i).sort((i, j) => exact[j]! - counts[j]! - (exact[i]! - counts[i]!) || i - j);
  for (const i of order) {
    if (left <= 0) break;
    counts[i]!++;
    left--;
  }
  return { train: counts[0]!, val: counts[1]!, test: counts[2]! };
}

/** Assign splits to `ids` (order does not matter: they are sorted first). */
export function assignSplits(ids: readonly string[], seed: number, ratios: SplitRatios): Map<string, SplitName> {
  const sorted = [...ids].sort();
  const rnd = seededRandom(seed);
  for (let i = sorted.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [sorted[i], sorted[j]] = [sorted[j]!, sorted[i]!];
  }
  const counts = splitCounts(sorted.length, ratios);
  const out = new Map<string, SplitName>();
  sorted.forEach((id, i) => out.set(id, i < counts.train ? 'train' : i < counts.train + counts.val ? 'val' : 'test'));
  return out;
}

/** The split of one new item: a hash of (seed, id) against the ratios. */
export function splitForNewItem(id: string, seed: number, ratios: SplitRatios): SplitName {
  let h = seed >>> 0;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x9e3779b1) >>> 0;
  const u = seededRandom(h)();
  const total = ratios.train + ratios.val + ratios.test;
  if (u < ratios.train / total) return 'train';
  if (u < (ratios.train + ratios.val) / total) return 'val';
  return 'test';
}
