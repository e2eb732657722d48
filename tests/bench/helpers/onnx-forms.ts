/**
 * Times several ONNX graphs that compute the same thing (one input, one output) on ONNX
 * Runtime and prints each one's median and its largest difference from the first form.
 */
import { GraphBuilder } from '../../../src/main/engine/onnx/graph-builder';
import { createSession, loadOnnxRuntime } from '../../../src/main/engine/onnx/session';

export type Form = (g: GraphBuilder, input: string) => string;

/** Deterministic values in [−0.05, 0.05). */
export function probeValues(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let x = 1234567 + seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    a[i] = ((x >>> 8) / 2 ** 24 - 0.5) * 0.1;
  }
  return a;
}

/**
 * Runs every form (PROBE_ONLY=a,b restricts them) PROBE_RUNS times (default 6); the first run
 * is a warm-up.
 */
export async function timeForms(forms: Record<string, Form>, inputDims: number[], outputDims: number[]): Promise<void> {
  const ort = await loadOnnxRuntime();
  const input = new ort.Tensor('float32', probeValues(inputDims.reduce((a, b) => a * b, 1), 2), inputDims);
  const only = process.env.PROBE_ONLY?.split(',');
  let ref: Float32Array | undefined;
  for (const [name, emit] of Object.entries(forms).filter(([n]) => !only || only.includes(n))) {
    const g = new GraphBuilder();
    g.output(emit(g, g.input('input', inputDims)), 'output', outputDims);
    const session = await createSession(g.encode(name, { producerVersion: '0', docString: '', props: {} }));
    const times: number[] = [];
    let out: Float32Array | undefined;
    const runs = Math.max(2, Number(process.env.PROBE_RUNS ?? 6));
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const r = await session.run({ input });
      times.push(performance.now() - t0);
      out = r.output!.data as Float32Array;
    }
    ref ??= out;
    let err = 0;
    let max = 0;
    for (let i = 0; i < ref!.length; i++) {
      err = Math.max(err, Math.abs(out![i]! - ref![i]!));
      max = Math.max(max, Math.abs(ref![i]!));
    }
    times.shift();
    times.sort((a, b) => a - b);
    console.log(`${name}: median ${times[times.length >> 1]!.toFixed(1)} ms, min ${times[0]!.toFixed(1)} ms; max |Δ| ${err.toExponential(2)} (max |y| ${max.toFixed(3)})`);
    if (process.env.ATELIER_ONNX_PROFILE) session.endProfiling();
    await session.release();
  }
}
