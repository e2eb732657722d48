/**
 * The PyTorch side of `atelier bench --with-reference`: tests/bench/torch_reference.py
 * builds the reference's networks and times the same cases on PyTorch's CPU build, one
 * process per case; each comparison line gives our time and peak memory as a ratio of
 * PyTorch's and whether the project's goals hold (inference ≤ 0.5×, training iterations
 * ≤ 1.5× PyTorch's time; peak memory ≤ 1.5× PyTorch's).
 */
import { parseResultLine, runForResultLine, type MallocSettings } from './child';
import type { BenchResult } from './types';

export interface ReferenceOptions {
  python: string;
  script: string;
  threads: number;
  runs: number;
  /**
   * glibc's malloc settings for PyTorch: the engine's (default; the same process environment
   * as our side), or glibc's defaults (as the reference runs when started by hand). PyTorch
   * is faster with the engine's: resnet_9blocks inference at 512² took 2.48 s against 2.93 s.
   */
  malloc: MallocSettings;
}

/** The case names the reference script implements. */
export async function referenceCaseNames(opts: ReferenceOptions): Promise<string[]> {
  const line = await runForResultLine(opts.python, [opts.script, '--list'], 'torch_reference.py --list');
  const parsed = JSON.parse(line) as { cases?: unknown };
  if (!Array.isArray(parsed.cases) || !parsed.cases.every((c) => typeof c === 'string')) {
    throw new Error(`torch_reference.py --list: expected {"cases": [...]}, got ${line.slice(0, 200)}`);
  }
  return parsed.cases as string[];
}

export async function runReferenceCase(opts: ReferenceOptions, name: string): Promise<BenchResult> {
  const args = [opts.script, '--case', name, '--runs', String(opts.runs), '--threads', String(opts.threads)];
  const line = await runForResultLine(opts.python, args, `torch_reference.py --case ${name}`, undefined, opts.malloc);
  return parseResultLine(line, `torch_reference.py --case ${name}`);
}

/** The time goal of a case relative to PyTorch, where the project states one. */
export function timeGoal(name: string): number | undefined {
  if (name.endsWith('_train')) return 1.5;
  if (name.startsWith('infer_')) return 0.5;
  return undefined;
}

export const RSS_GOAL = 1.5;

export interface Comparison {
  case: string;
  vs: string;
  time_ratio: number;
  /** The same ratio in CPU time per run, where both sides report it. */
  cpu_ratio?: number;
  rss_ratio: number;
  time_goal?: number;
  time_met?: boolean;
  rss_goal: number;
  rss_met: boolean;
  /** The malloc settings PyTorch ran with. */
  reference_malloc?: MallocSettings;
  /** Rounds of both sides, run alternately (`--rounds`), where more than one. */
  rounds?: number;
}

export function compareWithReference(ours: BenchResult, ref: BenchResult, referenceMalloc?: MallocSettings, rounds = 1): Comparison {
  const round3 = (v: number) => Math.round(v * 1000) / 1000;
  const timeRatio = round3(ours.median_ms / ref.median_ms);
  const rssRatio = round3(ours.peak_rss_mib / ref.peak_rss_mib);
  const goal = timeGoal(ours.case);
  return {
    case: ours.case,
    vs: ref.backend,
    time_ratio: timeRatio,
    ...(ours.cpu_ms && ref.cpu_ms ? { cpu_ratio: round3(ours.cpu_ms / ref.cpu_ms) } : {}),
    rss_ratio: rssRatio,
    ...(goal !== undefined ? { time_goal: goal, time_met: timeRatio <= goal } : {}),
    rss_goal: RSS_GOAL,
    rss_met: rssRatio <= RSS_GOAL,
    ...(referenceMalloc ? { reference_malloc: referenceMalloc } : {}),
    ...(rounds > 1 ? { rounds } : {}),
  };
}

/**
 * One result from several rounds of the same case (`--rounds`): the median of the rounds'
 * medians (and CPU times), the extremes of their runs, the highest peak memory.
 */
export function combineRounds(rounds: readonly BenchResult[]): BenchResult {
  const first = rounds[0];
  if (!first) throw new Error('combineRounds: no rounds');
  if (rounds.length === 1) return first;
  const median = (values: number[]) => {
    const v = [...values].sort((a, b) => a - b);
    const mid = v.length >> 1;
    return Math.round((v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2) * 10) / 10;
  };
  const cpu = rounds.map((r) => r.cpu_ms).filter((v): v is number => v !== undefined);
  return {
    ...first,
    median_ms: median(rounds.map((r) => r.median_ms)),
    min_ms: Math.min(...rounds.map((r) => r.min_ms)),
    max_ms: Math.max(...rounds.map((r) => r.max_ms)),
    peak_rss_mib: Math.max(...rounds.map((r) => r.peak_rss_mib)),
    runs: rounds.reduce((n, r) => n + r.runs, 0),
    ...(cpu.length === rounds.length ? { cpu_ms: median(cpu) } : {}),
  };
}
