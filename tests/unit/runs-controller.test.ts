/**
 * The Train workspace's controller without React: live progress into the run list,
 * notifications when a run ends (with the run's name and the cause), starting from the
 * form, and the page asking before it closes while a run trains.
 */
import { describe, expect, it } from 'vitest';
import type { RunSummary, TrainProgress } from '../../src/shared/api/train';
import { resolveTrainOptions } from '../../src/shared/train-options';
import type { AtelierClient } from '../../src/renderer/src/api/client';
import { createTrainController } from '../../src/renderer/src/workspaces/train/controller';
import { setField } from '../../src/renderer/src/workspaces/train/form-model';

function fakeApi(runs: RunSummary[]) {
  const calls: { name: string; input: unknown }[] = [];
  const listeners = new Map<string, (payload: unknown) => void>();
  const api = {
    platform: 'browser',
    invoke: async (name: string, input: unknown) => {
      calls.push({ name, input });
      if (name === 'runs:list') return { runs, broken: [] };
      if (name === 'train:start') return { name: (input as { options: { name: string } }).options.name, state: 'queued', jobId: 'j1' };
      if (name === 'train:validate') return { ok: true, issues: [], resolved: null, dataset: null };
      if (name === 'runs:metrics') return { offset: 0, next: 0, reset: false, more: false, columns: { step: [], epoch: [], epochProgress: [], time: [], lr: [], losses: {} } };
      if (name === 'runs:previews') return { entries: [] };
      throw new Error(`unexpected ${name}`);
    },
    on: (name: string, listener: (payload: unknown) => void) => {
      listeners.set(name, listener);
      return () => listeners.delete(name);
    },
  } as unknown as AtelierClient;
  return { api, calls, emit: (name: string, payload: unknown) => listeners.get(name)?.(payload) };
}

const summary = (name: string, state: RunSummary['state']): RunSummary => ({
  name,
  state,
  options: resolveTrainOptions({ name, dataroot: '/d', model: 'pix2pix', seed: 1 }),
  jobId: state === 'running' ? 'j1' : null,
  created: '2026-11-26T10:00:00.000Z',
  updated: '2026-11-26T10:00:00.000Z',
  durationSeconds: 0,
  step: 0,
  epoch: 1,
  totalSteps: 100,
  lastLosses: {},
  lr: null,
  checkpoints: [],
  modelId: null,
});

const progress = (name: string, state: TrainProgress['state'], extra: Partial<TrainProgress> = {}): TrainProgress => ({
  name,
  jobId: 'j1',
  state,
  step: 10,
  totalSteps: 100,
  epoch: 1,
  totalEpochs: 200,
  losses: { G_GAN: 0.5 },
  lr: 2e-4,
  itPerSec: 2,
  etaSeconds: 45,
  elapsedSeconds: 5,
  memory: null,
  ...extra,
});

const flush = () => new Promise((r) => setTimeout(r, 0));

function setup(runs: RunSummary[] = []) {
  const fake = fakeApi(runs);
  const notes: { kind: string; title: string; message?: string }[] = [];
  const controller = createTrainController(fake.api, {
    error: (e, title) => notes.push({ kind: 'error', title, message: String(e) }),
    notify: (kind, title, message) => notes.push({ kind, title, message }),
  });
  return { ...fake, notes, controller };
}

describe('Train controller', () => {
  it('follows live progress into the run list and announces the outcome once, with the run and the cause', async () => {
    const { controller, emit, notes } = setup([summary('facades', 'running')]);
    controller.connect();
    await flush();
    emit('train:progress', progress('facades', 'running', { step: 42, losses: { G_GAN: 0.25 } }));
    expect(controller.store.get().runs[0]).toMatchObject({ state: 'running', step: 42, lastLosses: { G_GAN: 0.25 } });
    expect(controller.anyLive()).toBe(true);
    emit('train:progress', progress('facades', 'failed', { error: 'training stopped at step 43: non-finite loss' }));
    emit('train:progress', progress('facades', 'failed', { error: 'training stopped at step 43: non-finite loss' }));
    expect(notes).toEqual([{ kind: 'error', title: 'Run “facades” failed', message: 'training stopped at step 43: non-finite loss' }]);
    expect(controller.anyLive()).toBe(false);
    expect(controller.canResume('facades')).toBe(true);
  });

  it('a finished run is announced as a success', async () => {
    const { controller, emit, notes } = setup([summary('r', 'running')]);
    controller.connect();
    await flush();
    emit('train:progress', progress('r', 'finished', { step: 100 }));
    expect(notes).toEqual([{ kind: 'success', title: 'Run “r” finished', message: '100 steps' }]);
  });

  it('starts nothing while the form has errors, and sends the form’s options when it has none', async () => {
    const { controller, calls, notes } = setup();
    controller.connect();
    await flush();
    expect(await controller.start()).toBe(false);
    expect(calls.some((c) => c.name === 'train:start')).toBe(false);
    expect(notes.at(-1)?.title).toBe('The run cannot start');
    let form = controller.store.get().form;
    form = setField(setField(setField(form, 'dataroot', '/data/facades'), 'crop_size', '32'), 'load_size', '36');
    form = setField(setField(form, 'name', 'tiny'), 'netG', 'unet_32');
    controller.setForm(form);
    expect(await controller.start()).toBe(true);
    const sent = calls.find((c) => c.name === 'train:start')!.input as { options: Record<string, unknown> };
    expect(sent.options).toMatchObject({ name: 'tiny', model: 'pix2pix', dataroot: '/data/facades', crop_size: 32, netG: 'unet_32' });
    expect(controller.store.get().view).toEqual({ kind: 'run', name: 'tiny' });
    controller.dispose();
  });

  it('suggests a free run name once the list is known, and a prefilled run keeps the model’s defaults', async () => {
    const { controller } = setup([summary('pix2pix-1', 'finished')]);
    controller.connect();
    await flush();
    expect(controller.store.get().form.values.name).toBe('pix2pix-2');
    controller.prefillNewRun({ model: 'cycle_gan', dataroot: 'demo/landscapes', crop_size: 64 });
    const s = controller.store.get();
    expect(s.view).toEqual({ kind: 'new' });
    expect(s.form.model).toBe('cycle_gan');
    expect(s.form.values).toMatchObject({ name: 'cyclegan-1', dataroot: 'demo/landscapes', crop_size: '64', netG: 'resnet_9blocks', lambda_identity: '0.5' });
  });
});
