import { describe, expect, it } from 'vitest';
import type { JobFinished, JobProgress } from '../../src/shared/api/engine';
import type { ModelInfo, OpenedPhoto, PreviewResult } from '../../src/shared/api/translate';
import { rleDecode } from '../../src/shared/rle';
import { paintSegment } from '../../src/renderer/src/canvas/label-ops';
import { fromBase64 } from '../../src/renderer/src/canvas/label-codec';
import { startJob } from '../../src/renderer/src/workspaces/translate/job-client';
import { createTranslateController } from '../../src/renderer/src/workspaces/translate/controller';
import { TRANSLATE } from '../../src/renderer/src/workspaces/translate/mask';
import type { AtelierClient } from '../../src/renderer/src/api/client';

/** A fake client: requests are recorded and answered by the test; events are pushed by it. */
class FakeApi {
  readonly calls: { name: string; input: unknown }[] = [];
  readonly jobIds: { name: string; id: string }[] = [];
  private listeners = new Map<string, Set<(p: unknown) => void>>();
  private nextJob = 1;
  models: ModelInfo[] = [];
  photo: OpenedPhoto = { path: '/p/exports/.uploads/abc-horse.jpg', rel: 'exports/.uploads/abc-horse.jpg', name: 'horse.jpg', width: 64, height: 48 };

  invoke = async (name: string, input: unknown): Promise<unknown> => {
    this.calls.push({ name, input });
    await Promise.resolve();
    switch (name) {
      case 'models:list':
        return { models: this.models, broken: [] };
      case 'translate:open':
        return this.photo;
      case 'translate:preview':
      case 'translate:export': {
        const id = `job-${this.nextJob++}`;
        this.jobIds.push({ name, id });
        return { jobId: id };
      }
      case 'job:cancel':
        return { cancelled: true };
      default:
        throw new Error(`unexpected request ${name}`);
    }
  };

  on = (name: string, listener: (p: unknown) => void) => {
    if (!this.listeners.has(name)) this.listeners.set(name, new Set());
    this.listeners.get(name)!.add(listener);
    return () => this.listeners.get(name)!.delete(listener);
  };

  emit(name: 'job:finished', payload: JobFinished): void;
  emit(name: 'job:progress', payload: JobProgress): void;
  emit(name: string, payload: unknown) {
    for (const l of [...(this.listeners.get(name) ?? [])]) l(payload);
  }

  client(): AtelierClient {
    return {
      platform: 'browser',
      connection: { get: () => ({ status: 'open' }), subscribe: () => () => undefined },
      invoke: this.invoke as AtelierClient['invoke'],
      on: this.on as AtelierClient['on'],
      projectFileUrl: (rel: string) => `/project-file/${rel}`,
      close: () => undefined,
    };
  }

  requests(name: string) {
    return this.calls.filter((c) => c.name === name);
  }
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 0));
};

const preview = (width: number, height: number): PreviewResult => ({
  png: 'iVBORw0KGgo=',
  width,
  height,
  sourceWidth: width,
  sourceHeight: height,
  engine: 'onnxruntime (CPU)',
  ms: { load: 0, infer: 12, total: 20 },
});

const model: ModelInfo = {
  id: 'models/h2z',
  name: 'Horse ⇄ zebra',
  origin: 'saved',
  kind: 'cycle_gan',
  domains: { A: 'horse', B: 'zebra' },
  directions: [
    { direction: 'AtoB', from: 'horse', to: 'zebra', generator: { netG: 'resnet_9blocks', ngf: 64, norm: 'instance', inputNc: 3, outputNc: 3, useDropout: false } },
    { direction: 'BtoA', from: 'zebra', to: 'horse', generator: { netG: 'resnet_9blocks', ngf: 64, norm: 'instance', inputNc: 3, outputNc: 3, useDropout: false } },
  ],
};

describe('startJob', () => {
  it('resolves with the result even when job:finished beats the reply carrying the id', async () => {
    const api = new FakeApi();
    const seen: number[] = [];
    const job = startJob<{ n: number }>(api.client(), 'translate:export', {} as never, (p) => seen.push(p.done));
    // Events for this job arrive before the request's reply.
    api.emit('job:progress', { jobId: 'job-1', kind: 'translate:export', done: 1, total: 2, message: '' });
    api.emit('job:finished', { jobId: 'job-1', kind: 'translate:export', ok: true, result: { n: 7 } });
    api.emit('job:finished', { jobId: 'job-9', kind: 'translate:export', ok: true, result: { n: 0 } });
    await expect(job.result).resolves.toEqual({ n: 7 });
    expect(await job.jobId).toBe('job-1');
    expect(seen).toEqual([1]);
  });

  it('rejects with the job error code, and cancels by id once it is known', async () => {
    const api = new FakeApi();
    const job = startJob(api.client(), 'translate:preview', {} as never);
    job.cancel(); // before the id is known
    await flush();
    expect(api.requests('job:cancel')).toEqual([{ name: 'job:cancel', input: { jobId: 'job-1' } }]);
    api.emit('job:finished', { jobId: 'job-1', kind: 'translate:preview', ok: false, error: { code: 'cancelled', message: 'cancelled' } });
    await expect(job.result).rejects.toMatchObject({ code: 'cancelled' });
  });
});

describe('translate controller', () => {
  async function setup() {
    const api = new FakeApi();
    api.models = [model];
    const info: string[] = [];
    const controller = createTranslateController(api.client(), { error: () => undefined, info: (t) => info.push(t) }, {
      decodePng: async () => ({ width: 1, height: 1 }),
      encodeLabels: async () => 'cG5n',
    });
    controller.setProject('/p');
    await flush();
    return { api, controller, info };
  }

  it('picks the first model and its first direction, and offers the domains by name', async () => {
    const { controller } = await setup();
    expect(controller.store.get()).toMatchObject({ modelId: 'models/h2z', direction: 'AtoB' });
    controller.setDirection('BtoA');
    expect(controller.store.get().direction).toBe('BtoA');
    expect(() => controller.selectModel('models/none')).toThrow(/No model models\/none/);
  });

  it('previews an opened photo, then follows mask strokes with the mask, cancelling stale jobs', async () => {
    const { api, controller } = await setup();
    await controller.openPhotoPath('/data/horse.jpg');
    expect(api.requests('translate:open')[0]!.input).toEqual({ path: '/data/horse.jpg' });
    await new Promise((r) => setTimeout(r, 60));
    await flush();
    const first = api.requests('translate:preview');
    expect(first).toHaveLength(1);
    // A 64×48 photo needs no draft: one full preview, without a blend (nothing painted).
    expect(first[0]!.input).toEqual({
      modelId: 'models/h2z',
      direction: 'AtoB',
      source: { path: api.photo.path },
      maxSize: 64,
      eval: false,
    });

    // A stroke while that preview runs: the stale job is cancelled, the new one carries the mask.
    const mask = controller.maskEditor!;
    mask.map.transact(() => paintSegment(mask.map, { x: 10.5, y: 10.5 }, { x: 30.5, y: 10.5 }, { size: 5, tip: 'round' }, TRANSLATE));
    mask.markSaved(mask.version);
    await new Promise((r) => setTimeout(r, 60));
    await flush();
    expect(api.requests('job:cancel')).toEqual([{ name: 'job:cancel', input: { jobId: 'job-1' } }]);
    const second = api.requests('translate:preview')[1]!.input as { blend: { mask: { width: number; height: number; data: string }; feather: number } };
    expect(second.blend.feather).toBe(8);
    const coverage = rleDecode(fromBase64(second.blend.mask.data), 64 * 48);
    expect([...coverage].filter((v) => v === 255).length).toBe([...mask.map.ids].filter((v) => v === TRANSLATE).length);
    expect(coverage[10 * 64 + 20]).toBe(255);
    expect(coverage[40 * 64 + 20]).toBe(0);

    // Its result is shown, with the latency; the cancelled one's late result is not.
    api.emit('job:finished', { jobId: 'job-1', kind: 'translate:preview', ok: true, result: preview(64, 48) });
    api.emit('job:finished', { jobId: 'job-2', kind: 'translate:preview', ok: true, result: preview(64, 48) });
    await flush();
    const s = controller.store.get();
    expect(s.result).toMatchObject({ quality: 'full', seq: 2, width: 64 });
    expect(s.latency.full).toBeGreaterThan(0);
    expect(s.latency.engineName).toBe('onnxruntime (CPU)');
    controller.dispose();
  });

  it('exports with the mask and blend settings, and reports the result', async () => {
    const { api, controller, info } = await setup();
    await controller.openPhotoPath('/data/horse.jpg');
    controller.setFeather(3);
    controller.setStrength(0.75);
    controller.invertMask(); // everything translated
    const done = controller.exportImage({ output: 'out/h.png', format: 'png', quality: 90, overwrite: false });
    await flush();
    const req = api.requests('translate:export')[0]!.input as Record<string, unknown> & { blend: { mask?: { data: string }; feather: number; strength: number } };
    expect(req).toMatchObject({ modelId: 'models/h2z', direction: 'AtoB', source: { path: api.photo.path }, output: 'out/h.png', format: 'png', overwrite: false });
    expect(req.blend).toMatchObject({ feather: 3, strength: 0.75 });
    expect([...rleDecode(fromBase64(req.blend.mask!.data), 64 * 48)].every((v) => v === 255)).toBe(true);
    const jobId = api.jobIds.find((j) => j.name === 'translate:export')!.id;
    api.emit('job:progress', { jobId, kind: 'translate:export', done: 1, total: 3, message: 'tile 1/2' });
    expect(controller.store.get().exportJob).toMatchObject({ state: 'running', done: 1, total: 3 });
    api.emit('job:finished', { jobId, kind: 'translate:export', ok: true, result: { path: '/p/exports/out/h.png', width: 64, height: 48, tiles: 1, engine: 'x', ms: 5 } });
    await done;
    expect(controller.store.get().exportJob).toMatchObject({ state: 'succeeded' });
    expect(info).toContain('Exported');
    controller.dispose();
  });

  it('refuses to export without a photo', async () => {
    const { controller } = await setup();
    await expect(controller.exportImage({ output: 'x.png', format: 'png', quality: 90, overwrite: false })).rejects.toThrow(/Open a photo/);
  });
});
