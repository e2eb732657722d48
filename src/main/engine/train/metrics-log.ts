/**
 * The per-run metrics log, `<run>/metrics.jsonl`: one JSON object per line, appended as the
 * run goes (every step's losses, learning rate and timing; events such as checkpoints), so
 * that a reader can follow it live by reading new lines. When a run continues from a
 * checkpoint, records written after that checkpoint are dropped first: the steps they
 * describe are run again.
 */
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-write';

export interface StepRecord {
  type: 'step';
  /** Training iterations so far (optimize_parameters calls), 1-based. */
  step: number;
  epoch: number;
  /** Images seen in this epoch / in the run (the reference's epoch_iter / total_iters). */
  epoch_iter: number;
  total_iters: number;
  lr: number;
  losses: Record<string, number>;
  /** Seconds spent in the step, and waiting for data before it. */
  step_s: number;
  data_s: number;
  time: string;
}

export interface EventRecord {
  type: 'event';
  event: string;
  step: number;
  time: string;
  [key: string]: unknown;
}

export type MetricsRecord = StepRecord | EventRecord;

export class MetricsLog {
  private constructor(
    readonly path: string,
    private handle: FileHandle,
  ) {}

  /**
   * Open for appending. `keepThroughStep`: drop records of later steps (a resumed run);
   * undefined keeps everything.
   */
  static async open(path: string, keepThroughStep?: number): Promise<MetricsLog> {
    await mkdir(dirname(path), { recursive: true });
    if (keepThroughStep !== undefined) {
      const kept = (await readMetrics(path)).filter((r) => r.step <= keepThroughStep);
      await writeFileAtomic(path, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
    }
    return new MetricsLog(path, await open(path, 'a'));
  }

  async append(record: MetricsRecord): Promise<void> {
    await this.handle.write(`${JSON.stringify(record)}\n`);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** All complete records of a metrics file (a torn last line from a crash is ignored). */
export async function readMetrics(path: string): Promise<MetricsRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  const out: MetricsRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as MetricsRecord);
    } catch {
      // Only the last line can be torn; anything unparsable is skipped.
    }
  }
  return out;
}
