/**
 * Reading a training run's folder (the engine's run layout, engine/train):
 *
 *   <project>/runs/<name>/
 *     options.json      the resolved options the run was started with
 *     metrics.jsonl     one JSON line per logged step: step, epoch, time, lr, losses
 *     previews/         previews/<step>/<visual>.png and an index of them
 *     checkpoints/      latest/, epoch_<n>/, iter_<n>/ (engine/train/checkpoint.ts)
 *     status.json       written by main: the run's state, its job and its active spans
 *
 * Everything here reads files another process writes while we read: a half-written last
 * line of metrics.jsonl is left for the next read, never parsed.
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { runStateSchema, type CheckpointInfo, type MetricColumns, type PreviewEntry } from '../../shared/api/train';
import { trainOptionFields, type TrainOptions } from '../../shared/train-options';
import { findCheckpoint, listCheckpoints } from '../engine/train/checkpoint';
import { writeFileAtomic } from '../util/atomic-write';

export const RUN_FILES = {
  options: 'options.json',
  metrics: 'metrics.jsonl',
  previews: 'previews',
  checkpoints: 'checkpoints',
  status: 'status.json',
} as const;

/** Preview index file names the engine may write (JSON lines or one JSON array). */
const PREVIEW_INDEXES = ['index.jsonl', 'index.json'] as const;

// ---- status.json -------------------------------------------------------------------------

const spanSchema = z.object({ start: z.string(), end: z.string().optional() });

export const runStatusSchema = z.object({
  state: runStateSchema,
  jobId: z.string().nullable().default(null),
  error: z.string().optional(),
  created: z.string(),
  updated: z.string(),
  /** Time spans the run trained in (one per start or resume). */
  spans: z.array(spanSchema).default([]),
  /** Steps of the whole schedule, as the engine last reported it. */
  totalSteps: z.number().int().nullable().default(null),
  /** Images in an epoch (the dataset's size), for the fractional epoch of each step. */
  imagesPerEpoch: z.number().int().positive().nullable().default(null),
  /** The options sent with the job: what a queued run shows before the engine writes options.json. */
  options: z.object(trainOptionFields).optional(),
});
export type RunStatusFile = z.output<typeof runStatusSchema>;

export async function readStatus(runDir: string): Promise<RunStatusFile | null> {
  const path = join(runDir, RUN_FILES.status);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed = runStatusSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** Write status.json (atomically); fields with a default may be left out. */
export function writeStatus(runDir: string, status: z.input<typeof runStatusSchema>): Promise<void> {
  return writeFileAtomic(join(runDir, RUN_FILES.status), `${JSON.stringify(status, null, 1)}\n`);
}

/** Seconds spent training over every span; an open span counts until `openEnd`. */
export function trainedSeconds(spans: RunStatusFile['spans'], openEnd: Date): number {
  let ms = 0;
  for (const span of spans) {
    const start = Date.parse(span.start);
    const end = span.end ? Date.parse(span.end) : openEnd.getTime();
    if (Number.isFinite(start) && Number.isFinite(end) && end > start) ms += end - start;
  }
  return ms / 1000;
}

// ---- options.json -------------------------------------------------------------------------

export async function readRunOptions(runDir: string): Promise<TrainOptions | null> {
  const path = join(runDir, RUN_FILES.options);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed = z.object(trainOptionFields).safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

// ---- metrics.jsonl ------------------------------------------------------------------------

/** One logged step, whatever spelling of the fields the writer used. */
export interface MetricRecord {
  step: number;
  epoch: number;
  epochProgress: number;
  time: number;
  lr: number | null;
  losses: Record<string, number>;
}

/** Fields of a metrics line that are not losses. */
const NON_LOSS_KEYS = new Set([
  'step',
  'iter',
  'iters',
  'iteration',
  'total_iters',
  'epoch',
  'epoch_iter',
  'epoch_iters',
  'iters_per_epoch',
  'steps_per_epoch',
  'time',
  't',
  'wall',
  'timestamp',
  'elapsed',
  'lr',
  'learning_rate',
  'losses',
  'dt',
  'data_time',
  'comp_time',
  'step_time',
  'images',
  'batch_size',
]);

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function seconds(v: unknown): number | undefined {
  if (typeof v === 'string') {
    const ms = Date.parse(v);
    return Number.isFinite(ms) ? ms / 1000 : undefined;
  }
  const n = num(v);
  if (n === undefined) return undefined;
  // Milliseconds since 1970 are > 1e12; seconds are ~1.7e9.
  return n > 1e11 ? n / 1000 : n;
}

/** A parsed metrics line, or null when it is not a step record (a header, a comment). */
export function parseMetricRecord(value: unknown, imagesPerEpoch?: number | null): MetricRecord | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const o = value as Record<string, unknown>;
  // Events (a checkpoint saved, a preview written) share the log with the steps.
  if (o.type !== undefined && o.type !== 'step') return null;
  const step = num(o.step) ?? num(o.iter) ?? num(o.iteration) ?? num(o.total_iters);
  if (step === undefined) return null;
  const epoch = num(o.epoch) ?? 0;
  const losses: Record<string, number> = {};
  if (o.losses && typeof o.losses === 'object') {
    for (const [k, v] of Object.entries(o.losses as Record<string, unknown>)) {
      // A NaN loss is written as null by JSON: keep the key so the column exists.
      if (typeof v === 'number' || v === null) losses[k] = typeof v === 'number' ? v : Number.NaN;
    }
  } else {
    for (const [k, v] of Object.entries(o)) if (!NON_LOSS_KEYS.has(k) && typeof v === 'number') losses[k] = v;
  }
  // epoch_iter counts images into the epoch, as the reference's does.
  const epochIter = num(o.epoch_iter) ?? num(o.epoch_iters);
  const perEpoch = num(o.iters_per_epoch) ?? num(o.images_per_epoch) ?? imagesPerEpoch ?? undefined;
  const epochProgress =
    epochIter !== undefined && perEpoch !== undefined && perEpoch > 0 ? Math.max(0, epoch - 1) + Math.min(1, epochIter / perEpoch) : epoch;
  return {
    step,
    epoch,
    epochProgress,
    time: seconds(o.time) ?? seconds(o.timestamp) ?? seconds(o.wall) ?? seconds(o.t) ?? 0,
    lr: num(o.lr) ?? num(o.learning_rate) ?? null,
    losses,
  };
}

export function emptyColumns(): MetricColumns {
  return { step: [], epoch: [], epochProgress: [], time: [], lr: [], losses: {} };
}

/** Appends records to columns; a loss first seen late gets nulls for the earlier rows. */
export function appendRecords(columns: MetricColumns, records: readonly MetricRecord[]): MetricColumns {
  for (const r of records) {
    const row = columns.step.length;
    columns.step.push(r.step);
    columns.epoch.push(r.epoch);
    columns.epochProgress.push(r.epochProgress);
    columns.time.push(r.time);
    columns.lr.push(r.lr);
    for (const name of Object.keys(r.losses)) {
      if (!columns.losses[name]) columns.losses[name] = new Array<number | null>(row).fill(null);
    }
    for (const [name, values] of Object.entries(columns.losses)) {
      const v = r.losses[name];
      values.push(v === undefined || !Number.isFinite(v) ? null : v);
    }
  }
  return columns;
}

export interface MetricsChunk {
  offset: number;
  next: number;
  reset: boolean;
  more: boolean;
  records: MetricRecord[];
}

/** Largest slice of the log read per call: a 100,000-step run is ~20 MB of JSON lines. */
const MAX_READ_BYTES = 24 * 1024 * 1024;

/**
 * Complete records of metrics.jsonl from byte `offset`, at most `limit` of them. When the
 * file is shorter than `offset`, or `offset` is not at a line start (the file was replaced,
 * e.g. truncated on resume), it is read again from 0 and `reset` says so.
 */
export async function readMetrics(runDir: string, offset: number, limit: number, imagesPerEpoch?: number | null): Promise<MetricsChunk> {
  const path = join(runDir, RUN_FILES.metrics);
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { offset: 0, next: 0, reset: offset > 0, more: false, records: [] };
    throw err;
  }
  try {
    const { size } = await handle.stat();
    let reset = false;
    if (offset > size) reset = true;
    else if (offset > 0) {
      const before = Buffer.alloc(1);
      await handle.read(before, 0, 1, offset - 1);
      if (before[0] !== 0x0a) reset = true;
    }
    const start = reset ? 0 : offset;
    const length = Math.min(size - start, MAX_READ_BYTES);
    const buffer = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await handle.read(buffer, got, length - got, start + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    const records: MetricRecord[] = [];
    let lineStart = 0;
    let consumed = 0;
    let more = false;
    for (let i = 0; i < got; i++) {
      if (buffer[i] !== 0x0a) continue;
      if (records.length >= limit) {
        more = true;
        break;
      }
      const line = buffer.toString('utf8', lineStart, i).trim();
      lineStart = i + 1;
      consumed = lineStart;
      if (!line) continue;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        // A damaged line (a crash mid-write long ago): skip it, keep the rest of the log.
        continue;
      }
      const record = parseMetricRecord(json, imagesPerEpoch);
      if (record) records.push(record);
    }
    if (!more && start + got < size) more = true;
    return { offset: start, next: start + consumed, reset, more, records };
  } finally {
    await handle.close();
  }
}

/** The last complete record of metrics.jsonl (read from its end), or null. */
export async function lastMetric(runDir: string): Promise<MetricRecord | null> {
  const path = join(runDir, RUN_FILES.metrics);
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const { size } = await handle.stat();
    for (let window = 16 * 1024; ; window *= 4) {
      const start = Math.max(0, size - window);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      const text = buffer.toString('utf8');
      const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n');
      // The first line of a window that does not start the file may be cut: skip it.
      const complete = start === 0 ? lines : lines.slice(1);
      for (let i = complete.length - 1; i >= 0; i--) {
        const line = complete[i]!.trim();
        if (!line) continue;
        try {
          const record = parseMetricRecord(JSON.parse(line));
          if (record) return record;
        } catch {
          // damaged line: look further back
        }
      }
      if (start === 0) return null;
    }
  } finally {
    await handle.close();
  }
}

/** The metrics as CSV: step, epoch, time (ISO), lr, then one column per loss. */
export function metricsCsv(records: readonly MetricRecord[]): string {
  const lossNames: string[] = [];
  for (const r of records) for (const k of Object.keys(r.losses)) if (!lossNames.includes(k)) lossNames.push(k);
  const cell = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '' : String(v));
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [['step', 'epoch', 'time', 'lr', ...lossNames].map(quote).join(',')];
  for (const r of records) {
    const time = r.time > 0 ? new Date(r.time * 1000).toISOString() : '';
    lines.push([String(r.step), String(r.epoch), time, cell(r.lr), ...lossNames.map((k) => cell(r.losses[k]))].join(','));
  }
  return `${lines.join('\n')}\n`;
}

// ---- previews -----------------------------------------------------------------------------

/**
 * The preview history: from the engine's index when there is one (it keeps the model's
 * order of visuals), else from the folders `previews/<step>/` themselves.
 */
export async function readPreviews(runDir: string, runRel: string): Promise<PreviewEntry[]> {
  const dir = join(runDir, RUN_FILES.previews);
  const rel = (step: string, file: string) => `${runRel}/${RUN_FILES.previews}/${step}/${file}`;
  for (const name of PREVIEW_INDEXES) {
    let text: string;
    try {
      text = await readFile(join(dir, name), 'utf8');
    } catch {
      continue;
    }
    const rows: unknown[] = name.endsWith('.jsonl')
      ? text
          .split('\n')
          .filter((l) => l.trim())
          .flatMap((l) => {
            try {
              return [JSON.parse(l)];
            } catch {
              return [];
            }
          })
      : (() => {
          const json = JSON.parse(text) as unknown;
          return Array.isArray(json) ? json : Array.isArray((json as { entries?: unknown[] }).entries) ? (json as { entries: unknown[] }).entries : [];
        })();
    const entries = rows.flatMap((row) => previewFromIndex(row, rel));
    return entries.sort((a, b) => a.step - b.step);
  }
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const entries: PreviewEntry[] = [];
  for (const folder of names) {
    if (!/^\d+$/.test(folder)) continue;
    const files = (await readdir(join(dir, folder)).catch(() => [] as string[])).filter((f) => f.endsWith('.png')).sort();
    if (files.length === 0) continue;
    entries.push({ step: Number(folder), visuals: files.map((f) => ({ name: f.slice(0, -4), path: rel(folder, f) })) });
  }
  return entries.sort((a, b) => a.step - b.step);
}

function previewFromIndex(row: unknown, rel: (step: string, file: string) => string): PreviewEntry[] {
  if (!row || typeof row !== 'object') return [];
  const o = row as Record<string, unknown>;
  const step = num(o.step) ?? num(o.iter) ?? num(o.total_iters);
  if (step === undefined) return [];
  const folder = typeof o.dir === 'string' ? o.dir : String(step);
  const visuals: PreviewEntry['visuals'] = [];
  const given = o.visuals ?? o.files ?? o.images;
  if (Array.isArray(given)) {
    for (const v of given) {
      if (typeof v === 'string') visuals.push({ name: v.replace(/\.png$/, ''), path: rel(folder, v.endsWith('.png') ? v : `${v}.png`) });
      else if (v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string') {
        const name = (v as { name: string }).name;
        const file = typeof (v as { file?: unknown }).file === 'string' ? (v as { file: string }).file : `${name}.png`;
        visuals.push({ name, path: rel(folder, file) });
      }
    }
  } else if (given && typeof given === 'object') {
    for (const [name, file] of Object.entries(given as Record<string, unknown>)) {
      if (typeof file === 'string') visuals.push({ name, path: rel(folder, file.split(/[\\/]/).pop()!) });
    }
  }
  const epoch = num(o.epoch);
  const time = seconds(o.time);
  return [{ step, ...(epoch !== undefined ? { epoch } : {}), ...(time !== undefined ? { time } : {}), visuals }];
}

// ---- checkpoints --------------------------------------------------------------------------

/** Complete checkpoints of the run, newest first, with the epoch and step they were saved at. */
export async function readCheckpoints(runDir: string): Promise<CheckpointInfo[]> {
  const root = join(runDir, RUN_FILES.checkpoints);
  const out: CheckpointInfo[] = [];
  for (const tag of await listCheckpoints(root)) {
    const found = await findCheckpoint(root, tag).catch(() => null);
    if (!found) continue;
    const meta = found.manifest.meta as Record<string, unknown>;
    // A training run's checkpoint says where it stands in `position` (engine/train/run-state.ts).
    const position = (meta.position && typeof meta.position === 'object' ? meta.position : meta) as Record<string, unknown>;
    const epoch = num(position.epoch);
    const step = num(position.step) ?? num(meta.step) ?? num(meta.sequence);
    out.push({
      tag,
      savedAt: found.manifest.savedAt,
      ...(epoch !== undefined ? { epoch: Math.trunc(epoch) } : {}),
      ...(step !== undefined ? { step: Math.trunc(step) } : {}),
    });
  }
  return out.sort((a, b) => b.savedAt.localeCompare(a.savedAt));
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
