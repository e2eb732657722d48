/**
 * The bench harness's own logic: statistics, argument checks, result lines, and the
 * comparison with PyTorch against the project's goals. (Timings themselves are not tested.)
 */
import { describe, expect, test } from 'vitest';
import { benchCases } from '../../src/main/bench/cases';
import { childEnv, parseResultLine } from '../../src/main/bench/child';
import { MMAP_THRESHOLD_BYTES } from '../../src/main/util/native-memory';
import { measureCase, quantile, summarize } from '../../src/main/bench/measure';
import { previewEngineLabel } from '../../src/main/bench/preview-cases';
import { combineRounds, compareWithReference, timeGoal } from '../../src/main/bench/reference';
import { cpuMsOf } from '../../src/main/bench/studio';
import type { BenchCase, BenchResult } from '../../src/main/bench/types';
import { parseBenchArgs } from '../../src/main/cli/bench';
import { CliUsageError } from '../../src/main/cli/command';

const result = (o: Partial<BenchResult>): BenchResult => ({
  case: 'infer_resnet9_256',
  backend: 'onnxruntime-cpu',
  threads: 2,
  median_ms: 100,
  min_ms: 90,
  max_ms: 120,
  peak_rss_mib: 400,
  runs: 5,
  ...o,
});

describe('statistics', () => {
  test('median, extremes and 95th percentile, interpolated as numpy does', () => {
    expect(summarize([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, p95: 4.8 });
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(() => quantile([], 0.5)).toThrow(/no samples/);
  });

  test('a case runs once to warm up, then N timed runs; self-timed samples are kept', async () => {
    const calls: number[] = [];
    const frames: BenchCase = {
      name: 'frames',
      summary: '',
      frames: true,
      async setup() {
        return { backend: 'test', threads: 1, run: (i) => (calls.push(i), [i + 2, i + 3]) };
      },
    };
    const r = await measureCase(frames, 3, { log: () => {} });
    expect(calls).toEqual([-1, 0, 1, 2]);
    expect(r).toMatchObject({ case: 'frames', backend: 'test', runs: 3, samples: 6, min_ms: 2, max_ms: 5, median_ms: 3.5, p95_ms: 4.8 });
    expect(r.peak_rss_mib).toBeGreaterThan(0);
    const bad: BenchCase = { name: 'bad', summary: '', setup: async () => ({ backend: 't', threads: 1, run: () => -1 }) };
    await expect(measureCase(bad, 1, { log: () => {} })).rejects.toThrow(/invalid durations \[-1\]/);
  });

  test('work done in other processes: their peak memory and CPU time per run are reported', async () => {
    // The other processes' CPU clock: 100 ms per run, but 1 s in the warm-up run.
    let clock = 0;
    const external: BenchCase = {
      name: 'external',
      summary: '',
      async setup() {
        return {
          backend: 'chromium',
          threads: 1,
          run: (i) => void (clock += i < 0 ? 1000 : 100),
          cpuMs: () => clock,
          peakRssMib: () => 1234.56,
        };
      },
    };
    const r = await measureCase(external, 2, { log: () => {} });
    expect(r).toMatchObject({ cpu_ms: 100, peak_rss_mib: 1234.6, runs: 2 });
    expect(r).not.toHaveProperty('samples');
    expect(r).not.toHaveProperty('p95_ms');
  });
});

describe('cases', () => {
  test('every case is listed once, the workspaces\' browser cases after the engine\'s', () => {
    const names = benchCases.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    const browser = ['preview_latency_256', 'preview_latency_resnet9_256', 'label_stroke_4096', 'label_save_4096', 'monitor_plot_100k'];
    expect(names.slice(-browser.length)).toEqual(browser);
    for (const name of browser.filter((n) => n !== 'label_save_4096')) expect(benchCases.find((c) => c.name === name)!.frames).toBe(true);
  });

  test('the preview cases name the engine the latency readout reports', () => {
    const status = { name: 'wasm', threads: 2, inference: { providers: ['cpu'] } };
    expect(previewEngineLabel('onnxruntime (CPU, 2 threads (ONNX Runtime 1.30.0))', status)).toEqual({ backend: 'onnxruntime-cpu', threads: 2 });
    expect(previewEngineLabel('onnxruntime (CUDA (ONNX Runtime 1.30.0), CPU 1 thread for the rest)', { ...status, inference: { providers: ['cuda', 'cpu'] } })).toEqual({
      backend: 'onnxruntime-cuda',
      threads: 1,
    });
    expect(previewEngineLabel('tfjs (TF.js wasm)', status)).toEqual({ backend: 'tfjs-wasm', threads: 2 });
    expect(previewEngineLabel('tfjs (TF.js tensorflow)', { name: 'tensorflow' })).toEqual({ backend: 'tfjs-tensorflow', threads: 1 });
    expect(() => previewEngineLabel('', null)).toThrow(/names no engine/);
  });

  test.runIf(process.platform === 'linux')('CPU time of other processes is read from /proc as a process counts its own', async () => {
    const own = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    const own0 = own();
    const proc0 = await cpuMsOf([process.pid]);
    const until = performance.now() + 300;
    while (performance.now() < until) Math.sqrt(Math.random());
    const proc = (await cpuMsOf([process.pid])) - proc0;
    const mine = own() - own0;
    expect(proc).toBeGreaterThan(0);
    // /proc counts in 10 ms ticks: two of them, and the reads themselves.
    expect(Math.abs(proc - mine)).toBeLessThan(30);
  });
});

describe('arguments and result lines', () => {
  test('cases, runs and engine are checked against what exists', () => {
    expect(parseBenchArgs(['--case', 'infer_resnet9_256', '--case', 'pix2pix_train', '--runs', '7'])).toMatchObject({
      cases: ['infer_resnet9_256', 'pix2pix_train'],
      runs: 7,
      withReference: false,
    });
    expect(parseBenchArgs([]).runs).toBe(5);
    expect(() => parseBenchArgs(['--case', 'nope'])).toThrow(CliUsageError);
    expect(() => parseBenchArgs(['--case', 'nope'])).toThrow(/unknown bench case 'nope'/);
    expect(() => parseBenchArgs(['--runs', '0'])).toThrow(/--runs must be an integer from 1 to 1000, got "0"/);
    expect(() => parseBenchArgs(['--engine', 'gpu'])).toThrow(/--engine must be one of auto, onnxruntime, tfjs, got "gpu"/);
  });

  test('the reference runs with the engine’s malloc settings unless told to use glibc’s defaults', () => {
    expect(parseBenchArgs(['--with-reference']).referenceMalloc).toBe('engine');
    expect(parseBenchArgs(['--with-reference', '--reference-malloc', 'default']).referenceMalloc).toBe('default');
    expect(() => parseBenchArgs(['--with-reference', '--reference-malloc', 'fast'])).toThrow(/--reference-malloc must be engine or default, got "fast"/);
    expect(() => parseBenchArgs(['--reference-malloc', 'default'])).toThrow(/--reference-malloc needs --with-reference/);
    const base = { PATH: '/usr/bin', MALLOC_TRIM_THRESHOLD_: '131072' };
    const engine = childEnv(base, { ATELIER_INFERENCE: 'onnxruntime' }, 'engine');
    expect(engine).toMatchObject({ ATELIER_INFERENCE: 'onnxruntime', MALLOC_MMAP_THRESHOLD_: String(MMAP_THRESHOLD_BYTES), MALLOC_TRIM_THRESHOLD_: '131072' });
    const plain = childEnv(base, {}, 'default');
    expect(plain).toEqual({ PATH: '/usr/bin' });
    expect(compareWithReference(result({ median_ms: 50 }), result({ median_ms: 100, backend: 'pytorch' }), 'default').reference_malloc).toBe('default');
  });

  test('rounds alternate with the reference only, and combine into the median of their medians', () => {
    expect(parseBenchArgs(['--with-reference']).rounds).toBe(1);
    expect(parseBenchArgs(['--with-reference', '--rounds', '3']).rounds).toBe(3);
    expect(() => parseBenchArgs(['--rounds', '3'])).toThrow(/--rounds needs --with-reference/);
    expect(() => parseBenchArgs(['--with-reference', '--rounds', '0'])).toThrow(/--rounds must be an integer from 1 to 100, got "0"/);
    const rounds = [
      result({ median_ms: 120, min_ms: 110, max_ms: 140, peak_rss_mib: 300, runs: 5, cpu_ms: 200 }),
      result({ median_ms: 100, min_ms: 95, max_ms: 180, peak_rss_mib: 320, runs: 5, cpu_ms: 190 }),
      result({ median_ms: 105, min_ms: 90, max_ms: 110, peak_rss_mib: 310, runs: 5, cpu_ms: 210 }),
    ];
    expect(combineRounds(rounds)).toEqual({ ...rounds[0], median_ms: 105, min_ms: 90, max_ms: 180, peak_rss_mib: 320, runs: 15, cpu_ms: 200 });
    expect(combineRounds(rounds.slice(0, 2)).median_ms).toBe(110);
    expect(combineRounds([rounds[1]!])).toBe(rounds[1]);
    expect(compareWithReference(rounds[0]!, rounds[1]!, 'engine', 3).rounds).toBe(3);
    expect(compareWithReference(rounds[0]!, rounds[1]!, 'engine').rounds).toBeUndefined();
  });

  test('a result line must carry every field', () => {
    expect(parseResultLine(JSON.stringify(result({})), 'x')).toMatchObject({ case: 'infer_resnet9_256', median_ms: 100 });
    expect(() => parseResultLine('{"case": "a", "backend": "b"}', 'child')).toThrow(/child: result line without numeric "threads"/);
    expect(() => parseResultLine('Aborted()', 'child')).toThrow(/child: not a JSON result line: Aborted\(\)/);
  });
});

describe('comparison with PyTorch', () => {
  test('inference must take at most half the time, training 1.5×, memory 1.5×', () => {
    expect(timeGoal('infer_resnet9_1024')).toBe(0.5);
    expect(timeGoal('cyclegan_train')).toBe(1.5);
    expect(timeGoal('label_stroke_4096')).toBeUndefined();
    const ref = result({ backend: 'pytorch-1.13', median_ms: 250, peak_rss_mib: 300, cpu_ms: 400 });
    expect(compareWithReference(result({ cpu_ms: 180 }), ref)).toEqual({
      case: 'infer_resnet9_256',
      vs: 'pytorch-1.13',
      time_ratio: 0.4,
      cpu_ratio: 0.45,
      rss_ratio: 1.333,
      time_goal: 0.5,
      time_met: true,
      rss_goal: 1.5,
      rss_met: true,
    });
    expect(compareWithReference(result({ median_ms: 130, peak_rss_mib: 460 }), ref)).toMatchObject({ time_met: false, rss_met: false });
  });
});
