/**
 * The TensorFlow (libtensorflow) backends from the optional packages @tensorflow/tfjs-node
 * and @tensorflow/tfjs-node-gpu. Both register a backend named 'tensorflow'.
 *
 * One tfjs-core: those packages import '@tensorflow/tfjs', which brings its own dependency on
 * @tensorflow/tfjs-core. With the same version as ours (4.22.0, pinned by both), npm
 * installs a single copy. Even with two copies, TF.js keeps its engine, kernel registry and
 * Tensor class on the global object (`getGlobal` in tfjs-core's global_util), so a backend
 * registered through either copy is the one our `tf` runs on. A different core version
 * would share that engine with kernels written for another version, so it is refused.
 */
import * as tf from '../tf';

export type TensorflowPackage = '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu';

/** A backend that cannot be used here, with the reason shown to the user. */
export class BackendUnavailable extends Error {
  override name = 'BackendUnavailable';
}

interface TfjsNodeModule {
  version?: Record<string, string>;
}

/** The part of tfjs-node's NodeJSKernelBackend that says where it runs. */
interface NodeKernelBackend {
  isGPUPackage?: boolean;
  isUsingGpuDevice?: boolean;
}

function isModuleNotFound(err: unknown, pkg: string): boolean {
  const e = err as NodeJS.ErrnoException;
  const code = e?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String(e.message).includes(pkg);
}

const loaded = new Map<TensorflowPackage, TfjsNodeModule>();

/** Whether `pkg` was imported in this process (its native library stays loaded). */
export function isTensorflowPackageLoaded(pkg: TensorflowPackage): boolean {
  return loaded.has(pkg);
}

/**
 * Imports `pkg` (it registers and activates 'tensorflow' on import) and checks that the
 * backend is visible to our tfjs-core. Throws BackendUnavailable with the reason.
 */
export async function loadTensorflowBackend(pkg: TensorflowPackage): Promise<{ usingGpu: boolean; version: string }> {
  let mod = loaded.get(pkg);
  if (!mod) {
    try {
      // A variable specifier: optional dependencies, resolved at run time, never bundled.
      mod = (await import(/* @vite-ignore */ pkg)) as TfjsNodeModule;
    } catch (err) {
      if (isModuleNotFound(err, pkg)) throw new BackendUnavailable(`${pkg} is not installed`);
      const message = (err as Error)?.message?.split('\n')[0] ?? String(err);
      throw new BackendUnavailable(`${pkg} failed to load: ${message}`);
    }
    loaded.set(pkg, mod);
  }
  const theirCore = mod.version?.['tfjs-core'];
  if (theirCore && theirCore !== tf.version_core) {
    throw new BackendUnavailable(
      `${pkg} uses @tensorflow/tfjs-core ${theirCore}, the engine ${tf.version_core}: install ${pkg}@${tf.version_core}`,
    );
  }
  if (!tf.findBackendFactory('tensorflow')) {
    throw new BackendUnavailable(`${pkg} loaded but registered no 'tensorflow' backend with the engine's tfjs-core`);
  }
  const ok = await tf.setBackend('tensorflow');
  if (!ok) throw new BackendUnavailable(`${pkg}: the 'tensorflow' backend failed to initialise`);
  const backend = tf.backend() as unknown as NodeKernelBackend;
  return { usingGpu: backend.isUsingGpuDevice === true, version: mod.version?.['tfjs-node'] ?? 'unknown' };
}
