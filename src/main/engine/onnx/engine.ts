/**
 * Which engine runs inference (live preview, export, batch, `atelier translate`):
 *
 *   1. TF.js, when its backend is TensorFlow on a CUDA GPU (tfjs-node-gpu);
 *   2. otherwise ONNX Runtime, on the best execution provider it offers;
 *   3. TF.js (wasm or cpu) when ONNX Runtime cannot load or cannot build the network's graph.
 *
 * Every choice carries the reason the faster engine was skipped. Training always runs on
 * TF.js. ATELIER_INFERENCE=auto|onnxruntime|tfjs overrides the choice (onnxruntime then
 * fails loudly instead of falling back).
 */
import type { BackendInfo } from '../../../shared/backend';
import { tfjsNetwork, type InferenceSource } from '../infer/generator';
import type { Network } from '../networks';
import type { NormStatsHook } from '../networks/executor';
import * as tf from '../tf';
import { onnxGeneratorFor, type RunMode } from './runner';
import { probeOnnxRuntime } from './session';

export type InferenceEngineName = 'onnxruntime' | 'tfjs';
export type InferenceEnginePreference = 'auto' | InferenceEngineName;
export const INFERENCE_PREFERENCES: readonly InferenceEnginePreference[] = ['auto', 'onnxruntime', 'tfjs'];

export interface InferenceEngine {
  name: InferenceEngineName;
  /** Where it runs: "CPU, 2 threads (ONNX Runtime 1.30.0)", "TF.js wasm". */
  device: string;
  /** Why ONNX Runtime is not the one running, when TF.js runs. */
  reason?: string;
}

/**
 * A generator's forward pass on the chosen engine: NHWC in, NHWC out; `normStats` shares
 * normalisation statistics between passes as the TF.js executor's hook does.
 */
export interface GeneratorForward extends InferenceEngine {
  forward(x: tf.Tensor4D, mode: RunMode, normStats?: NormStatsHook): Promise<tf.Tensor4D>;
}

export interface GeneratorForwardOptions {
  /**
   * The passes will record and then look up shared normalisation statistics (tiled
   * inference): on ONNX Runtime the graphs that output and take them are the ones built.
   */
  normStats?: boolean;
}

function resolvePreference(preference: InferenceEnginePreference | undefined): InferenceEnginePreference {
  const value = preference ?? process.env.ATELIER_INFERENCE ?? 'auto';
  if (!(INFERENCE_PREFERENCES as readonly string[]).includes(value)) {
    const source = preference === undefined ? 'ATELIER_INFERENCE' : 'inference engine';
    throw new Error(`${source}: unknown engine '${value}' (expected ${INFERENCE_PREFERENCES.join(', ')})`);
  }
  return value as InferenceEnginePreference;
}

function tfjsEngine(reason?: string): InferenceEngine {
  return { name: 'tfjs', device: `TF.js ${tf.getBackend()}`, ...(reason ? { reason } : {}) };
}

/** tfjs-node-gpu's backend reports whether libtensorflow found a CUDA device. */
function tfjsOnGpu(): boolean {
  if (tf.getBackend() !== 'tensorflow') return false;
  return (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
}

/** The engine inference should use now (ONNX Runtime is probed once per process). */
export async function chooseInferenceEngine(preference?: InferenceEnginePreference): Promise<InferenceEngine> {
  const wanted = resolvePreference(preference);
  if (wanted === 'tfjs') return tfjsEngine('TF.js was requested');
  if (wanted === 'auto' && tfjsOnGpu()) return tfjsEngine('TF.js runs TensorFlow on a CUDA GPU');
  try {
    const info = await probeOnnxRuntime();
    return { name: 'onnxruntime', device: info.device };
  } catch (err) {
    if (wanted === 'onnxruntime') throw err;
    return tfjsEngine((err as Error).message);
  }
}

function tfjsForward(net: Network, engine: InferenceEngine): GeneratorForward {
  return {
    ...engine,
    forward: async (x, mode, normStats) => net.apply(x, { ...mode, updateRunningStats: false, ...(normStats ? { normStats } : {}) }),
  };
}

/**
 * The generator's forward pass on the chosen engine, ready for `mode` at batch size `batch`:
 * on ONNX Runtime the graph and session are built here, and if that fails TF.js runs instead
 * (the reason is in the result), unless ONNX Runtime was requested explicitly. A generator
 * loaded for inference gets its TF.js network only when TF.js runs.
 */
export async function generatorForward(
  gen: InferenceSource,
  mode: RunMode,
  batch: number,
  preference?: InferenceEnginePreference,
  options: GeneratorForwardOptions = {},
): Promise<GeneratorForward> {
  const engine = await chooseInferenceEngine(preference);
  if (engine.name === 'tfjs') return tfjsForward(tfjsNetwork(gen), engine);
  const runner = onnxGeneratorFor(gen);
  try {
    if (options.normStats) {
      await runner.prepare(mode, batch, 'outputs');
      await runner.prepare(mode, batch, 'inputs');
    } else {
      await runner.prepare(mode, batch);
    }
  } catch (err) {
    if (resolvePreference(preference) === 'onnxruntime') throw err;
    const reason = `ONNX Runtime could not run ${gen.spec.className}: ${(err as Error).message.split('\n')[0]}`;
    return tfjsForward(tfjsNetwork(gen), tfjsEngine(reason));
  }
  return { ...engine, forward: (x, m, normStats) => runner.run(x, m, normStats) };
}

/**
 * The backend report with the inference engine filled in when ONNX Runtime will run
 * inference (what the status bar and the engine dialog show).
 */
export async function withInferenceEngine(backend: BackendInfo): Promise<BackendInfo> {
  const engine = await chooseInferenceEngine().catch(() => undefined);
  if (engine?.name !== 'onnxruntime') return backend;
  const info = await probeOnnxRuntime();
  return { ...backend, inference: { name: 'onnxruntime', device: info.device, providers: info.providers } };
}
