/**
 * Runs one case in a child process (`atelier bench --child NAME`), so that the peak RSS it
 * reports is that case's alone, and reads back its result line.
 */
import { spawn } from 'node:child_process';
import { nativeMemoryEnv } from '../util/native-memory';
import type { BenchResult } from './types';

export interface ChildOptions {
  /** The CLI entry (out/main/cli.js). */
  cliPath: string;
  runs: number;
  /** Extra environment for the child (ATELIER_INFERENCE, …). */
  env?: Record<string, string>;
}

/** Parses a result line; throws naming what is wrong. */
export function parseResultLine(line: string, what: string): BenchResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error(`${what}: not a JSON result line: ${line.slice(0, 200)}`);
  }
  const r = value as Partial<BenchResult>;
  for (const key of ['case', 'backend'] as const) {
    if (typeof r[key] !== 'string') throw new Error(`${what}: result line without "${key}": ${line.slice(0, 200)}`);
  }
  for (const key of ['threads', 'median_ms', 'min_ms', 'max_ms', 'peak_rss_mib'] as const) {
    if (typeof r[key] !== 'number') throw new Error(`${what}: result line without numeric "${key}": ${line.slice(0, 200)}`);
  }
  return r as BenchResult;
}

/** glibc's malloc settings for a child: the engine's (util/native-memory.ts), or glibc's defaults. */
export type MallocSettings = 'engine' | 'default';

/** `base` plus `extra`, with glibc's malloc set as `malloc` says. */
export function childEnv(base: NodeJS.ProcessEnv, extra: Record<string, string> = {}, malloc: MallocSettings = 'engine'): NodeJS.ProcessEnv {
  const env = { ...base, ...extra };
  if (malloc === 'engine') return nativeMemoryEnv(env);
  delete env.MALLOC_MMAP_THRESHOLD_;
  delete env.MALLOC_TRIM_THRESHOLD_;
  return env;
}

/**
 * Runs `command args`, passing its stderr through, and returns the last JSON line on stdout.
 * Our cases run with the engine's malloc settings; PyTorch's too, unless told otherwise.
 */
export function runForResultLine(command: string, args: readonly string[], what: string, env?: Record<string, string>, malloc: MallocSettings = 'engine'): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env: childEnv(process.env, env, malloc) });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    child.on('error', (err) => reject(new Error(`${what}: cannot start ${command}: ${err.message}`)));
    child.on('close', (code, signal) => {
      if (code !== 0) {
        reject(new Error(`${what}: exited with ${signal ? `signal ${signal}` : `code ${code}`}${stdout.trim() ? `; output: ${stdout.trim().slice(-500)}` : ''}`));
        return;
      }
      const lines = stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{'));
      if (!lines.length) reject(new Error(`${what}: printed no result line`));
      else resolve(lines[lines.length - 1]!);
    });
  });
}

export async function runCaseInChild(name: string, opts: ChildOptions): Promise<BenchResult> {
  const line = await runForResultLine(process.execPath, [opts.cliPath, 'bench', '--child', name, '--runs', String(opts.runs)], `bench case ${name}`, opts.env);
  return parseResultLine(line, `bench case ${name}`);
}
