/**
 * A debug record of which kernel ran on which backend, through which implementation, how
 * often and for how long. TF.js itself never falls back from one backend to another per
 * kernel (a missing kernel throws), but the kernels registered for the wasm backend here
 * choose between routes (XNNPACK convolution, or the backend's own loop for layouts the
 * rewrite does not cover); the trace makes every such choice visible, so that no slow path
 * goes unnoticed.
 *
 * Tracing wraps every kernel registered for the backend at the time it starts (the global
 * TF.js kernel registry) and restores them when it stops. Start it after `initBackend`, so
 * that the training kernels registered there are wrapped too.
 */
import * as tf from '../tf';

export interface KernelRecord {
  backend: string;
  kernel: string;
  /** 'tfjs' for the backend's own kernel; otherwise the route an Atelier kernel took. */
  impl: string;
  /** The kernel that called this one from inside its implementation, if any. */
  parent?: string;
  /** The inputs' shapes, where the trace was started with `byShape`. */
  shapes?: string;
  calls: number;
  /** Wall time in the kernel function, including nested kernels (synchronous backends). */
  ms: number;
}

interface Frame {
  kernel: string;
  impl: string;
}

let active: KernelTrace | null = null;

/**
 * Called by a kernel implementation to name the route it took for the current call
 * (e.g. 'xnnpack-conv' or 'backend-loop'); a no-op unless a trace is running.
 */
export function noteKernelRoute(impl: string): void {
  const frame = active?.currentFrame();
  if (frame) frame.impl = impl;
}

export class KernelTrace {
  private readonly stack: Frame[] = [];
  private readonly table = new Map<string, KernelRecord>();
  private readonly originals: tf.KernelConfig[] = [];

  constructor(
    readonly backend: string,
    private readonly byShape = false,
  ) {}

  /** @internal */
  currentFrame(): Frame | undefined {
    return this.stack[this.stack.length - 1];
  }

  /** @internal wraps every kernel of the backend. */
  install(): void {
    for (const config of tf.getKernelsForBackend(this.backend)) {
      this.originals.push(config);
      const original = config.kernelFunc;
      const kernelName = config.kernelName;
      const wrapped: tf.KernelFunc = (args) => {
        const parent = this.currentFrame()?.kernel;
        const frame: Frame = { kernel: kernelName, impl: 'tfjs' };
        this.stack.push(frame);
        const start = performance.now();
        try {
          return original(args);
        } finally {
          this.stack.pop();
          const ms = performance.now() - start;
          this.add(kernelName, frame.impl, parent, ms, this.byShape ? inputShapes(args.inputs) : undefined);
        }
      };
      tf.unregisterKernel(kernelName, this.backend);
      tf.registerKernel({ ...config, kernelFunc: wrapped });
    }
  }

  private add(kernel: string, impl: string, parent: string | undefined, ms: number, shapes: string | undefined): void {
    const key = `${kernel}\u0000${impl}\u0000${parent ?? ''}\u0000${shapes ?? ''}`;
    let record = this.table.get(key);
    if (!record) {
      record = { backend: this.backend, kernel, impl, ...(parent ? { parent } : {}), ...(shapes ? { shapes } : {}), calls: 0, ms: 0 };
      this.table.set(key, record);
    }
    record.calls++;
    record.ms += ms;
  }

  /** Every (kernel, route, caller) seen so far, slowest first. */
  records(): KernelRecord[] {
    return [...this.table.values()].sort((a, b) => b.ms - a.ms);
  }

  /** Forget the counts, keep tracing. */
  reset(): void {
    this.table.clear();
  }

  /** Restores the kernels as they were before the trace started. */
  stop(): void {
    if (active !== this) return;
    for (const config of this.originals) {
      tf.unregisterKernel(config.kernelName, this.backend);
      tf.registerKernel(config);
    }
    this.originals.length = 0;
    active = null;
  }

  /** One line per record: backend, kernel, route, caller, calls, milliseconds. */
  format(): string {
    const rows = this.records().map((r) => {
      const where = r.parent ? ` (inside ${r.parent})` : '';
      const shapes = r.shapes ? ` ${r.shapes}` : '';
      return `${r.backend.padEnd(6)} ${(r.kernel + where).padEnd(48)} ${r.impl.padEnd(22)} ${String(r.calls).padStart(6)} calls ${r.ms.toFixed(1).padStart(10)} ms${shapes}`;
    });
    return rows.join('\n');
  }
}

/** The trace running now, if any. */
export function activeKernelTrace(): KernelTrace | null {
  return active;
}

/** `name:[d0,d1,…]` for each input of a kernel call, in the kernel's order. */
function inputShapes(inputs: tf.NamedTensorInfoMap): string {
  return Object.entries(inputs)
    .filter((entry): entry is [string, tf.TensorInfo] => entry[1] != null)
    .map(([name, t]) => `${name}:[${t.shape.join(',')}]`)
    .join(' ');
}

export interface KernelTraceOptions {
  /** Keep a separate record per set of input shapes (for finding which layer a kernel's time is in). */
  byShape?: boolean;
}

/**
 * Starts recording every kernel call on `backend` (default: the active backend). Only one
 * trace runs at a time.
 */
export function startKernelTrace(backend: string = tf.getBackend(), options: KernelTraceOptions = {}): KernelTrace {
  if (active) throw new Error(`a kernel trace is already running on backend '${active.backend}'`);
  if (!backend) throw new Error('no backend is active: call initBackend() before tracing kernels');
  const trace = new KernelTrace(backend, options.byShape);
  trace.install();
  active = trace;
  return trace;
}
