import { describe, expect, it } from 'vitest';
import type { DatasetItem, DatasetView } from '../../src/shared/api/dataset';
import { FACADES_PALETTE, CITYSCAPES_PALETTE } from '../../src/shared/palettes';
import { rleDecode, rleEncode } from '../../src/shared/rle';
import type { AtelierClient } from '../../src/renderer/src/api/client';
import { createDatasetController, filterItems } from '../../src/renderer/src/workspaces/dataset/controller';

const item = (id: string, extra: Partial<DatasetItem> = {}): DatasetItem => ({
  id,
  name: `${id}.jpg`,
  domain: 'A',
  file: `dataset/images/A/${id}.jpg`,
  width: 32,
  height: 16,
  thumb: `dataset/.cache/thumbs/${id}.jpg`,
  state: 'unlabelled',
  split: 'train',
  ...extra,
});

function fakeApi(items: DatasetItem[], saved: Record<string, Uint8Array> = {}) {
  const calls: { name: string; input: any }[] = [];
  let saveDelay = 0;
  const view = (): DatasetView => ({
    kind: 'paired',
    paletteId: 'facades',
    split: { seed: 1, ratios: { train: 0.8, val: 0.1, test: 0.1 } },
    items,
    domainNames: { A: 'photo', B: 'label' },
    counts: { total: items.length, byState: {} as never, bySplit: {} as never },
    revision: 1,
  });
  const api = {
    platform: 'browser',
    projectFileUrl: (p: string) => `/project-file/${p}`,
    on: () => () => undefined,
    async invoke(name: string, input: any) {
      calls.push({ name, input });
      switch (name) {
        case 'dataset:get':
          return view();
        case 'labels:palettes':
          return { builtin: [FACADES_PALETTE, CITYSCAPES_PALETTE], custom: [] };
        case 'labels:load': {
          const ids = saved[input.itemId];
          return ids ? { width: 32, height: 16, encoding: 'rle', data: Buffer.from(rleEncode(ids)).toString('base64') } : null;
        }
        case 'labels:save': {
          await new Promise((r) => setTimeout(r, saveDelay));
          saved[input.itemId] = rleDecode(Buffer.from(input.data, 'base64'), input.width * input.height);
          const it = items.find((i) => i.id === input.itemId)!;
          return { item: { ...it, state: input.state ?? 'in-progress', label: { color: 'c', ids: 'i', saved: new Date().toISOString() } }, bytes: { color: 1, ids: 1 } };
        }
        default:
          throw new Error(`unexpected ${name}`);
      }
    },
  } as unknown as AtelierClient;
  return { api, calls, saved, setSaveDelay: (ms: number) => (saveDelay = ms) };
}

const notify = { error: (e: unknown) => { throw e; }, info: () => undefined };
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const saves = (calls: { name: string }[]) => calls.filter((c) => c.name === 'labels:save').length;

async function openFirst(items = [item('a'), item('b'), item('c', { target: 'dataset/images/B/c.png', state: 'ready' }), item('d')]) {
  const f = fakeApi(items);
  const c = createDatasetController(f.api, notify, { autosaveMs: 30 });
  await c.refresh();
  await c.open('a');
  const editor = c.store.get().session!.editor!;
  // The editor starts at scale 1 with the image at the origin: screen = image pixels.
  editor.setViewSize({ width: 800, height: 600 });
  expect(editor.view).toEqual({ scale: 1, x: 0, y: 0 });
  return { ...f, c, editor };
}

describe('label autosave', () => {
  it('saves once after edits stop, with exactly the painted ids, and shows the state', async () => {
    const { c, editor, calls, saved } = await openFirst();
    expect(c.store.get().save.kind).toBe('saved');
    editor.setBrushSize(1);
    editor.pointerDown({ x: 2.5, y: 3.5 });
    editor.pointerMove({ x: 6.5, y: 3.5 });
    editor.pointerUp({ x: 6.5, y: 3.5 });
    expect(c.store.get().save.kind).toBe('unsaved');
    editor.pointerDown({ x: 2.5, y: 5.5 });
    editor.pointerUp({ x: 2.5, y: 5.5 });
    await wait(100);
    expect(saves(calls)).toBe(1);
    expect(c.store.get().save.kind).toBe('saved');
    expect(Buffer.from(saved.a!).equals(Buffer.from(editor.map.ids))).toBe(true);
    expect(saved.a![3 * 32 + 4]).toBe(editor.activeClass);
  });

  it('does not save half a stroke: it waits for the pointer to lift', async () => {
    const { editor, calls, saved } = await openFirst();
    editor.pointerDown({ x: 1, y: 1 });
    editor.pointerMove({ x: 10, y: 1 });
    await wait(100);
    expect(saves(calls)).toBe(0);
    editor.pointerMove({ x: 20, y: 1 });
    editor.pointerUp({ x: 20, y: 1 });
    await wait(120);
    expect(saves(calls)).toBe(1);
    expect(saved.a![1 * 32 + 18]).toBe(editor.activeClass);
  });

  it('edits made while a save is in flight stay unsaved and are saved next', async () => {
    const { c, editor, calls, saved, setSaveDelay } = await openFirst();
    setSaveDelay(80);
    editor.setBrushSize(1);
    editor.pointerDown({ x: 0.5, y: 0.5 });
    editor.pointerUp({ x: 0.5, y: 0.5 });
    const first = c.save();
    editor.pointerDown({ x: 9.5, y: 9.5 });
    editor.pointerUp({ x: 9.5, y: 9.5 });
    await first;
    // The first save holds the map as it was when it started; the newer edit is not saved yet.
    expect(saved.a![9 * 32 + 9]).toBe(0);
    expect(c.store.get().save.kind).not.toBe('saved');
    await wait(250);
    expect(saves(calls)).toBe(2);
    expect(saved.a![9 * 32 + 9]).toBe(editor.activeClass);
    expect(c.store.get().save.kind).toBe('saved');
  });

  it('moving to the next image saves first; next skips pairs whose B is an image; undo history is per image', async () => {
    const { c, editor, calls } = await openFirst();
    editor.pointerDown({ x: 4, y: 4 });
    editor.pointerUp({ x: 4, y: 4 });
    await c.next();
    expect(saves(calls)).toBe(1);
    expect(c.store.get().session!.item.id).toBe('b');
    const second = c.store.get().session!.editor!;
    expect(second.history.canUndo).toBe(false);
    expect(second.toolId).toBe(editor.toolId);
    await c.next();
    expect(c.store.get().session!.item.id).toBe('d');
    await c.prev();
    expect(c.store.get().session!.item.id).toBe('b');
  });

  it('reopening an image loads what was saved', async () => {
    const { c, editor } = await openFirst();
    editor.setTool('fill');
    editor.setActiveClass(3);
    editor.pointerDown({ x: 1, y: 1 });
    editor.pointerUp({ x: 1, y: 1 });
    await c.markLabelled();
    expect(c.store.get().session!.item.id).toBe('b');
    await c.open('a');
    await wait(10);
    expect(c.store.get().session!.editor!.map.ids.every((v) => v === 3)).toBe(true);
  });
});

describe('filterItems', () => {
  it('filters by state, split, domain and name', () => {
    const items = [item('x1'), item('x2', { state: 'labelled', split: 'val' }), item('y3', { domain: 'B', state: 'excluded' })];
    const f = { state: 'all' as const, split: 'all' as const, domain: 'all' as const, query: '' };
    expect(filterItems(items, { ...f, state: 'labelled' }).map((i) => i.id)).toEqual(['x2']);
    expect(filterItems(items, { ...f, split: 'train' }).map((i) => i.id)).toEqual(['x1', 'y3']);
    expect(filterItems(items, { ...f, domain: 'B' }).map((i) => i.id)).toEqual(['y3']);
    expect(filterItems(items, { ...f, query: 'X' }).map((i) => i.id)).toEqual(['x1', 'x2']);
  });
});
