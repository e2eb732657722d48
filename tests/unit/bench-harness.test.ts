/**
 * The bench harness's own logic: statistics, argument checks, result lines, and the
 * comparison with PyTorch against the project's goals. (Timings themselves are not tested.)
 */
import { describe, expect, test } from 'vitest';
import { parseResultLine } from '../../src/main/bench/child';
import { measureCase, quantile, summarize } from '../../src/main/bench/measure';
import { compareWithReference, timeGoal } from '../../src/main/bench/reference';
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
    expect(r).toMatchObject({ case: 'frames', backend: 'test', runs: 3, min_ms: 2, max_ms: 5, median_ms: 3.5, p95_ms: 4.8 });
    expect(r.peak_rss_mib).toBeGreaterThan(0);
    const bad: BenchCase = { name: 'bad', summary: '', setup: async () => ({ backend: 't', threads: 1, run: () => -1 }) };
    await expect(measureCase(bad, 1, { log: () => {} })).rejects.toThrow(/invalid durations \[-1\]/);
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
