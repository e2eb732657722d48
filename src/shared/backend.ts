/** Which compute backend the engine runs on, as shown in the status bar and logged. */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendAttempt {
  backend: BackendName;
  ok: boolean;
  /** Why it was not used (module missing, no CUDA device, failed to initialise, …). */
  reason?: string;
}

export interface BackendInfo {
  /** The TF.js backend training and inference run on. */
  name: BackendName;
  /** Human-readable device, e.g. "NVIDIA RTX 4090 (CUDA)", "CPU, 2 threads, SIMD". */
  device: string;
  threads?: number;
  /** Every backend tried, in order, with the reason each failed one was skipped. */
  attempts: BackendAttempt[];
  /** The separate inference engine when one is faster (ONNX Runtime), else absent. */
  inference?: { name: 'onnxruntime'; device: string; providers: string[] };
}
