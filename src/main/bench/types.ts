/**
 * A benchmark case: prepared once, then timed over several runs after a warm-up run, in a
 * process of its own (so its peak memory is its own). Cases live in ./cases.ts.
 */

export interface BenchContext {
  /** Progress and notes (stderr); stdout carries only the result lines. */
  log(line: string): void;
}

export interface PreparedCase {
  /** What runs it, e.g. `onnxruntime-cpu`, `tfjs-wasm`, `sharp`. */
  backend: string;
  /** Compute threads it uses. */
  threads: number;
  /**
   * One timed run. Returns nothing to be timed by the harness as a whole; or the durations
   * (ms) it measured itself: one number, or several samples (frame times of an animation,
   * latencies of a series of requests), each a sample of the statistics.
   */
  run(index: number): Promise<number | number[] | void> | number | number[] | void;
  /**
   * The case's own peak memory (MiB) when the work runs in another process (a browser's
   * renderer); without it, this process's peak RSS is reported.
   */
  peakRssMib?(): Promise<number> | number;
  /**
   * CPU time used so far (ms) by the processes doing the work, when they are others (a
   * server, a browser): `cpu_ms` is then theirs per run; without it, this process's.
   */
  cpuMs?(): Promise<number> | number;
  dispose?(): Promise<void> | void;
}

export interface BenchCase {
  /** Unique, `snake_case`: what it measures and at what size (`infer_resnet9_512`). */
  name: string;
  /** One line for `atelier bench --list`. */
  summary: string;
  /** Frame or latency samples: the result line adds the 95th percentile (`p95_ms`). */
  frames?: boolean;
  setup(ctx: BenchContext): Promise<PreparedCase>;
}

/** One result line of `atelier bench`. */
export interface BenchResult {
  case: string;
  backend: string;
  threads: number;
  median_ms: number;
  min_ms: number;
  max_ms: number;
  p95_ms?: number;
  peak_rss_mib: number;
  runs: number;
  /** Frame or latency samples behind the statistics (several per run). */
  samples?: number;
  /**
   * Median CPU time per timed run of the case's processes (all their threads): unlike wall time it
   * hardly changes when other programs compete for the cores, so it tells a busy machine's
   * figures apart from a slow case.
   */
  cpu_ms?: number;
}
