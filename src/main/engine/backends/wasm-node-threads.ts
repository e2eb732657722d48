/**
 * Runs the threaded SIMD build of @tensorflow/tfjs-backend-wasm 4.22.0 in Node.
 *
 * Out of the box the package reports no thread support in Node (flags_wasm.ts,
 * tfjs issue 3830), and forcing it fails: Emscripten starts its pthread pool with
 * `new Worker(URL.createObjectURL(blob))`, and Node's worker_threads accept only file
 * paths. Everything else the build needs works in Node 20 (SharedArrayBuffer, Atomics,
 * worker_threads; the worker script has a Node branch). So, for the duration of the
 * backend's initialisation only:
 *  - the pthread worker script tfjs hands over as a Blob is written to a file in a private
 *    temporary folder, and instead of the module factory tfjs posts to each worker as a
 *    Blob it loads the package's own copy of that factory
 *    (wasm-out/tfjs-backend-wasm-threaded-simd.js, the Emscripten output the package's
 *    bundles embed; loaded as a file it does not depend on how the package was bundled);
 *  - `os.cpus()` reports twice the requested thread count: the C++ side sizes its XNNPACK
 *    threadpool as min(requested, navigator.hardwareConcurrency / 2), assuming two hardware
 *    threads per core (tfjs-backend-wasm/src/cc/backend.cc);
 *  - the workers started are collected and, once initialised, unref'd: Emscripten keeps a
 *    running pthread's worker referenced, and XNNPACK's pool threads run for good, so the
 *    process would never exit on its own.
 * Anything unexpected in the package's text raises an error, and selection falls back to
 * the single-threaded SIMD build.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import type { Worker } from 'node:worker_threads';

/** The worker script's Blob branch, replaced by a load of the factory file. */
const WORKER_BLOB_BRANCH = 'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}';
/** Identifies the pthread worker script among the Blobs created during initialisation. */
const WORKER_MARKER = 'ENVIRONMENT_IS_PTHREAD';

/** The most threads the package's pthread pool is built for (cc/BUILD: 8 pre-created workers). */
export const MAX_WASM_THREADS = 8;

let scriptDir: string | null = null;

function ensureScriptDir(): string {
  if (!scriptDir) {
    scriptDir = mkdtempSync(join(os.tmpdir(), 'atelier-wasm-threads-'));
    const dir = scriptDir;
    // Workers may be started after initialisation (pool growth), so the file stays until exit.
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return scriptDir;
}

/** The package's Emscripten factory for the threaded SIMD build, as a file. */
function threadedFactoryPath(): string {
  return createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
}

/**
 * A script a worker cannot compile does not fail the initialisation: Emscripten rethrows
 * the worker's error as an uncaught exception, which ends the process. So compile each
 * script here first, where an error still leads to the single-threaded build.
 */
function assertCompiles(source: string, what: string): void {
  try {
    new Script(source, { filename: what });
  } catch (err) {
    throw new Error(`${what} does not compile: ${(err as Error).message}`);
  }
}

/**
 * Calls `init` (which must initialise the 'wasm' backend with its multithreading flag on)
 * with the shims above in place, and removes them afterwards whatever happens.
 */
export async function withNodeWasmThreads<T>(threads: number, init: () => Promise<T>): Promise<T> {
  if (!Number.isInteger(threads) || threads < 2 || threads > MAX_WASM_THREADS) {
    throw new Error(`wasm threads must be an integer in 2..${MAX_WASM_THREADS}, got ${threads}`);
  }
  const factoryPath = threadedFactoryPath();
  assertCompiles(readFileSync(factoryPath, 'utf8'), factoryPath);
  const workerPath = join(ensureScriptDir(), 'tfjs-backend-wasm-threaded-simd.worker.cjs');

  const workerThreads = createRequire(import.meta.url)('node:worker_threads') as { Worker: typeof Worker };
  const OriginalWorker = workerThreads.Worker;
  const started: Worker[] = [];
  class TrackedWorker extends OriginalWorker {
    constructor(...args: ConstructorParameters<typeof Worker>) {
      super(...args);
      started.push(this);
    }
  }

  const OriginalBlob = globalThis.Blob;
  const originalCreateObjectURL = URL.createObjectURL;
  const originalCpus = os.cpus;
  const blobText = new WeakMap<Blob, string>();

  class CapturingBlob extends OriginalBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (parts?.every((p) => typeof p === 'string')) blobText.set(this, parts.join(''));
    }
  }

  const createObjectURL = (obj: Blob): string => {
    const text = blobText.get(obj);
    if (text === undefined || !text.includes(WORKER_MARKER)) return originalCreateObjectURL(obj);
    if (!text.includes(WORKER_BLOB_BRANCH)) {
      throw new Error('tfjs-backend-wasm: unexpected pthread worker script (package version changed?)');
    }
    const worker = text.replace(WORKER_BLOB_BRANCH, `if(true){importScripts(${JSON.stringify(factoryPath)})}`);
    assertCompiles(worker, workerPath);
    writeFileSync(workerPath, worker);
    return workerPath;
  };

  const cpus = (): os.CpuInfo[] => {
    const real = originalCpus();
    return Array.from({ length: 2 * threads }, (_, i) => real[i % real.length]!);
  };

  globalThis.Blob = CapturingBlob;
  URL.createObjectURL = createObjectURL;
  (os as { cpus: typeof os.cpus }).cpus = cpus;
  workerThreads.Worker = TrackedWorker;
  try {
    return await init();
  } finally {
    globalThis.Blob = OriginalBlob;
    URL.createObjectURL = originalCreateObjectURL;
    (os as { cpus: typeof os.cpus }).cpus = originalCpus;
    workerThreads.Worker = OriginalWorker;
    for (const worker of started) worker.unref();
  }
}
