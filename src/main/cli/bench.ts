/**
 * `atelier bench`: times the engine (and the workspaces' own cases) and prints one JSON line
 * per case; `--with-reference` times the same cases on PyTorch and compares.
 */
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { benchCases, findCase } from '../bench/cases';
import { runCaseInChild, type MallocSettings } from '../bench/child';
import { measureCase } from '../bench/measure';
import { combineRounds, compareWithReference, referenceCaseNames, runReferenceCase, type ReferenceOptions } from '../bench/reference';
import type { BenchResult } from '../bench/types';
import { INFERENCE_PREFERENCES } from '../engine/onnx/engine';
import { CliUsageError, type CliCommand, type CliContext } from './command';

const USAGE = `Usage: atelier bench [--case NAME]... [--runs N] [--engine E] [--with-reference [--reference-malloc M] [--rounds R]] [--list]

Times each case in a process of its own (one warm-up run, then N timed runs) and prints one
JSON line per case on stdout:
  {"case", "backend", "threads", "median_ms", "min_ms", "max_ms", "peak_rss_mib", "runs"}
plus "p95_ms" and "samples" for cases that measure frame times or latencies (several
samples per run). Progress goes to stderr.
  --case NAME        run this case (repeatable; default: every case, in order)
  --runs N           timed runs per case (default 5)
  --engine E         inference engine of the infer_* cases: auto, onnxruntime or tfjs
                     (default auto: the fastest available)
  --with-reference   also run each case PyTorch has (tests/bench/torch_reference.py, with
                     /usr/bin/python3 or $ATELIER_PYTHON) with the same thread count, and
                     print its line and a comparison line:
                     {"case", "vs", "time_ratio", "rss_ratio", "time_goal", "time_met", …}
  --reference-malloc M
                     glibc's malloc settings for PyTorch: engine (default; the engine's,
                     which our side runs with) or default (glibc's own)
  --rounds R         run our side and PyTorch's alternately, R times each (default 1), so
                     that both meet the same machine when its speed drifts; the lines
                     give the median of the rounds' medians
  --list             print the cases and exit
Threads: ATELIER_THREADS (default: the logical cores); TF.js backend: ATELIER_BACKEND.
The workspace cases (preview_latency_*, label_*, monitor_plot_100k) drive the built
renderer in Chromium (/usr/bin/chromium or $ATELIER_CHROMIUM) with playwright-core, most
of them against an \`atelier serve\` of their own.
Close other programs first: the cases use every core.`;

export interface BenchCliOptions {
  cases: string[];
  runs: number;
  engine?: (typeof INFERENCE_PREFERENCES)[number];
  withReference: boolean;
  referenceMalloc: MallocSettings;
  rounds: number;
  list: boolean;
  child?: string;
}

export function parseBenchArgs(args: string[]): BenchCliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        case: { type: 'string', multiple: true },
        runs: { type: 'string' },
        engine: { type: 'string' },
        'with-reference': { type: 'boolean' },
        'reference-malloc': { type: 'string' },
        rounds: { type: 'string' },
        list: { type: 'boolean' },
        child: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
  const runs = values.runs === undefined ? 5 : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 1000) throw new CliUsageError(`--runs must be an integer from 1 to 1000, got ${JSON.stringify(values.runs)}`);
  if (values.engine !== undefined && !(INFERENCE_PREFERENCES as readonly string[]).includes(values.engine)) {
    throw new CliUsageError(`--engine must be one of ${INFERENCE_PREFERENCES.join(', ')}, got ${JSON.stringify(values.engine)}`);
  }
  const referenceMalloc = values['reference-malloc'] ?? 'engine';
  if (referenceMalloc !== 'engine' && referenceMalloc !== 'default') {
    throw new CliUsageError(`--reference-malloc must be engine or default, got ${JSON.stringify(values['reference-malloc'])}`);
  }
  if (values['reference-malloc'] !== undefined && !values['with-reference']) throw new CliUsageError('--reference-malloc needs --with-reference');
  const rounds = values.rounds === undefined ? 1 : Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) throw new CliUsageError(`--rounds must be an integer from 1 to 100, got ${JSON.stringify(values.rounds)}`);
  if (values.rounds !== undefined && !values['with-reference']) throw new CliUsageError('--rounds needs --with-reference');
  const cases = values.case ?? [];
  for (const name of [...cases, ...(values.child ? [values.child] : [])]) {
    try {
      findCase(name);
    } catch (err) {
      throw new CliUsageError((err as Error).message);
    }
  }
  return {
    cases,
    runs,
    engine: values.engine as BenchCliOptions['engine'],
    withReference: values['with-reference'] ?? false,
    referenceMalloc,
    rounds,
    list: values.list ?? false,
    ...(values.child ? { child: values.child } : {}),
  };
}

function threadCount(): number {
  const env = process.env.ATELIER_THREADS;
  return env ? Number(env) : availableParallelism();
}

function referenceOptions(ctx: CliContext, runs: number, malloc: MallocSettings): ReferenceOptions {
  // out/main/cli.js → the repository's tests/bench (the reference script is a dev tool).
  const script = resolve(ctx.mainDir, '..', '..', 'tests', 'bench', 'torch_reference.py');
  if (!existsSync(script)) throw new Error(`--with-reference needs the repository's tests/bench/torch_reference.py (looked at ${script})`);
  const python = process.env.ATELIER_PYTHON ?? '/usr/bin/python3';
  return { python, script, threads: threadCount(), runs, malloc };
}

async function run(args: string[], ctx: CliContext): Promise<number> {
  const o = parseBenchArgs(args);
  if (o.list) {
    const width = Math.max(...benchCases.map((c) => c.name.length));
    for (const c of benchCases) ctx.out(`${c.name.padEnd(width)}  ${c.summary}`);
    return 0;
  }
  if (o.child) {
    const result = await measureCase(findCase(o.child), o.runs, { log: (line) => ctx.err(line) });
    ctx.out(JSON.stringify(result));
    // The wasm backend's pthread workers and ONNX Runtime's thread pool keep the event loop
    // alive: the child ends here, once its line has been written.
    await new Promise<void>((done) => process.stdout.write('', () => done()));
    process.exit(0);
  }

  const names = o.cases.length ? o.cases : benchCases.map((c) => c.name);
  const reference = o.withReference ? referenceOptions(ctx, o.runs, o.referenceMalloc) : undefined;
  const referenceNames = reference ? new Set(await referenceCaseNames(reference)) : new Set<string>();
  const [l1, l5, l15] = loadavg().map((v) => v.toFixed(2));
  ctx.err(`bench: ${names.length} case(s), ${o.runs} runs each; load average ${l1} ${l5} ${l15} on ${availableParallelism()} logical cores`);
  const env: Record<string, string> = o.engine ? { ATELIER_INFERENCE: o.engine } : {};
  const cliPath = join(ctx.mainDir, 'cli.js');
  let failures = 0;
  for (const name of names) {
    try {
      if (reference && referenceNames.has(name)) {
        const ourRounds: BenchResult[] = [];
        const refRounds: BenchResult[] = [];
        for (let r = 0; r < o.rounds; r++) {
          if (o.rounds > 1) ctx.err(`bench: ${name}: round ${r + 1}/${o.rounds}`);
          ourRounds.push(await runCaseInChild(name, { cliPath, runs: o.runs, env }));
          refRounds.push(await runReferenceCase(reference, name));
        }
        const ours = combineRounds(ourRounds);
        const ref = combineRounds(refRounds);
        ctx.out(JSON.stringify(ours));
        ctx.out(JSON.stringify(ref));
        ctx.out(JSON.stringify(compareWithReference(ours, ref, o.referenceMalloc, o.rounds)));
        continue;
      }
      const ours = await runCaseInChild(name, { cliPath, runs: o.runs, env });
      ctx.out(JSON.stringify(ours));
      if (reference) {
        ctx.err(`bench: ${name} has no PyTorch counterpart`);
      }
    } catch (err) {
      failures += 1;
      ctx.err(`bench: ${name} failed: ${(err as Error).message}`);
    }
  }
  return failures ? 1 : 0;
}

export const benchCommand: CliCommand = {
  name: 'bench',
  summary: 'time training and inference (one JSON line per case), optionally against PyTorch',
  usage: USAGE,
  run,
};
