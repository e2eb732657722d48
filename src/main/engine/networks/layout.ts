/**
 * Weight layouts: PyTorch stores Conv2d weights as `[out, in, kH, kW]` and ConvTranspose2d
 * weights as `[in, out, kH, kW]`; TF.js wants `conv2d` filters `[kH, kW, in, out]` and
 * `conv2dTranspose` filters `[kH, kW, out, in]`. Both conversions are the same permutation
 * (PyTorch axes 2, 3, 1, 0), done here on plain arrays so that a load/save round trip is an
 * exact permutation of the stored values.
 */
import type { StateEntry } from './spec';

/** Shape of an entry as the TF.js executor holds it. */
export function tfShape(entry: Pick<StateEntry, 'shape' | 'layer' | 'role'>): number[] {
  const s = entry.shape;
  if (isKernel(entry)) return [s[2], s[3], s[1], s[0]];
  return [...s];
}

function isKernel(entry: Pick<StateEntry, 'layer' | 'role'>): boolean {
  return entry.role === 'weight' && (entry.layer.kind === 'conv2d' || entry.layer.kind === 'convTranspose2d');
}

/** PyTorch `[a, b, kH, kW]` → TF.js `[kH, kW, b, a]`; other entries are copied. */
export function toTfLayout(entry: Pick<StateEntry, 'shape' | 'layer' | 'role'>, data: Float32Array): Float32Array {
  return permuteKernel(entry, data, 'toTf');
}

/** TF.js `[kH, kW, b, a]` → PyTorch `[a, b, kH, kW]`; other entries are copied. */
export function toTorchLayout(entry: Pick<StateEntry, 'shape' | 'layer' | 'role'>, data: Float32Array): Float32Array {
  return permuteKernel(entry, data, 'toTorch');
}

/** One loop for both directions, so that they stay exact inverses of each other. */
function permuteKernel(entry: Pick<StateEntry, 'shape' | 'layer' | 'role'>, data: Float32Array, to: 'toTf' | 'toTorch'): Float32Array {
  if (!isKernel(entry)) return Float32Array.from(data);
  const [a, b, kh, kw] = entry.shape;
  const out = new Float32Array(data.length);
  const toTf = to === 'toTf';
  for (let i = 0; i < a; i++) {
    for (let j = 0; j < b; j++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          const torch = ((i * b + j) * kh + y) * kw + x;
          const tf = ((y * kw + x) * b + j) * a + i;
          if (toTf) out[tf] = data[torch];
          else out[torch] = data[tf];
        }
      }
    }
  }
  return out;
}
