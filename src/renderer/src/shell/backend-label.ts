import type { BackendInfo, BackendName } from '../../../shared/backend';
import type { EngineState } from '../../../shared/api/engine';

/** Backends under the names users know them by (the npm packages that provide them). */
const BACKEND_NAMES: Record<BackendName, string> = {
  'tensorflow-gpu': 'tfjs-node-gpu',
  tensorflow: 'tfjs-node',
  wasm: 'wasm',
  cpu: 'cpu',
};

const INFERENCE_NAMES: Record<NonNullable<BackendInfo['inference']>['name'], string> = {
  onnxruntime: 'ONNX Runtime',
};

export const backendName = (name: BackendName): string => BACKEND_NAMES[name];

/**
 * One line for the status bar: the training backend with what distinguishes it (the CUDA
 * device, or the wasm thread count), then the inference engine and its execution provider
 * when there is one: "tfjs-node-gpu · NVIDIA RTX 4090 (CUDA)", "wasm · 2 threads + ONNX Runtime (CPU)".
 */
export function backendLabel(backend: BackendInfo): string {
  let label = BACKEND_NAMES[backend.name];
  if (backend.name === 'tensorflow-gpu') label += ` · ${backend.device}`;
  if (backend.name === 'wasm' && backend.threads) label += ` · ${backend.threads} thread${backend.threads === 1 ? '' : 's'}`;
  if (backend.inference) {
    // Execution providers come best first (cuda, …, cpu); the first is where the work runs.
    const provider = backend.inference.providers[0]?.toUpperCase() ?? 'CPU';
    label += ` + ${INFERENCE_NAMES[backend.inference.name]} (${provider})`;
  }
  return label;
}

const STATE_LABELS: Record<EngineState, string> = {
  starting: 'starting…',
  ready: 'ready',
  busy: 'busy',
  crashed: 'crashed',
  restarting: 'restarting…',
  stopped: 'stopped',
};

export const engineStateLabel = (state: EngineState): string => STATE_LABELS[state];

/** The colour of the engine's status dot. */
export function engineStateTone(state: EngineState): 'ok' | 'busy' | 'warn' | 'error' {
  if (state === 'ready') return 'ok';
  if (state === 'busy') return 'busy';
  if (state === 'crashed' || state === 'stopped') return 'error';
  return 'warn';
}
