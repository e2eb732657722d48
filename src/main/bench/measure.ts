/**
 * Timing a case in this process: setup (untimed), one warm-up run (untimed: it builds
 * sessions, compiles kernels, grows memory pools), then `runs` timed runs.
 */
import type { BenchCase, BenchContext, BenchResult, PreparedCase } from './types';

const round1 = (v: number) => Math.round(v * 10) / 10;

/** Value at quantile q of sorted samples, interpolated linearly (as numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('no samples');
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function summarize(samples: readonly number[]): { median: number; min: number; max: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), min: sorted[0]!, max: sorted[sorted.length - 1]!, p95: quantile(sorted, 0.95) };
}

/** CPU time so far (ms): the case's own processes' when it names them, else this one's. */
async function cpuNow(prepared: PreparedCase): Promise<number> {
  if (prepared.cpuMs) return prepared.cpuMs();
  const cpu = process.cpuUsage();
  return (cpu.user + cpu.system) / 1000;
}

async function timedRun(prepared: PreparedCase, index: number): Promise<{ samples: number[]; cpuMs: number }> {
  const cpu0 = await cpuNow(prepared);
  const t0 = performance.now();
  const own = await prepared.run(index);
  const elapsed = performance.now() - t0;
  const cpuMs = (await cpuNow(prepared)) - cpu0;
  if (own === undefined) return { samples: [elapsed], cpuMs };
  const samples = Array.isArray(own) ? own : [own];
  if (samples.length === 0 || samples.some((s) => !Number.isFinite(s) || s < 0)) {
    throw new Error(`run ${index} reported invalid durations [${samples.join(', ')}]`);
  }
  return { samples, cpuMs };
}

/** This process's peak resident set size, MiB (maxRSS is in KiB). */
export function peakRssMib(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export async function measureCase(c: BenchCase, runs: number, ctx: BenchContext): Promise<BenchResult> {
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`runs must be a positive integer, got ${runs}`);
  const prepared = await c.setup(ctx);
  const samples: number[] = [];
  const cpu: number[] = [];
  let peak: number | undefined;
  try {
    const warm = await timedRun(prepared, -1);
    const w = warm.samples;
    ctx.log(`${c.name}: warm-up ${w.length <= 8 ? `${w.map((s) => s.toFixed(1)).join(', ')} ms` : `${w.length} samples, median ${summarize(w).median.toFixed(1)} ms`}`);
    for (let i = 0; i < runs; i++) {
      const { samples: s, cpuMs } = await timedRun(prepared, i);
      samples.push(...s);
      cpu.push(cpuMs);
      ctx.log(`${c.name}: run ${i + 1}/${runs} ${s.length === 1 ? `${s[0]!.toFixed(1)} ms` : `${s.length} samples`} (CPU ${cpuMs.toFixed(0)} ms)`);
    }
    peak = await prepared.peakRssMib?.();
  } finally {
    await prepared.dispose?.();
  }
  const { median, min, max, p95 } = summarize(samples);
  return {
    case: c.name,
    backend: prepared.backend,
    threads: prepared.threads,
    median_ms: round1(median),
    min_ms: round1(min),
    max_ms: round1(max),
    ...(c.frames ? { p95_ms: round1(p95) } : {}),
    peak_rss_mib: round1(peak ?? peakRssMib()),
    runs,
    ...(c.frames ? { samples: samples.length } : {}),
    cpu_ms: round1(summarize(cpu).median),
  };
}
