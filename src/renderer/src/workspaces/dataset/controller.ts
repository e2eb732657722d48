/**
 * The Dataset & Label workspace's state and commands: the dataset and its filters, the
 * selection, imports, the split, export, and the label editor session with its autosave.
 * Components render this store; the action registry calls its commands; only this module
 * talks to the API. No React here, so the flow is testable with a fake client.
 */
import type { DatasetItem, DatasetView, Domain, ImportLayout, ImportReport, ItemState, Split } from '../../../../shared/api/dataset';
import type { RequestInput } from '../../../../shared/contract';
import { WS_MAX_MESSAGE_BYTES } from '../../../../shared/transport';
import type { Palette } from '../../../../shared/palettes';
import { findPalette } from '../../../../shared/palettes';
import type { AtelierClient } from '../../api/client';
import { decodeIds, IncrementalRleEncoder, toBase64 } from '../../canvas/label-codec';
import { LabelEditor } from '../../canvas/label-editor';
import { createStore, type Store } from '../../state/store';

export interface DatasetFilter {
  state: ItemState | 'all';
  split: Split | 'all';
  domain: Domain | 'all';
  query: string;
}

export type SaveStatus =
  | { kind: 'saved'; at?: string }
  | { kind: 'unsaved' }
  | { kind: 'saving' }
  | { kind: 'error'; message: string };

export interface EditorSession {
  item: DatasetItem;
  /** Null while the saved label map loads. */
  editor: LabelEditor | null;
  photoUrl: string;
  error?: string;
}

export interface DisplayOptions {
  overlay: boolean;
  /** Opacity of the label map over the photo, 0–1. */
  opacity: number;
  layout: 'overlay' | 'side-by-side';
}

export interface PendingLarge {
  sources: { source: string; width: number; height: number }[];
  retry: () => Promise<ImportReport>;
}

export interface DatasetState {
  view: DatasetView | null;
  loading: boolean;
  filter: DatasetFilter;
  selection: string[];
  mode: 'grid' | 'editor';
  session: EditorSession | null;
  save: SaveStatus;
  display: DisplayOptions;
  palettes: { builtin: Palette[]; custom: Palette[] };
  progress: { task: 'import' | 'export'; done: number; total: number; current?: string } | null;
  pendingLarge: PendingLarge | null;
  lastReport: ImportReport | null;
}

export interface Notifier {
  error(error: unknown, title: string): void;
  info(title: string, message?: string): void;
}

/** Most bytes of uploaded files per request (base64 grows them by 4/3). */
const UPLOAD_BATCH_BYTES = 16 * 1024 * 1024;
/** The largest file the browser can send: one WebSocket message carries at most WS_MAX_MESSAGE_BYTES. */
const MAX_BROWSER_UPLOAD_BYTES = Math.floor((WS_MAX_MESSAGE_BYTES - 64 * 1024) * 0.75);
/** Idle time after an edit before it is saved. */
export const AUTOSAVE_DELAY_MS = 1500;
/** Each save, from reading the map to main's reply, as a User Timing entry. */
export const SAVE_MEASURE = 'atelier:label-save';

export function filterItems(items: readonly DatasetItem[], filter: DatasetFilter): DatasetItem[] {
  const q = filter.query.trim().toLowerCase();
  return items.filter(
    (i) =>
      (filter.state === 'all' || i.state === filter.state) &&
      (filter.split === 'all' || i.split === filter.split) &&
      (filter.domain === 'all' || i.domain === filter.domain) &&
      (!q || i.name.toLowerCase().includes(q)),
  );
}

export function createDatasetController(api: AtelierClient, notify: Notifier, options: { autosaveMs?: number } = {}) {
  const store: Store<DatasetState> = createStore<DatasetState>({
    view: null,
    loading: false,
    filter: { state: 'all', split: 'all', domain: 'all', query: '' },
    selection: [],
    mode: 'grid',
    session: null,
    save: { kind: 'saved' },
    display: { overlay: true, opacity: 0.6, layout: 'overlay' },
    palettes: { builtin: [], custom: [] },
    progress: null,
    pendingLarge: null,
    lastReport: null,
  });
  const patch = (p: Partial<DatasetState>) => store.set((s) => ({ ...s, ...p }));
  const autosaveMs = options.autosaveMs ?? AUTOSAVE_DELAY_MS;

  let autosaveTimer: ReturnType<typeof setTimeout> | undefined;
  let saving: Promise<void> | null = null;
  let offEditor: (() => void) | null = null;
  let openToken = 0;
  const encoders = new WeakMap<LabelEditor, IncrementalRleEncoder>();

  async function refresh(): Promise<void> {
    patch({ loading: true });
    try {
      const [view, palettes] = await Promise.all([api.invoke('dataset:get', undefined), api.invoke('labels:palettes', undefined)]);
      patch({ palettes, loading: false });
      applyView(view);
      // A palette edited or switched elsewhere reaches the open editor.
      const editor = store.get().session?.editor;
      const pal = palette();
      if (editor && pal && JSON.stringify(pal) !== JSON.stringify(editor.palette)) editor.setPalette(pal);
    } catch (error) {
      patch({ loading: false });
      notify.error(error, 'Could not load the dataset');
    }
  }

  /** Show a dataset a command returned at once (the change event's refetch follows). */
  function applyView(view: DatasetView | undefined) {
    if (!view) return;
    const ids = new Set(view.items.map((i) => i.id));
    store.set((s) => ({
      ...s,
      view,
      selection: s.selection.filter((id) => ids.has(id)),
      session: s.session ? { ...s.session, item: view.items.find((i) => i.id === s.session!.item.id) ?? s.session.item } : null,
    }));
  }

  function palette(): Palette | undefined {
    const s = store.get();
    if (!s.view) return undefined;
    return findPalette(s.view.paletteId, s.palettes.custom) ?? s.palettes.builtin.find((p) => p.id === s.view!.paletteId);
  }

  function visibleItems(): DatasetItem[] {
    const s = store.get();
    return s.view ? filterItems(s.view.items, s.filter) : [];
  }

  function report(r: ImportReport, retry: (downscale: boolean) => Promise<ImportReport>): ImportReport {
    const parts = [`${r.added} added`];
    if (r.skipped.length) parts.push(`${r.skipped.length} skipped (not images)`);
    if (r.corrupt.length) parts.push(`${r.corrupt.length} unreadable`);
    if (r.renamed.length) parts.push(`${r.renamed.length} renamed (name taken)`);
    if (r.tooLarge.length) parts.push(`${r.tooLarge.length} too large`);
    const detail = [...r.corrupt.map((c) => `${c.source}: ${c.reason}`), ...r.skipped.slice(0, 5).map((c) => `${c.source}: ${c.reason}`)];
    notify.info(`Import: ${parts.join(', ')}`, detail.slice(0, 6).join('\n') || undefined);
    patch({
      lastReport: r,
      pendingLarge: r.tooLarge.length ? { sources: r.tooLarge, retry: () => retry(true) } : null,
    });
    return r;
  }

  async function guarded<T>(title: string, task: () => Promise<T>): Promise<T | undefined> {
    try {
      return await task();
    } catch (error) {
      notify.error(error, title);
      return undefined;
    } finally {
      patch({ progress: null });
    }
  }

  // ---- editor session ------------------------------------------------------------------

  function onEditorChange(editor: LabelEditor) {
    const s = store.get();
    if (s.session?.editor !== editor) return;
    if (editor.dirty) {
      if (s.save.kind !== 'unsaved' && s.save.kind !== 'saving') patch({ save: { kind: 'unsaved' } });
      scheduleAutosave();
    }
  }

  function scheduleAutosave() {
    clearTimeout(autosaveTimer);
    autosaveTimer = setTimeout(() => void save(), autosaveMs);
  }

  /** Save the open label map if it changed; resolves once it is on disk (or failed). */
  async function save(state?: 'labelled' | 'in-progress'): Promise<boolean> {
    clearTimeout(autosaveTimer);
    if (saving) await saving;
    const session = store.get().session;
    const editor = session?.editor;
    if (!session || !editor) return false;
    if (!editor.dirty && !state) return true;
    if (editor.map.inTransaction) {
      // A stroke is in progress: save once it ends.
      scheduleAutosave();
      return false;
    }
    const started = performance.now();
    const version = editor.version;
    // Encoded synchronously from the live map: a snapshot, whatever is painted meanwhile.
    let encoder = encoders.get(editor);
    if (!encoder) encoders.set(editor, (encoder = new IncrementalRleEncoder(editor.map)));
    const data = encoder.encodeBase64();
    const pixels = editor.map.ids.length;
    let ok = false;
    patch({ save: { kind: 'saving' } });
    saving = (async () => {
      try {
        const r = await api.invoke('labels:save', {
          itemId: session.item.id,
          width: editor.map.width,
          height: editor.map.height,
          encoding: 'rle',
          data,
          state,
        });
        editor.markSaved(version);
        ok = true;
        try {
          performance.measure(SAVE_MEASURE, { start: started, end: performance.now(), detail: { pixels } });
        } catch {
          /* diagnostics only */
        }
        store.set((s) =>
          s.session?.editor === editor
            ? { ...s, session: { ...s.session, item: r.item }, save: editor.dirty ? { kind: 'unsaved' } : { kind: 'saved', at: r.item.label?.saved } }
            : s,
        );
        if (editor.dirty) scheduleAutosave();
      } catch (error) {
        patch({ save: { kind: 'error', message: error instanceof Error ? error.message : String(error) } });
        notify.error(error, `Could not save the label map of ${session.item.name}`);
      }
    })();
    await saving;
    saving = null;
    return ok;
  }

  async function open(itemId: string): Promise<void> {
    const s = store.get();
    const item = s.view?.items.find((i) => i.id === itemId);
    if (!item) throw new Error(`No item ${itemId} in the dataset`);
    if (s.view?.kind !== 'paired' || item.target) {
      throw new Error(`${item.name} has no label map to paint (${s.view?.kind === 'paired' ? 'its B is an image' : 'unpaired dataset'})`);
    }
    const pal = palette();
    if (!pal) throw new Error('The dataset has no palette');
    if (s.session?.editor?.dirty && !(await save())) return;
    const token = ++openToken;
    offEditor?.();
    offEditor = null;
    patch({
      mode: 'editor',
      session: { item, editor: null, photoUrl: api.projectFileUrl(item.file) },
      save: { kind: 'saved', at: item.label?.saved },
      selection: [item.id],
    });
    try {
      const saved = await api.invoke('labels:load', { itemId });
      const ids = saved ? decodeIds(saved.data, saved.width, saved.height) : undefined;
      if (token !== openToken) return;
      const editor = new LabelEditor({ width: item.width, height: item.height, palette: pal, ids });
      const prev = store.get().session?.editor;
      if (prev) {
        // Tool, class and brush carry over from image to image.
        editor.setTool(prev.toolId);
        editor.setBrushSize(prev.brushSize);
        editor.setBrushTip(prev.brushTip);
        if (pal.classes.some((c) => c.id === prev.activeClass)) editor.setActiveClass(prev.activeClass);
      }
      offEditor = editor.subscribe(() => onEditorChange(editor));
      store.set((st) => (st.session?.item.id === itemId ? { ...st, session: { ...st.session, editor } } : st));
    } catch (error) {
      if (token !== openToken) return;
      store.set((st) => (st.session ? { ...st, session: { ...st.session, error: error instanceof Error ? error.message : String(error) } } : st));
      notify.error(error, `Could not open ${item.name}`);
    }
  }

  /** The neighbour of the open item among the items the filter shows. */
  async function step(delta: 1 | -1): Promise<void> {
    const s = store.get();
    const items = visibleItems().filter((i) => !i.target);
    if (!items.length) return;
    const at = s.session ? items.findIndex((i) => i.id === s.session!.item.id) : -1;
    const next = items[(at + delta + items.length) % items.length]!;
    if (next.id !== s.session?.item.id) await open(next.id);
  }

  async function close(): Promise<void> {
    if (store.get().session?.editor?.dirty && !(await save())) return;
    offEditor?.();
    offEditor = null;
    openToken++;
    patch({ mode: 'grid', session: null });
  }

  // Imports announce every batch they add; refetch at most every REFRESH_GAP_MS, one at a time.
  const REFRESH_GAP_MS = 400;
  let refreshing = false;
  let refreshQueued = false;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let lastRefresh = 0;
  function scheduleRefresh() {
    if (refreshing) {
      refreshQueued = true;
      return;
    }
    if (refreshTimer !== undefined) return;
    refreshTimer = setTimeout(
      async () => {
        refreshTimer = undefined;
        refreshing = true;
        lastRefresh = Date.now();
        await refresh();
        refreshing = false;
        if (refreshQueued) {
          refreshQueued = false;
          scheduleRefresh();
        }
      },
      Math.max(0, lastRefresh + REFRESH_GAP_MS - Date.now()),
    );
  }

  return {
    store,
    refresh,
    palette,
    visibleItems,
    open,
    close,
    save,
    next: () => step(1),
    prev: () => step(-1),
    /** Save as labelled and go on to the next image. */
    async markLabelled(): Promise<void> {
      if (await save('labelled')) await step(1);
    },

    /** Subscribe to main's events; returns the unsubscribe. */
    connect(): () => void {
      const offs = [
        api.on('dataset:changed', () => scheduleRefresh()),
        api.on('dataset:progress', (p) => patch({ progress: p.done >= p.total ? null : p })),
        api.on('project:changed', () => {
          patch({ mode: 'grid', session: null, selection: [] });
          void refresh();
        }),
      ];
      void refresh();
      return () => {
        offs.forEach((off) => off());
        clearTimeout(autosaveTimer);
        clearTimeout(refreshTimer);
        refreshTimer = undefined;
      };
    },

    setFilter(p: Partial<DatasetFilter>) {
      store.set((s) => ({ ...s, filter: { ...s.filter, ...p } }));
    },
    select(ids: string[]) {
      patch({ selection: ids });
    },
    setDisplay(p: Partial<DisplayOptions>) {
      store.set((s) => ({ ...s, display: { ...s.display, ...p, opacity: Math.min(1, Math.max(0, p.opacity ?? s.display.opacity)) } }));
    },

    // ---- imports -----------------------------------------------------------------------

    importFiles(files: File[], domain?: Domain): Promise<ImportReport | undefined> {
      const run = async (downscaleLarge: boolean, only?: Set<string>): Promise<ImportReport> => {
        const total: ImportReport = { added: 0, skipped: [], corrupt: [], tooLarge: [], renamed: [], messages: [] };
        const chosen = only ? files.filter((f) => only.has(f.name)) : files;
        let batch: { name: string; data: string }[] = [];
        let bytes = 0;
        const flush = async () => {
          if (!batch.length) return;
          const r = await api.invoke('dataset:importData', { files: batch, domain, downscaleLarge });
          total.added += r.added;
          total.skipped.push(...r.skipped);
          total.corrupt.push(...r.corrupt);
          total.tooLarge.push(...r.tooLarge);
          total.renamed.push(...r.renamed);
          total.messages.push(...r.messages);
          batch = [];
          bytes = 0;
        };
        for (const [k, f] of chosen.entries()) {
          patch({ progress: { task: 'import', done: k, total: chosen.length, current: f.name } });
          if (api.platform === 'browser' && f.size > MAX_BROWSER_UPLOAD_BYTES) {
            total.skipped.push({
              source: f.name,
              reason: `${(f.size / 1048576).toFixed(0)} MB is too large to send from the browser; import its folder with "Import folder…"`,
            });
            continue;
          }
          if (bytes + f.size > UPLOAD_BATCH_BYTES) await flush();
          batch.push({ name: f.name, data: await fileToBase64(f) });
          bytes += f.size;
        }
        await flush();
        return total;
      };
      return guarded('Import failed', async () =>
        report(await run(false), (d) => run(d, new Set(store.get().pendingLarge?.sources.map((s) => s.source)))),
      );
    },

    importPaths(paths: string[], domain?: Domain): Promise<ImportReport | undefined> {
      const run = (downscaleLarge: boolean, list = paths) => api.invoke('dataset:importFiles', { paths: list, domain, downscaleLarge });
      return guarded('Import failed', async () =>
        report(await run(false), (d) => run(d, store.get().pendingLarge?.sources.map((s) => s.source) ?? [])),
      );
    },

    importFolder(dir: string, layout: ImportLayout, labelSide: 'auto' | 'A' | 'B' | 'none', domain?: Domain) {
      return guarded('Import failed', async () => {
        const r = await api.invoke('dataset:importFolder', { dir, layout, labelSide, domain });
        const large = () => r.tooLarge.map((t) => t.source);
        return report(r, (d) => api.invoke('dataset:importFiles', { paths: large(), domain, downscaleLarge: d }));
      });
    },

    /** The user agreed to downscale the images that were too large. */
    async acceptLarge(): Promise<void> {
      const pending = store.get().pendingLarge;
      if (!pending) return;
      patch({ pendingLarge: null });
      await guarded('Import failed', async () => report(await pending.retry(), async () => pending.retry()));
    },
    dismissLarge() {
      patch({ pendingLarge: null });
    },

    // ---- dataset edits -----------------------------------------------------------------

    async setState(ids: string[], state: ItemState) {
      applyView(await guarded('Could not change the state', () => api.invoke('dataset:setState', { ids, state })));
    },
    async setSplit(ids: string[], split: Split) {
      applyView(await guarded('Could not change the split', () => api.invoke('dataset:setSplit', { ids, split })));
    },
    async resplit(input: RequestInput<'dataset:resplit'>) {
      applyView(await guarded('Could not split the dataset', () => api.invoke('dataset:resplit', input)));
    },
    async remove(ids: string[]) {
      applyView(await guarded('Could not remove the images', () => api.invoke('dataset:remove', { ids })));
    },
    async configure(input: RequestInput<'dataset:configure'>) {
      applyView(await guarded('Could not change the dataset', () => api.invoke('dataset:configure', input)));
    },
    exportDataset(input: RequestInput<'dataset:export'>) {
      return guarded('Export failed', () => api.invoke('dataset:export', input));
    },
    async savePalette(p: Palette) {
      await guarded('Could not save the palette', async () => {
        await api.invoke('labels:savePalette', { palette: p });
        await refresh();
      });
    },
  };
}

export type DatasetController = ReturnType<typeof createDatasetController>;

async function fileToBase64(file: Blob): Promise<string> {
  return toBase64(new Uint8Array(await file.arrayBuffer()));
}

/** One controller per studio, kept across workspace switches (the editor keeps its undo history). */
const controllers = new WeakMap<object, DatasetController>();

export function datasetControllerFor(studio: {
  api: AtelierClient;
  reportError(error: unknown, title: string): void;
  toasts: { push(t: { kind: 'info'; title: string; message?: string }): number };
}): DatasetController {
  let c = controllers.get(studio);
  if (!c) {
    c = createDatasetController(studio.api, {
      error: (e, t) => studio.reportError(e, t),
      info: (title, message) => studio.toasts.push({ kind: 'info', title, message }),
    });
    controllers.set(studio, c);
  }
  return c;
}
