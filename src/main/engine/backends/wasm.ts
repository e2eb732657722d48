/**
 * The WebAssembly backend (@tensorflow/tfjs-backend-wasm: XNNPACK, SIMD, optionally
 * threads), initialised in Node with its binaries located explicitly.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '../tf';
import { MAX_WASM_THREADS, withNodeWasmThreads } from './wasm-node-threads';

export interface WasmInit {
  threads: number;
  simd: boolean;
  /** Why fewer threads than requested run, when that is the case. */
  threadsNote?: string;
}

/**
 * The folder holding the package's .wasm files, resolved from the installed package rather
 * than relative to this module: electron-vite bundles the engine (this package's JavaScript
 * included) into out/main, while the binaries stay in node_modules; module resolution finds
 * them from src/ (tests) and from out/main alike.
 */
export function wasmBinaryDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
}

let pathsSet = false;

/** tf.setBackend reports failure as `false` and logs the cause; keep the cause. */
async function setBackendOrThrow(name: string): Promise<void> {
  const messages: string[] = [];
  const originalWarn = console.warn;
  console.warn = (...args: unknown[]) => {
    messages.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '));
  };
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } finally {
    console.warn = originalWarn;
  }
  if (!ok) {
    const cause = messages
      .map((m) => m.split('\n')[0])
      .filter((m) => m && !m.startsWith('Initialization of backend'))
      .join('; ');
    throw new Error(`the ${name} backend failed to initialise${cause ? `: ${cause}` : ''}`);
  }
}

/**
 * Emscripten's Node branch reads `__dirname` while it instantiates the module. Bundled into
 * an ES module (electron-vite bundles the package into out/main), that name does not exist
 * and initialisation throws. tfjs locates the binaries itself (setWasmPaths), so the value
 * only has to exist: the binaries' folder, for the duration of the call.
 */
async function withDirnameGlobal<T>(dir: string, f: () => Promise<T>): Promise<T> {
  const g = globalThis as { __dirname?: string };
  if ('__dirname' in g) return f();
  g.__dirname = dir;
  try {
    return await f();
  } finally {
    delete g.__dirname;
  }
}

/**
 * One thread unless asked for more (ATELIER_THREADS, `threads`): the threaded build's start
 * under Node's worker_threads occasionally never completes (about 1 start in 12 on a loaded
 * 2-core machine), and an engine that hangs at start is worse than one that runs at one
 * thread.
 */
function defaultThreads(): number {
  return 1;
}


/**
 * Makes 'wasm' the active backend with `threads` XNNPACK threads (default 1, see
 * defaultThreads; at most 8). Threads need the SIMD build; when the threaded build fails to start,
 * the single-threaded SIMD build is used and `threadsNote` says why.
 */
export async function initWasmBackend(opts: { threads?: number } = {}): Promise<WasmInit> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const binaryDir = wasmBinaryDir();
  if (!pathsSet) {
    // A folder prefix, ending with the separator: tfjs appends the binary's file name.
    wasm.setWasmPaths(binaryDir + '/');
    pathsSet = true;
  }
  const initialise = () => withDirnameGlobal(binaryDir, () => setBackendOrThrow('wasm'));
  const requested = opts.threads ?? defaultThreads();
  if (!Number.isInteger(requested) || requested < 1) {
    throw new Error(`threads must be a positive integer, got ${requested}`);
  }
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') as boolean;
  let threadsNote: string | undefined;
  const wanted = Math.min(requested, MAX_WASM_THREADS);
  if (tf.findBackend('wasm')) {
    // Initialised earlier in this process: its build and thread pool are fixed.
    await setBackendOrThrow('wasm');
    const threads = wasm.getThreadsCount();
    if (threads !== wanted) threadsNote = `the wasm backend was already initialised with ${threads} thread(s)`;
    return { threads, simd, ...(threadsNote ? { threadsNote } : {}) };
  }

  if (wanted > 1 && simd) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasm.setThreadsCount(wanted);
    try {
      await withNodeWasmThreads(wanted, initialise);
      const threads = wasm.getThreadsCount();
      if (threads !== wanted) threadsNote = `asked for ${wanted} threads, XNNPACK runs ${threads}`;
      else if (requested > wanted) threadsNote = `at most ${MAX_WASM_THREADS} threads (the package's pthread pool)`;
      return { threads, simd, ...(threadsNote ? { threadsNote } : {}) };
    } catch (err) {
      threadsNote = `threaded SIMD build failed (${(err as Error).message}); single-threaded SIMD build used`;
      // A failed initialisation leaves the backend's factory registered: the retry below
      // loads the single-threaded build.
    }
  } else if (wanted > 1) {
    threadsNote = 'threads need WebAssembly SIMD, which this runtime lacks';
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await initialise();
  return { threads: wasm.getThreadsCount(), simd, ...(threadsNote ? { threadsNote } : {}) };
}
