/**
 * ONNX Runtime (onnxruntime-node) sessions for graphs built in-process.
 *
 * The runtime is loaded on first use, so a machine where its native binding cannot load
 * keeps working on TF.js. Execution providers: the CPU one always; CUDA, DirectML and
 * CoreML are tried (once per process, on a one-convolution graph) where the install offers
 * them, and every attempt is reported with the reason it failed. Sessions run with one
 * intra-op thread per logical core (or ATELIER_THREADS) and every graph optimisation.
 *
 * ATELIER_ONNX_PROVIDERS=cpu,cuda,… restricts the providers tried (in that order).
 * ATELIER_ONNX_PROFILE=<prefix> makes every session write ONNX Runtime's per-node profile
 * (Chrome trace JSON, `<prefix>_<date>.json`) covering its first runs (see runner.ts).
 */
import { availableParallelism } from 'node:os';
import type { InferenceSession } from 'onnxruntime-node';
import { GraphBuilder, attr, type ExternalFile } from './graph-builder';

type Ort = typeof import('onnxruntime-node');

/** Accelerated providers, in the order they are preferred. */
export const ACCELERATED_PROVIDERS = ['cuda', 'dml', 'coreml'] as const;
export type OnnxProvider = (typeof ACCELERATED_PROVIDERS)[number] | 'cpu';

export interface ProviderAttempt {
  provider: OnnxProvider;
  ok: boolean;
  reason?: string;
}

export interface OnnxRuntimeInfo {
  name: 'onnxruntime';
  version: string;
  /** Where it runs, for the status bar: "CPU, 2 threads (ONNX Runtime 1.30.0)". */
  device: string;
  /** The providers sessions are created with, best first (always ending with cpu). */
  providers: OnnxProvider[];
  threads: number;
  attempts: ProviderAttempt[];
}

/** ONNX Runtime cannot be used in this process (with the reason). */
export class OnnxRuntimeUnavailable extends Error {
  override name = 'OnnxRuntimeUnavailable';
}

let ortPromise: Promise<Ort> | undefined;

/** The onnxruntime-node module; rejects with OnnxRuntimeUnavailable when it cannot load. */
export function loadOnnxRuntime(): Promise<Ort> {
  ortPromise ??= import('onnxruntime-node').then(
    (m) => {
      const ort = (m as { default?: Ort }).default?.InferenceSession ? (m as { default: Ort }).default : m;
      // Failures come back as exceptions with the same text (and end up in the probe's
      // attempts); the native logger would also print them to stderr.
      ort.env.logLevel = 'fatal';
      return ort;
    },
    (err: unknown) => {
      const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
      throw new OnnxRuntimeUnavailable(`onnxruntime-node failed to load: ${first}`);
    },
  );
  return ortPromise;
}

/** Intra-op threads: ATELIER_THREADS, else one per logical core. */
export function onnxThreads(): number {
  const env = process.env.ATELIER_THREADS;
  if (env === undefined || env === '') return availableParallelism();
  const n = Number(env);
  if (!Number.isInteger(n) || n < 1) throw new Error(`ATELIER_THREADS: threads must be a positive integer, got '${env}'`);
  return n;
}

function requestedProviders(): OnnxProvider[] {
  const env = process.env.ATELIER_ONNX_PROVIDERS;
  const known: readonly string[] = [...ACCELERATED_PROVIDERS, 'cpu'];
  if (env === undefined || env.trim() === '') return [...ACCELERATED_PROVIDERS, 'cpu'];
  const list = env.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.filter((p) => !known.includes(p));
  if (bad.length) throw new Error(`ATELIER_ONNX_PROVIDERS: unknown provider(s) ${bad.join(', ')} (known: ${known.join(', ')})`);
  // The CPU provider always comes last: it runs whatever an accelerated one does not take.
  return [...(list as OnnxProvider[]).filter((p) => p !== 'cpu'), 'cpu'];
}

export interface SessionOptions {
  /** Providers to use, best first; default: the ones the probe found working. */
  providers?: readonly OnnxProvider[];
  /** Intra-op threads (default: ATELIER_THREADS, else the logical cores). */
  threads?: number;
  /** Write an ONNX Runtime profile (Chrome trace JSON) with this file prefix. */
  profilePrefix?: string;
}

export function sessionOptions(providers: readonly OnnxProvider[], threads: number, profilePrefix?: string): InferenceSession.SessionOptions {
  return {
    executionProviders: [...providers],
    intraOpNumThreads: threads,
    // One network is a chain of large convolutions: nothing to run side by side.
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableCpuMemArena: true,
    // Memory patterns are planned per input shape and kept beside the arena's chunks: with
    // the dynamic sizes of previews and tiles they added a second copy of every activation
    // (resnet_9blocks at 512²: 745 MiB instead of 535 after the second run), for no speed.
    enableMemPattern: false,
    extra: {
      session: {
        // Denormal activations (tiny values deep in a randomly initialised or barely
        // trained net) cost x86 CPUs up to 100× per operation; flushing them changes
        // values below 1e-38 only.
        set_denormal_as_zero: '1',
        // Idle pool threads sleep instead of spinning: the studio's UI, the data loader and
        // other programs share the cores (spinning threads made runs ~25 % slower here
        // whenever anything else was running).
        'intra_op.allow_spinning': '0',
      },
    },
    ...(profilePrefix ? { enableProfiling: true, profileFilePrefix: profilePrefix } : {}),
    logSeverityLevel: 3,
  };
}

/** A one-convolution graph: enough for a provider to prove it loads and runs. */
function probeGraph(): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('input', [1, 1, 4, 4]);
  const w = g.floatInitializer('weight', [1, 1, 3, 3], new Float32Array(9).fill(1 / 9));
  const y = g.node('Conv', [x, w], [attr.ints('kernel_shape', [3, 3]), attr.ints('pads', [1, 1, 1, 1])]);
  g.output(y, 'output', [1, 1, 4, 4]);
  return g.encode('probe', { producerVersion: '0', docString: 'provider probe', props: {} });
}

async function tryProvider(ort: Ort, provider: OnnxProvider, threads: number): Promise<void> {
  const session = await ort.InferenceSession.create(probeGraph(), sessionOptions([provider], threads));
  try {
    const out = await session.run({ input: new ort.Tensor('float32', new Float32Array(16).fill(1), [1, 1, 4, 4]) });
    const v = (out.output!.data as Float32Array)[5];
    if (Math.abs(v! - 1) > 1e-5) throw new Error(`wrong result from the probe convolution (${v})`);
  } finally {
    await session.release();
  }
}

let infoPromise: Promise<OnnxRuntimeInfo> | undefined;

/**
 * Loads ONNX Runtime and finds the providers that work (once per process). Rejects with
 * OnnxRuntimeUnavailable when not even the CPU provider runs.
 */
export function probeOnnxRuntime(): Promise<OnnxRuntimeInfo> {
  infoPromise ??= (async () => {
    const ort = await loadOnnxRuntime();
    const threads = onnxThreads();
    const offered = new Set(ort.listSupportedBackends?.().map((b) => b.name) ?? []);
    const attempts: ProviderAttempt[] = [];
    const working: OnnxProvider[] = [];
    for (const provider of requestedProviders()) {
      if (provider !== 'cpu' && !offered.has(provider)) {
        attempts.push({ provider, ok: false, reason: `not offered by this onnxruntime-node build (${process.platform}/${process.arch})` });
        continue;
      }
      try {
        await tryProvider(ort, provider, threads);
        attempts.push({ provider, ok: true });
        working.push(provider);
      } catch (err) {
        let reason = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
        if (provider === 'cuda' && /shared library/i.test(reason)) {
          reason += " (onnxruntime-node's CUDA provider is fetched by its install script, which npm skips unless allowed; it also needs CUDA 12 and cuDNN 9)";
        }
        attempts.push({ provider, ok: false, reason });
      }
    }
    if (!working.includes('cpu')) {
      const why = attempts.map((a) => `${a.provider}: ${a.ok ? 'ok' : a.reason}`).join('; ');
      throw new OnnxRuntimeUnavailable(`ONNX Runtime's CPU provider does not run here (${why})`);
    }
    const version = ort.env.versions?.node ?? ort.env.versions?.common ?? 'unknown';
    const accelerated = working.filter((p) => p !== 'cpu');
    const plural = threads === 1 ? 'thread' : 'threads';
    const device = accelerated.length
      ? `${accelerated[0]!.toUpperCase()} (ONNX Runtime ${version}), CPU ${threads} ${plural} for the rest`
      : `CPU, ${threads} ${plural} (ONNX Runtime ${version})`;
    return { name: 'onnxruntime', version, device, providers: working, threads, attempts };
  })();
  // A failed probe is remembered too: it would fail the same way again.
  return infoPromise;
}

/**
 * A model for a session: its bytes, and the external data files its initializers name, held
 * in memory (build.ts `buildOnnxModelExternal`). ONNX Runtime copies those into the session
 * while creating it; nothing needs them afterwards.
 */
export interface SessionModel {
  model: Uint8Array;
  externalData?: readonly ExternalFile[];
}

/** An InferenceSession for an ONNX model, on the best working providers. */
export async function createSession(model: Uint8Array | SessionModel, options: SessionOptions = {}): Promise<InferenceSession> {
  const ort = await loadOnnxRuntime();
  const info = await probeOnnxRuntime();
  const providers = options.providers ?? info.providers;
  const threads = options.threads ?? info.threads;
  const profilePrefix = options.profilePrefix ?? (process.env.ATELIER_ONNX_PROFILE || undefined);
  const { model: bytes, externalData } = model instanceof Uint8Array ? { model } : model;
  return ort.InferenceSession.create(bytes, {
    ...sessionOptions(providers, threads, profilePrefix),
    ...(externalData?.length ? { externalData: [...externalData] } : {}),
  });
}
