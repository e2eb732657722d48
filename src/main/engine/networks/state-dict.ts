/**
 * Matching a PyTorch state_dict against a network spec: the checks `load_state_dict(strict)`
 * makes, the reference's InstanceNorm patch for old checkpoints, and value conversion.
 */
import type { StateDict, TensorData } from '../io/tensor-data';
import { instanceNormModules, stateEntries, type NetworkSpec, type StateEntry } from './spec';

export interface ShapeMismatch {
  key: string;
  expected: number[];
  actual: number[];
}

export interface StateDictComparison {
  /** Keys the network needs that the state_dict lacks. */
  missing: string[];
  /** Keys of the state_dict the network does not have. */
  unexpected: string[];
  mismatched: ShapeMismatch[];
  /** Keys dropped as the reference's `__patch_instance_norm_state_dict` does. */
  dropped: string[];
}

/** A state_dict that does not fit a network; the message lists every problem. */
export class StateDictError extends Error {
  constructor(
    readonly what: string,
    readonly comparison: StateDictComparison,
  ) {
    super(formatComparison(what, comparison));
    this.name = 'StateDictError';
  }
}

const LIST_LIMIT = 20;

function list(keys: string[]): string {
  const shown = keys.slice(0, LIST_LIMIT).join(', ');
  return keys.length > LIST_LIMIT ? `${shown}, … (${keys.length - LIST_LIMIT} more)` : shown;
}

export function formatComparison(what: string, c: StateDictComparison): string {
  const lines = [`${what}:`];
  if (c.missing.length) lines.push(`  missing keys (${c.missing.length}): ${list(c.missing)}`);
  if (c.unexpected.length) lines.push(`  unexpected keys (${c.unexpected.length}): ${list(c.unexpected)}`);
  for (const m of c.mismatched.slice(0, LIST_LIMIT)) {
    lines.push(`  size mismatch for ${m.key}: checkpoint has [${m.actual.join(', ')}], network expects [${m.expected.join(', ')}]`);
  }
  if (c.mismatched.length > LIST_LIMIT) lines.push(`  … ${c.mismatched.length - LIST_LIMIT} more size mismatches`);
  return lines.join('\n');
}

const INSTANCE_NORM_STATE = ['running_mean', 'running_var', 'num_batches_tracked'];

/**
 * PyTorch < 0.4 saved `running_mean` / `running_var` (and later `num_batches_tracked`) for
 * InstanceNorm2d layers; the reference deletes those entries before loading
 * (`BaseModel.__patch_instance_norm_state_dict`). Returns the kept entries and the dropped keys.
 */
export function patchInstanceNormStateDict(spec: NetworkSpec, sd: StateDict): { sd: StateDict; dropped: string[] } {
  const modules = instanceNormModules(spec);
  const out: StateDict = new Map();
  const dropped: string[] = [];
  for (const [key, value] of sd) {
    const dot = key.lastIndexOf('.');
    if (dot > 0 && modules.has(key.slice(0, dot)) && INSTANCE_NORM_STATE.includes(key.slice(dot + 1))) {
      dropped.push(key);
    } else {
      out.set(key, value);
    }
  }
  return { sd: out, dropped };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Compare a (patched) state_dict with the network's entries. A missing `num_batches_tracked`
 * is not reported: BatchNorm checkpoints older than PyTorch 0.4.1 lack it, and PyTorch loads
 * them with the counter at 0.
 */
export function compareStateDict(spec: NetworkSpec, sd: StateDict, dropped: string[] = []): StateDictComparison {
  const entries = stateEntries(spec);
  const expected = new Map(entries.map((e) => [e.key, e]));
  const missing: string[] = [];
  const mismatched: ShapeMismatch[] = [];
  for (const e of entries) {
    const v = sd.get(e.key);
    if (!v) {
      if (e.role !== 'num_batches_tracked') missing.push(e.key);
      continue;
    }
    const shapeOk = e.role === 'num_batches_tracked' ? sizeOf(v.shape) === 1 : sameShape(v.shape, e.shape);
    if (!shapeOk) mismatched.push({ key: e.key, expected: [...e.shape], actual: [...v.shape] });
  }
  const unexpected = [...sd.keys()].filter((k) => !expected.has(k));
  return { missing, unexpected, mismatched, dropped };
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Decode IEEE half-precision bits. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** A floating-point entry as float32 values (float64 and float16 are converted). */
export function floatValues(key: string, t: TensorData): Float32Array {
  switch (t.dtype) {
    case 'float32':
      return t.data as Float32Array;
    case 'float64':
      return Float32Array.from(t.data as Float64Array);
    case 'float16': {
      const bits = t.data as Uint16Array;
      const out = new Float32Array(bits.length);
      for (let i = 0; i < bits.length; i++) out[i] = halfToFloat(bits[i]);
      return out;
    }
    default:
      throw new Error(`${key}: expected a floating-point tensor, got ${t.dtype}`);
  }
}

/** The integer value of a `num_batches_tracked` entry. */
export function counterValue(key: string, t: TensorData): number {
  const v = t.data[0];
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new Error(`${key}: expected an integer scalar, got ${t.dtype} ${String(v)}`);
}

export type { StateEntry };
