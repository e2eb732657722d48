import { initBackend } from '../../src/main/engine/backends/select';
import * as tf from '../../src/main/engine/tf';

export type TestBackend = 'cpu' | 'wasm';

function parse(name: string, source: string): TestBackend {
  if (name !== 'cpu' && name !== 'wasm') throw new Error(`${source}: expected cpu or wasm, got '${name}'`);
  return name;
}

/**
 * The backend numerical tests run on: $ATELIER_TEST_BACKEND, default wasm — the path
 * training and inference take on a machine without libtensorflow. The cpu backend is
 * TF.js's reference implementation; the parity suites run on both.
 */
export const testBackend: TestBackend = parse(process.env.ATELIER_TEST_BACKEND ?? 'wasm', 'ATELIER_TEST_BACKEND');

/** The backends the reference-parity suites run on: $ATELIER_PARITY_BACKENDS (comma-separated), default both. */
export const parityBackends: TestBackend[] = (process.env.ATELIER_PARITY_BACKENDS ?? 'wasm,cpu')
  .split(',')
  .map((b) => parse(b.trim(), 'ATELIER_PARITY_BACKENDS'));

const initialised = new Map<TestBackend, Promise<unknown>>();

/** Initialise `name` as the engine does (kernels, gradients) once, and make it current. */
export async function useBackend(name: TestBackend = testBackend): Promise<void> {
  if (!initialised.has(name)) initialised.set(name, initBackend({ prefer: name }));
  await initialised.get(name);
  await tf.setBackend(name);
}
