/**
 * The runs service (src/main/services/runs.ts): the run list from runs/ with interrupted
 * detection, metrics read incrementally, CSV export, previews, validation against a real
 * dataset, and the life of a run (start, progress, pause, resume, stop, failure) over a
 * scripted engine that stands in for the training job.
 */
import { appendFile, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineStatus } from '../../src/shared/api/engine';
import type { TrainProgress } from '../../src/shared/api/train';
import type { EventName, EventPayload } from '../../src/shared/contract';
import { resolveTrainOptions, type TrainOptions } from '../../src/shared/train-options';
import { writeCheckpoint } from '../../src/main/engine/train/checkpoint';
import { ApiError } from '../../src/main/services/api-error';
import type { EngineHost, RunOptions } from '../../src/main/services/engine-host';
import { JobRunner } from '../../src/main/services/job-runner';
import type { ProjectService } from '../../src/main/services/projects';
import { readMetrics, readStatus } from '../../src/main/services/run-files';
import { RateMeter, RunsService } from '../../src/main/services/runs';
import { sharedData } from '../helpers/paths';

/** The engine as far as the runs service sees it: jobs the test drives by hand. */
class ScriptedEngine {
  jobs: { id: string; kind: string; params: unknown; options: RunOptions; resolve(v: unknown): void; reject(e: Error): void }[] = [];
  paused: string[] = [];
  resumed: string[] = [];
  cancelled: string[] = [];
  state: EngineStatus['state'] = 'ready';

  run(kind: string, params: unknown, options: RunOptions = {}): Promise<unknown> {
    return new Promise((resolve, reject) => this.jobs.push({ id: options.jobId!, kind, params, options, resolve, reject }));
  }
  pause(id: string) {
    this.paused.push(id);
    return this.jobs.some((j) => j.id === id);
  }
  resume(id: string) {
    this.resumed.push(id);
    return this.jobs.some((j) => j.id === id);
  }
  cancel(id: string) {
    this.cancelled.push(id);
    return true;
  }
  status(): EngineStatus {
    return { state: this.state, backend: null, job: null, queued: 0, restarts: 0 };
  }
  get last() {
    return this.jobs.at(-1)!;
  }
}

/** Waits until the last train:progress event is in `state` (outcomes are written to disk first). */
async function settledAs(state: string, timeoutMs = 5000): Promise<TrainProgress> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const last = progressEvents().at(-1);
    if (last?.state === state) return last;
    if (Date.now() > end) throw new Error(`no ${state} event; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let root: string;
let project: string;
let dataset: string;
let engine: ScriptedEngine;
let events: { name: EventName; payload: unknown }[];
let service: RunsService;
let now: Date;

function makeService(): RunsService {
  const emit = <E extends EventName>(name: E, payload: EventPayload<E>) => void events.push({ name, payload });
  const projects = { requireRoot: () => project } as unknown as ProjectService;
  const host = engine as unknown as EngineHost;
  return new RunsService({ projects, engine: host, jobs: new JobRunner(host, emit), emit, now: () => now });
}

const progressEvents = () => events.filter((e) => e.name === 'train:progress').map((e) => e.payload as TrainProgress);

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'atelier-runs-'));
  project = join(root, 'project');
  await mkdir(join(project, 'runs'), { recursive: true });
  // Four facades pairs (A|B side by side, 512×256) as an aligned dataset.
  dataset = join(root, 'facades');
  await mkdir(join(dataset, 'train'), { recursive: true });
  const src = sharedData('facades', 'train');
  for (const file of (await readdir(src)).sort().slice(0, 4)) await copyFile(join(src, file), join(dataset, 'train', file));
  engine = new ScriptedEngine();
  events = [];
  now = new Date('2026-11-26T10:00:00Z');
  service = makeService();
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const tinyRun = (name = 'tiny', extra: Record<string, unknown> = {}) => ({
  name,
  model: 'pix2pix' as const,
  dataroot: dataset,
  netG: 'unet_32',
  ngf: 4,
  ndf: 4,
  load_size: 36,
  crop_size: 32,
  n_epochs: 1,
  n_epochs_decay: 1,
  seed: 7,
  ...extra,
});

async function writeRun(name: string, options: Partial<TrainOptions>, files: { metrics?: string; status?: unknown } = {}) {
  const dir = join(project, 'runs', name);
  await mkdir(dir, { recursive: true });
  const resolved = resolveTrainOptions({ ...tinyRun(name), checkpoints_dir: join(project, 'runs'), ...options } as never);
  await writeFile(join(dir, 'options.json'), JSON.stringify(resolved));
  if (files.metrics !== undefined) await writeFile(join(dir, 'metrics.jsonl'), files.metrics);
  if (files.status !== undefined) await writeFile(join(dir, 'status.json'), JSON.stringify(files.status));
  return dir;
}

const line = (step: number, losses: Record<string, number>, extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({ step, epoch: Math.ceil(step / 4), epoch_iter: ((step - 1) % 4) + 1, iters_per_epoch: 4, time: 1_764_150_000 + step, lr: 2e-4, losses, ...extra })}\n`;

describe('reading runs', () => {
  it('lists a run with its options, last losses, checkpoints, and a running status without a job as interrupted', async () => {
    const dir = await writeRun('old', {}, {
      metrics: line(1, { G_GAN: 0.9, G_L1: 30 }) + line(2, { G_GAN: 0.8, G_L1: 20 }),
      status: { state: 'running', jobId: 'gone', created: '2026-11-26T09:00:00.000Z', updated: '2026-11-26T09:10:00.000Z', spans: [{ start: '2026-11-26T09:00:00.000Z' }] },
    });
    await writeCheckpoint(join(dir, 'checkpoints'), 'latest', { meta: { sequence: 2, epoch: 1, step: 2 }, tensors: new Map() });
    const { runs, broken } = await service.list();
    expect(broken).toEqual([]);
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    expect(run).toMatchObject({ name: 'old', state: 'interrupted', step: 2, epoch: 1, lastLosses: { G_GAN: 0.8, G_L1: 20 }, lr: 2e-4, modelId: 'runs/old' });
    expect(run.error).toMatch(/stopped while this run was training/);
    expect(run.checkpoints).toEqual([expect.objectContaining({ tag: 'latest', epoch: 1, step: 2 })]);
    expect(run.options.netG).toBe('unet_32');
    // The interrupted span ends at its last heartbeat: 10 minutes.
    expect(run.durationSeconds).toBe(600);
  });

  it('lists unreadable runs with the reason instead of failing, and skips folders that are no run', async () => {
    const dir = join(project, 'runs', 'bad');
    await mkdir(dir);
    await writeFile(join(dir, 'options.json'), '{"model": "stylegan"}');
    await mkdir(join(project, 'runs', 'empty'));
    const { runs, broken } = await service.list();
    expect(runs).toEqual([]);
    expect(broken).toEqual([{ name: 'bad', error: expect.stringMatching(/options\.json/) }]);
  });

  it('reads metrics from a byte offset: complete lines only, then what was appended', async () => {
    const dir = await writeRun('m', {}, { metrics: line(1, { a: 1 }) + line(2, { a: 2 }) });
    let r = await service.metrics('m', 0, 1000);
    expect(r.columns.step).toEqual([1, 2]);
    expect(r.columns.losses).toEqual({ a: [1, 2] });
    expect(r.columns.epochProgress).toEqual([0.25, 0.5]);
    // A line being written is not read until it is complete.
    const third = line(3, { a: 3, b: 9 });
    await appendFile(join(dir, 'metrics.jsonl'), third.slice(0, 20));
    r = await service.metrics('m', r.next, 1000);
    expect(r.columns.step).toEqual([]);
    await appendFile(join(dir, 'metrics.jsonl'), third.slice(20));
    r = await service.metrics('m', r.next, 1000);
    expect(r).toMatchObject({ reset: false, more: false });
    expect(r.columns).toMatchObject({ step: [3], losses: { a: [3], b: [9] } });
  });

  it('pages through a long log with a limit, and starts over when the log was rewritten', async () => {
    const lines = Array.from({ length: 25 }, (_, i) => line(i + 1, { a: i })).join('');
    const dir = await writeRun('long', {}, { metrics: lines });
    const first = await service.metrics('long', 0, 10);
    expect(first.columns.step).toHaveLength(10);
    expect(first.more).toBe(true);
    const second = await service.metrics('long', first.next, 100);
    expect(second.columns.step[0]).toBe(11);
    expect(second.columns.step).toHaveLength(15);
    await writeFile(join(dir, 'metrics.jsonl'), line(1, { a: 5 }));
    const again = await service.metrics('long', second.next, 100);
    expect(again).toMatchObject({ reset: true, offset: 0 });
    expect(again.columns.step).toEqual([1]);
  });

  it('exports the metrics as CSV under exports/', async () => {
    await writeRun('csv', {}, { metrics: line(1, { G_GAN: 0.5, G_L1: 12 }) + line(2, { G_GAN: 0.25, G_L1: 10 }) });
    const r = await service.exportCsv('csv');
    expect(r).toMatchObject({ rel: 'exports/csv-metrics.csv', rows: 2 });
    const text = await readFile(r.path, 'utf8');
    expect(text.split('\n')).toEqual([
      'step,epoch,time,lr,G_GAN,G_L1',
      `1,1,${new Date((1_764_150_000 + 1) * 1000).toISOString()},0.0002,0.5,12`,
      `2,1,${new Date((1_764_150_000 + 2) * 1000).toISOString()},0.0002,0.25,10`,
      '',
    ]);
  });

  it('lists previews from their folders, in step order, as project paths', async () => {
    const dir = await writeRun('p', {});
    for (const step of [400, 80]) {
      await mkdir(join(dir, 'previews', String(step)), { recursive: true });
      for (const v of ['real_A', 'fake_B', 'real_B']) await writeFile(join(dir, 'previews', String(step), `${v}.png`), '');
    }
    const entries = await service.previews('p');
    expect(entries.map((e) => e.step)).toEqual([80, 400]);
    expect(entries[0]!.visuals.map((v) => v.path)).toEqual(['runs/p/previews/80/fake_B.png', 'runs/p/previews/80/real_A.png', 'runs/p/previews/80/real_B.png']);
  });

  it('prefers the preview index, which keeps the model’s order of visuals', async () => {
    const dir = await writeRun('pi', {});
    await mkdir(join(dir, 'previews'), { recursive: true });
    const files = Object.fromEntries(['real_A', 'fake_B', 'real_B'].map((v) => [v, join('previews', '8', `${v}.png`)]));
    await writeFile(
      join(dir, 'previews', 'index.json'),
      JSON.stringify({ visualNames: ['real_A', 'fake_B', 'real_B'], entries: [{ step: 8, epoch: 2, total_iters: 8, time: '2026-11-26T10:00:00.000Z', files }] }),
    );
    expect(await service.previews('pi')).toEqual([
      {
        step: 8,
        epoch: 2,
        time: Date.parse('2026-11-26T10:00:00.000Z') / 1000,
        visuals: [
          { name: 'real_A', path: 'runs/pi/previews/8/real_A.png' },
          { name: 'fake_B', path: 'runs/pi/previews/8/fake_B.png' },
          { name: 'real_B', path: 'runs/pi/previews/8/real_B.png' },
        ],
      },
    ]);
  });

  it('a run name that is not a folder name is refused; an unknown run is not-found', async () => {
    await expect(service.get('../x')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(service.get('nope')).rejects.toMatchObject({ code: 'not-found', message: expect.stringMatching(/nope/) });
  });
});

describe('validation', () => {
  it('reads the dataset as the loader would: images, input size, steps per epoch', async () => {
    const r = await service.validate(tinyRun());
    expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.dataset).toMatchObject({ mode: 'aligned', images: 4, width: 32, height: 32, stepsPerEpoch: 4 });
    expect(r.resolved?.checkpoints_dir).toBe(join(project, 'runs'));
  });

  it('explains a crop unet_256 cannot take, a missing folder and a taken name', async () => {
    await writeRun('taken', {});
    const r = await service.validate({ ...tinyRun('taken'), netG: 'unet_256', dataroot: join(root, 'missing') });
    expect(r.ok).toBe(false);
    const at = (p: string) => r.issues.filter((i) => i.path === p).map((i) => i.message).join(' | ');
    expect(at('crop_size')).toMatch(/unet_256 halves the image 8 times.*32×32/);
    expect(at('dataroot')).toMatch(/missing does not exist/);
    expect(at('name')).toMatch(/a run named “taken” exists/);
  });

  it('a layout the mode cannot read is named with the folder it expected', async () => {
    const r = await service.validate({ ...tinyRun(), model: 'cycle_gan', netG: 'resnet_6blocks' });
    expect(r.ok).toBe(false);
    expect(r.issues.find((i) => i.path === 'dataroot')?.message).toMatch(/trainA/);
  });

  it('start refuses invalid options with every problem, and creates nothing', async () => {
    const err = await service.start({ ...tinyRun('no'), netG: 'unet_256' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('invalid-payload');
    expect((err as ApiError).message).toMatch(/crop_size: .*unet_256/);
    expect(engine.jobs).toHaveLength(0);
    expect((await service.list()).runs).toEqual([]);
  });
});

describe('a run’s life', () => {
  it('start → progress → pause → resume → stop: states, events and status.json follow', async () => {
    const started = await service.start(tinyRun());
    expect(started).toMatchObject({ name: 'tiny', state: 'queued' });
    const job = engine.last;
    expect(job.kind).toBe('train');
    const params = job.params as { options: TrainOptions };
    expect(params.options).toMatchObject({ name: 'tiny', checkpoints_dir: join(project, 'runs'), netG: 'unet_32', continue_train: false });
    expect((await service.get('tiny')).state).toBe('queued');

    // Two steps 0.5 s apart: 2 it/s; 8 steps in all.
    job.options.onProgress!({ done: 1, total: 8, message: 'step 1', data: { step: 1, epoch: 1, losses: { G_GAN: 0.7, G_L1: 40 }, lr: 2e-4, memory: { rss: 300 * 2 ** 20, numBytes: 10 * 2 ** 20 } } });
    now = new Date(now.getTime() + 500);
    job.options.onProgress!({ done: 2, total: 8, message: 'step 2', data: { step: 2, epoch: 1, losses: { G_GAN: 0.6, G_L1: 30 }, lr: 2e-4 } });
    // Updates closer than 100 ms are folded into one that follows.
    await new Promise((r) => setTimeout(r, 150));
    let p = progressEvents().at(-1)!;
    expect(p).toMatchObject({ name: 'tiny', state: 'running', step: 2, totalSteps: 8, losses: { G_GAN: 0.6, G_L1: 30 }, lr: 2e-4, memory: { rssMiB: 300, tensorMiB: 10 } });
    expect(p.itPerSec).toBeCloseTo(2, 6);
    expect(p.etaSeconds).toBeCloseTo(3, 6);
    expect(p.elapsedSeconds).toBeCloseTo(0.5, 6);
    expect(events.some((e) => e.name === 'job:progress')).toBe(true);

    await service.pause('tiny');
    expect(engine.paused).toEqual([job.id]);
    job.options.onPaused!(true);
    expect(progressEvents().at(-1)).toMatchObject({ state: 'paused', itPerSec: null });
    expect((await service.get('tiny')).state).toBe('paused');
    await expect(service.pause('tiny')).resolves.toMatchObject({ state: 'paused' });

    await service.resume('tiny', {});
    expect(engine.resumed).toEqual([job.id]);
    job.options.onPaused!(false);
    expect(progressEvents().at(-1)!.state).toBe('running');

    await service.stop('tiny');
    expect(engine.cancelled).toEqual([job.id]);
    expect(progressEvents().at(-1)!.state).toBe('stopping');
    job.reject(new ApiError('cancelled', 'Job train was cancelled'));
    p = await settledAs('stopped');
    expect(p).toMatchObject({ state: 'stopped', jobId: null });
    expect(p.error).toBeUndefined();
    const status = await readStatus(join(project, 'runs', 'tiny'));
    expect(status).toMatchObject({ state: 'stopped', jobId: null, totalSteps: 8, imagesPerEpoch: 4 });
    expect(status!.spans.every((s) => s.end)).toBe(true);
    expect(events.at(-1)).toMatchObject({ name: 'job:finished', payload: { kind: 'train', ok: false } });
  });

  it('a failure is recorded with its cause', async () => {
    await service.start(tinyRun());
    engine.last.options.onProgress!({ done: 1, total: 8, message: '', data: { step: 1 } });
    engine.last.reject(new ApiError('failed', 'non-finite loss (G_GAN = NaN): training diverged; try a lower --lr'));
    expect(await settledAs('failed')).toMatchObject({ state: 'failed', error: expect.stringMatching(/non-finite loss/) });
    const run = await service.get('tiny');
    expect(run).toMatchObject({ state: 'failed', error: expect.stringMatching(/G_GAN = NaN/) });
  });

  it('the studio quitting mid-run leaves it interrupted; a new session resumes it from latest', async () => {
    await service.start(tinyRun());
    const first = engine.last;
    first.options.onProgress!({ done: 3, total: 8, message: '', data: { step: 3 } });
    engine.state = 'stopped';
    first.reject(new ApiError('cancelled', 'Atelier is shutting down: job train cancelled'));
    expect(await settledAs('interrupted')).toMatchObject({ state: 'interrupted', error: expect.stringMatching(/shutting down/) });

    // The next session: no live job; the status file says what happened.
    engine = new ScriptedEngine();
    service = makeService();
    await expect(service.resume('tiny', {})).rejects.toThrow(/no checkpoint to resume from/);
    // As the engine writes it: where the run stands is in `position`.
    await writeCheckpoint(join(project, 'runs', 'tiny', 'checkpoints'), 'latest', { meta: { sequence: 3, position: { epoch: 1, step: 3 } }, tensors: new Map() });
    expect((await service.get('tiny')).checkpoints).toEqual([expect.objectContaining({ tag: 'latest', epoch: 1, step: 3 })]);
    expect((await service.list()).runs[0]).toMatchObject({ name: 'tiny', state: 'interrupted' });
    const resumed = await service.resume('tiny', { n_epochs: 2 });
    expect(resumed.state).toBe('queued');
    expect((engine.last.params as { options: TrainOptions }).options).toMatchObject({ continue_train: true, epoch: 'latest', n_epochs: 2, name: 'tiny' });
  });

  it('a run killed with the server (status running, no job) is interrupted after a restart', async () => {
    await service.start(tinyRun());
    engine.last.options.onProgress!({ done: 1, total: 8, message: '', data: { step: 1 } });
    await settledAs('running');
    await new Promise((r) => setTimeout(r, 200));
    // kill -9: nothing more is written.
    service = makeService();
    expect((await service.get('tiny')).state).toBe('interrupted');
  });

  it('pause and stop need a live run', async () => {
    await writeRun('idle', {});
    await expect(service.pause('idle')).rejects.toThrow(/not running/);
    await expect(service.stop('idle')).rejects.toThrow(/not running/);
  });

  it('a finished run resumes only with more epochs', async () => {
    await service.start(tinyRun());
    engine.last.resolve({ steps: 8 });
    await settledAs('finished');
    await expect(service.resume('tiny', {})).rejects.toThrow(/has finished; give it more epochs/);
  });
});

describe('RateMeter', () => {
  it('measures iterations per second over the recent steps and forgets a restart', () => {
    const m = new RateMeter();
    m.add(10, 0);
    expect(m.perSecond()).toBeNull();
    m.add(20, 2000);
    expect(m.perSecond()).toBe(5);
    m.add(5, 3000);
    expect(m.perSecond()).toBeNull();
  });
});

describe('metrics lines', () => {
  it('reads the engine’s step records, skips its events, and places steps within their epoch', async () => {
    const dir = await writeRun('engine-log', {});
    const step = (n: number, epoch: number, epochIter: number) =>
      JSON.stringify({ type: 'step', step: n, epoch, epoch_iter: epochIter, total_iters: n, lr: 2e-4, losses: { G_GAN: 1 / n }, step_s: 0.1, data_s: 0, time: new Date(1_764_150_000_000 + n * 1000).toISOString() });
    await writeFile(
      join(dir, 'metrics.jsonl'),
      [step(1, 1, 1), step(2, 1, 2), JSON.stringify({ type: 'event', event: 'checkpoint', step: 2, time: new Date().toISOString(), tag: 'latest' }), step(3, 2, 1), ''].join('\n'),
    );
    await writeFile(join(dir, 'status.json'), JSON.stringify({ state: 'stopped', created: '2026-11-26T09:00:00.000Z', updated: '2026-11-26T09:00:00.000Z', imagesPerEpoch: 4 }));
    const r = await service.metrics('engine-log', 0, 100);
    expect(r.columns.step).toEqual([1, 2, 3]);
    expect(r.columns.epochProgress).toEqual([0.25, 0.5, 1.25]);
    expect(r.columns.time).toEqual([1_764_150_001, 1_764_150_002, 1_764_150_003]);
    expect(r.columns.losses).toEqual({ G_GAN: [1, 0.5, 1 / 3] });
  });

  it('accepts the field spellings of the reference’s log and skips damaged lines', async () => {
    const dir = await writeRun('spell', {});
    await writeFile(
      join(dir, 'metrics.jsonl'),
      [
        JSON.stringify({ iter: 4, epoch: 1, time: '2026-11-26T10:00:00Z', learning_rate: 1e-4, D_real: 0.5, D_fake: 0.25 }),
        '{"step": 5, "epo',
        JSON.stringify({ step: 6, epoch: 2, time: 1_764_150_000_000, lr: 1e-4, losses: { D_real: null, D_fake: 0.5 } }),
        '',
      ].join('\n'),
    );
    const { records } = await readMetrics(dir, 0, 100);
    expect(records.map((r) => r.step)).toEqual([4, 6]);
    expect(records[0]).toMatchObject({ time: Date.parse('2026-11-26T10:00:00Z') / 1000, lr: 1e-4, losses: { D_real: 0.5, D_fake: 0.25 } });
    expect(records[1]!.time).toBe(1_764_150_000);
    expect(records[1]!.losses.D_real).toBeNaN();
  });
});
