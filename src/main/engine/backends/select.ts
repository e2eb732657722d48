/**
 * Chooses the engine's compute backend. In order, each tried only if the previous ones
 * fail:
 *   tensorflow-gpu  @tensorflow/tfjs-node-gpu (optional dependency; only with a CUDA device)
 *   tensorflow      @tensorflow/tfjs-node (optional dependency)
 *   wasm            @tensorflow/tfjs-backend-wasm: XNNPACK, SIMD, threads where possible,
 *                   plus the training kernels it lacks (./wasm-kernels)
 *   cpu             @tensorflow/tfjs-backend-cpu (plain JavaScript; always there)
 * Every attempt is kept in BackendInfo.attempts and logged with the reason it failed.
 *
 * `prefer` (or env ATELIER_BACKEND) forces one backend: then nothing else is tried, and its
 * failure is an error. Env ATELIER_THREADS sets the wasm thread count; ATELIER_KERNEL_TRACE=1
 * records which kernel ran where (see kernel-trace.ts).
 */
import { availableParallelism } from 'node:os';
import type { BackendAttempt, BackendInfo, BackendName } from '../../../shared/backend';
import * as tf from '../tf';
import { detectCudaDevice } from './cuda-device';
import { onnxThreads } from '../onnx/session';
import { onnxKernelsUnavailable } from './wasm-kernels/onnx-session';
import { activeKernelTrace, startKernelTrace } from './kernel-trace';
import { registerTrainingGradients } from './gradients';
import { BackendUnavailable, isTensorflowPackageLoaded, loadTensorflowBackend } from './tfjs-node';
import { initWasmBackend } from './wasm';
import { registerWasmTrainingKernels } from './wasm-kernels';

export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export interface InitBackendOptions {
  /** Use exactly this backend (overrides env ATELIER_BACKEND). */
  prefer?: BackendName;
  /** Compute threads for the wasm backend (default: env ATELIER_THREADS, else 1). */
  threads?: number;
  /** Receives one line per attempt. */
  log?: (line: string) => void;
}

function parseBackendName(value: string, source: string): BackendName {
  if ((BACKEND_ORDER as readonly string[]).includes(value)) return value as BackendName;
  throw new Error(`${source}: unknown backend '${value}' (expected one of ${BACKEND_ORDER.join(', ')})`);
}

function parseThreads(value: string, source: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${source}: threads must be a positive integer, got '${value}'`);
  return n;
}

interface Chosen {
  device: string;
  threads?: number;
}

async function tryTensorflowGpu(): Promise<Chosen> {
  const cuda = await detectCudaDevice();
  if (!cuda.found) throw new BackendUnavailable(cuda.reason);
  const { usingGpu } = await loadTensorflowBackend('@tensorflow/tfjs-node-gpu');
  if (!usingGpu) {
    throw new BackendUnavailable(
      `libtensorflow found no usable CUDA device for ${cuda.name} (tfjs-node-gpu 4.x needs CUDA 11.2 and cuDNN 8.1)`,
    );
  }
  return { device: `${cuda.name} (CUDA, TensorFlow)` };
}

async function tryTensorflow(): Promise<Chosen> {
  // tfjs-node-gpu loaded without a usable GPU is TensorFlow on the CPU: keep it rather than
  // loading a second libtensorflow.
  const pkg = isTensorflowPackageLoaded('@tensorflow/tfjs-node-gpu') ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  const { version } = await loadTensorflowBackend(pkg);
  return { device: `CPU (TensorFlow, tfjs-node ${version}), ${availableParallelism()} logical cores` };
}

async function tryWasm(threads: number | undefined, log: (line: string) => void): Promise<Chosen> {
  const init = await initWasmBackend(threads === undefined ? {} : { threads });
  if (init.threadsNote) log(`wasm: ${init.threadsNote}`);
  registerWasmTrainingKernels();
  const plural = (n: number) => (n === 1 ? 'thread' : 'threads');
  const base = `CPU, ${init.threads} ${plural(init.threads)}, WebAssembly${init.simd ? ' SIMD' : ''} (XNNPACK)`;
  // Convolutions, large reductions and the reflection-pad gradient go to ONNX Runtime where
  // it loads (wasm-kernels/onnx-session.ts); say so, or why not.
  const why = onnxKernelsUnavailable();
  if (why) log(`wasm: convolutions stay in WebAssembly (${why})`);
  const device = why ? base : `${base}; convolutions on ONNX Runtime, ${onnxThreads()} ${plural(onnxThreads())}`;
  return { device, threads: init.threads };
}

async function tryCpu(): Promise<Chosen> {
  const ok = await tf.setBackend('cpu');
  if (!ok) throw new Error('the cpu backend failed to initialise');
  // Its first tensor would print advice to install tfjs-node; the attempts already say why
  // this backend runs.
  (tf.backend() as { firstUse?: boolean }).firstUse = false;
  return { device: 'CPU, 1 thread, JavaScript', threads: 1 };
}

/**
 * ATELIER_KERNEL_TRACE=1: record every kernel call on the chosen backend (kernel, route,
 * calls, time) and write the table to stderr when the process exits.
 */
let traceReportInstalled = false;

function traceKernelsIfAsked(log: (line: string) => void): void {
  if (!process.env.ATELIER_KERNEL_TRACE || process.env.ATELIER_KERNEL_TRACE === '0') return;
  activeKernelTrace()?.stop();
  const trace = startKernelTrace();
  log(`kernel trace on for backend ${trace.backend}; the table is written to stderr at exit`);
  if (!traceReportInstalled) {
    traceReportInstalled = true;
    process.once('exit', () => {
      const t = activeKernelTrace();
      if (t) process.stderr.write(`kernel calls on ${t.backend}, slowest first:\n${t.format()}\n`);
    });
  }
}

/**
 * Selects and initialises the backend; resolves with what runs and every attempt made.
 * Rejects only when a forced backend fails (the cpu backend always works otherwise).
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const log = opts.log ?? (() => {});
  const envBackend = process.env.ATELIER_BACKEND;
  const forced =
    opts.prefer !== undefined
      ? parseBackendName(opts.prefer, 'initBackend({ prefer })')
      : envBackend
        ? parseBackendName(envBackend, 'ATELIER_BACKEND')
        : undefined;
  const envThreads = process.env.ATELIER_THREADS;
  const threads =
    opts.threads !== undefined
      ? parseThreads(String(opts.threads), 'initBackend({ threads })')
      : envThreads
        ? parseThreads(envThreads, 'ATELIER_THREADS')
        : undefined;

  const attempts: BackendAttempt[] = [];
  const candidates = forced ? [forced] : BACKEND_ORDER;
  for (const name of candidates) {
    try {
      let chosen: Chosen;
      switch (name) {
        case 'tensorflow-gpu':
          chosen = await tryTensorflowGpu();
          break;
        case 'tensorflow':
          chosen = await tryTensorflow();
          break;
        case 'wasm':
          chosen = await tryWasm(threads, log);
          break;
        case 'cpu':
          chosen = await tryCpu();
          break;
      }
      attempts.push({ backend: name, ok: true });
      // After the packages are loaded: @tensorflow/tfjs (which tfjs-node imports) registers
      // tfjs-core's gradients again on import, the faulty ones included.
      registerTrainingGradients();
      log(`backend ${name}: ${chosen.device}`);
      traceKernelsIfAsked(log);
      return { name, device: chosen.device, ...(chosen.threads !== undefined ? { threads: chosen.threads } : {}), attempts };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      attempts.push({ backend: name, ok: false, reason });
      log(`backend ${name} not used: ${reason}`);
      if (forced) {
        throw new Error(`backend '${name}' was requested (${opts.prefer !== undefined ? 'prefer' : 'ATELIER_BACKEND'}) but cannot be used: ${reason}`);
      }
    }
  }
  // Unreachable in practice: the cpu backend ships with the engine.
  throw new Error(`no compute backend could be initialised: ${attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ')}`);
}
