/**
 * The first-run view's logic against an in-memory main: when the welcome opens by itself,
 * how a tour opens the demo and leaves the workspace ready (the painting tour's label map
 * and tool, the masking tour's photo and brush), and how a failure reaches the user.
 */
import { describe, expect, it, vi } from 'vitest';
import { createClient } from '../../src/renderer/src/api/client';
import { ApiError } from '../../src/renderer/src/api/errors';
import type { ConnectionState, Transport } from '../../src/renderer/src/api/transport';
import { encodeIds } from '../../src/renderer/src/canvas/label-codec';
import { createFirstRun } from '../../src/renderer/src/shell/first-run/state';
import { openDemo, tourRunName } from '../../src/renderer/src/shell/first-run/tours';
import { createStore } from '../../src/renderer/src/state/store';
import { createStudio } from '../../src/renderer/src/state/studio';
import { translateControllerFor } from '../../src/renderer/src/workspaces/translate/controller';
import type { DemoDescriptor } from '../../src/shared/api/demo';
import type { ModelInfo } from '../../src/shared/api/translate';
import { FACADES_PALETTE } from '../../src/shared/palettes';

const backend = { name: 'wasm' as const, device: 'CPU', threads: 2, attempts: [] };
const DEMO_ROOT = '/home/me/.config/atelier/demo';

const descriptor: DemoDescriptor = {
  version: 1,
  tours: {
    paint: { modelId: 'models/facades-pix2pix', direction: 'BtoA', itemId: 'abc123' },
    mask: { modelId: 'models/day-dusk-cyclegan', direction: 'AtoB', photo: 'data/day-dusk/testA/day_test_03.jpg' },
    train: { options: { model: 'pix2pix', dataroot: 'data/facades', n_epochs: 1 } },
  },
};

const manifest = (name: string, demo?: DemoDescriptor) => ({
  format: 'atelier-project' as const,
  version: 1,
  name,
  created: '2026-01-01T00:00:00.000Z',
  modified: '2026-01-01T00:00:00.000Z',
  ...(demo ? { demo } : {}),
});

const generator = { netG: 'unet_64', ngf: 16, norm: 'batch' as const, inputNc: 3, outputNc: 3, useDropout: true };
const models: ModelInfo[] = [
  {
    id: 'models/facades-pix2pix',
    name: 'Facades (label map → facade)',
    origin: 'saved',
    kind: 'pix2pix',
    domains: { A: 'facade', B: 'label map' },
    directions: [{ direction: 'BtoA', from: 'label map', to: 'facade', generator }],
  },
  {
    id: 'models/day-dusk-cyclegan',
    name: 'Day ⇄ dusk',
    origin: 'saved',
    kind: 'cycle_gan',
    domains: { A: 'day', B: 'dusk' },
    directions: [
      { direction: 'AtoB', from: 'day', to: 'dusk', generator: { ...generator, netG: 'resnet_6blocks', norm: 'instance', useDropout: false } },
      { direction: 'BtoA', from: 'dusk', to: 'day', generator: { ...generator, netG: 'resnet_6blocks', norm: 'instance', useDropout: false } },
    ],
  },
];

/** The saved label map of the painting tour's item: wall with a window, 16×8. */
const savedIds = (() => {
  const ids = new Uint8Array(16 * 8).fill(1);
  for (let y = 2; y < 6; y++) for (let x = 4; x < 8; x++) ids[y * 16 + x] = 3;
  return ids;
})();

/** A main process in memory with the demo and a user's own project. */
function fakeMain(options: { open?: 'demo' | 'own' | null; models?: ModelInfo[] } = {}) {
  const calls: [string, unknown][] = [];
  const demo = { root: DEMO_ROOT, manifest: manifest('Atelier demo', descriptor) };
  const own = { root: '/work/mine', manifest: manifest('Mine') };
  let current = options.open === 'demo' ? demo : options.open === 'own' ? own : null;
  const handlers: Record<string, (input: any) => unknown> = {
    'app:info': () => ({ version: '0.1.0', platform: 'browser', backend, engineState: 'ready', project: current }),
    'engine:status': () => ({ state: 'ready', backend, job: null, queued: 0, restarts: 0 }),
    'demo:open': () => {
      current = demo;
      return { project: demo, copied: true };
    },
    'project:open': ({ dir }: { dir: string }) => {
      if (dir !== DEMO_ROOT) throw new ApiError('not-found', `No atelier.json in ${dir}`, 'project:open');
      current = demo;
      return demo;
    },
    'models:list': () => ({ models: options.models ?? models, broken: [] }),
    'dataset:get': () => ({ paletteId: 'facades' }),
    'labels:palettes': () => ({ builtin: [FACADES_PALETTE], custom: [] }),
    'labels:load': ({ itemId }: { itemId: string }) =>
      itemId === 'abc123' ? { width: 16, height: 8, encoding: 'rle', data: encodeIds(savedIds) } : null,
    'translate:open': ({ path }: { path: string }) => ({ path: `${DEMO_ROOT}/${path}`, rel: path, name: 'day_test_03.jpg', width: 128, height: 128 }),
    'translate:preview': () => ({ jobId: `preview-${calls.length}` }),
  };
  const transport: Transport = {
    platform: 'browser',
    connection: createStore<ConnectionState>({ status: 'open' }),
    async invoke(name, input) {
      calls.push([name, input]);
      const handler = handlers[name];
      if (!handler) throw new ApiError('unknown-channel', `no handler for ${name}`, name);
      return handler(input);
    },
    on: () => () => undefined,
    close() {},
  };
  return { client: createClient(transport), calls };
}

async function loadedStudio(main: ReturnType<typeof fakeMain>) {
  const studio = createStudio(main.client);
  await studio.refresh();
  return studio;
}

describe('the welcome', () => {
  it('opens by itself when the studio lands on the demo with no workspace in the address', async () => {
    const main = fakeMain({ open: 'demo' });
    const studio = createStudio(main.client);
    const firstRun = createFirstRun(studio, { landedWithoutWorkspace: true });
    expect(firstRun.store.get().welcome).toBe(false);
    await studio.refresh();
    expect(firstRun.store.get().welcome).toBe(true);
    firstRun.hideWelcome();
    expect(firstRun.store.get().welcome).toBe(false);
  });

  it('stays closed after a reload into a workspace, and over the user\'s own project', async () => {
    const reload = await loadedStudio(fakeMain({ open: 'demo' }));
    expect(createFirstRun(reload, { landedWithoutWorkspace: false }).store.get().welcome).toBe(false);
    const own = await loadedStudio(fakeMain({ open: 'own' }));
    expect(createFirstRun(own, { landedWithoutWorkspace: true }).store.get().welcome).toBe(false);
  });
});

describe('the tours', () => {
  it('open the user\'s copy of the demo, or use it when it is open already', async () => {
    const main = fakeMain({ open: null });
    const studio = await loadedStudio(main);
    const { project, tours } = await openDemo(studio);
    expect(project.root).toBe(DEMO_ROOT);
    expect(tours.paint.itemId).toBe('abc123');
    expect(studio.session.get().project?.root).toBe(DEMO_ROOT);
    expect(main.calls.filter(([n]) => n === 'demo:open')).toHaveLength(1);
    await openDemo(studio);
    expect(main.calls.filter(([n]) => n === 'demo:open')).toHaveLength(1);
  });

  it('painting: Translate with the label → facade model, the saved label map as the source, the brush on windows', async () => {
    const studio = await loadedStudio(fakeMain({ open: null }));
    const firstRun = createFirstRun(studio, { landedWithoutWorkspace: true });
    expect(await firstRun.start('paint')).toBe(true);
    expect(studio.ui.get().workspace).toBe('translate');
    const translate = translateControllerFor(studio);
    const s = translate.store.get();
    expect([s.modelId, s.direction, s.source?.kind]).toEqual(['models/facades-pix2pix', 'BtoA', 'labels']);
    const editor = translate.labelEditor!;
    expect([editor.map.width, editor.map.height]).toEqual([16, 8]);
    expect([...editor.map.ids]).toEqual([...savedIds]);
    expect(editor.toolId).toBe('brush');
    expect(FACADES_PALETTE.classes.find((c) => c.id === editor.activeClass)?.name).toBe('window');
    expect(firstRun.store.get()).toMatchObject({ running: null, error: null, welcome: false });
    translate.dispose();
  });

  it('masking: Translate with the day → dusk model, the demo photo open and the mask brush ready', async () => {
    const main = fakeMain({ open: 'demo' });
    const studio = await loadedStudio(main);
    const firstRun = createFirstRun(studio, { landedWithoutWorkspace: true });
    expect(await firstRun.start('mask')).toBe(true);
    expect(studio.ui.get().workspace).toBe('translate');
    expect(main.calls).toContainEqual(['translate:open', { path: 'data/day-dusk/testA/day_test_03.jpg' }]);
    const translate = translateControllerFor(studio);
    const s = translate.store.get();
    expect([s.modelId, s.direction, s.source?.kind]).toEqual(['models/day-dusk-cyclegan', 'AtoB', 'photo']);
    expect(translate.maskEditor!.toolId).toBe('brush');
    // Nothing is masked yet: the whole photo is translated until the user paints.
    expect(translate.maskEditor!.map.ids.every((v) => v === 0)).toBe(true);
    translate.dispose();
  });

  it('say why when the demo lacks a model, inline and as a toast, and stay where they were', async () => {
    const studio = await loadedStudio(fakeMain({ open: 'demo', models: [models[0]!] }));
    const firstRun = createFirstRun(studio, { landedWithoutWorkspace: true });
    expect(await firstRun.start('mask')).toBe(false);
    expect(firstRun.store.get().error).toMatch(/models\/day-dusk-cyclegan is not in the project's library/);
    expect(studio.toasts.store.get()).toMatchObject([{ kind: 'error', title: 'The tour could not start' }]);
    expect(studio.ui.get().workspace).toBe('dataset');
    translateControllerFor(studio).dispose();
  });

  it('name the training run first-run, or the next free first-run-<n>', () => {
    expect(tourRunName([])).toBe('first-run');
    expect(tourRunName(['first-run', 'pix2pix-1'])).toBe('first-run-2');
    expect(tourRunName(['first-run', 'first-run-2', 'first-run-3'])).toBe('first-run-4');
  });

  it('refuse to start a second tour while one is being set up', async () => {
    const studio = await loadedStudio(fakeMain({ open: 'demo' }));
    const firstRun = createFirstRun(studio, { landedWithoutWorkspace: true });
    const first = firstRun.start('mask');
    expect(await firstRun.start('paint')).toBe(false);
    expect(await first).toBe(true);
    await vi.waitFor(() => expect(firstRun.store.get().running).toBeNull());
    translateControllerFor(studio).dispose();
  });
});
