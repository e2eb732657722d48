/**
 * The Translate workspace's state and commands: the model library and the chosen model
 * and direction, the source (a photo, or a label map painted here for a label→photo
 * model), the mask and its blend settings, the live preview, export and batch jobs.
 * Components render this store and call these commands; only this module talks to the
 * API. No React here.
 */
import type { JobProgress } from '../../../../shared/api/engine';
import type {
  BatchResult,
  Direction,
  ExportResult,
  ModelInfo,
  OpenedPhoto,
  PreviewResult,
} from '../../../../shared/api/translate';
import type { RequestInput } from '../../../../shared/contract';
import { FACADES_PALETTE, paletteRgbaLut, type Palette } from '../../../../shared/palettes';
import type { AtelierClient } from '../../api/client';
import { describeError } from '../../api/errors';
import { LabelEditor } from '../../canvas/label-editor';
import { toBase64 } from '../../canvas/label-codec';
import { createStore, type Store } from '../../state/store';
import { startJob, type RunningJob } from './job-client';
import { MASK_PALETTE, encodeMask, fillMask, invertMask, KEEP, TRANSLATE } from './mask';
import { PreviewScheduler, type PreviewQuality, type PreviewResultInfo } from './preview-scheduler';

export type Source =
  | { kind: 'photo'; photo: OpenedPhoto; url: string }
  | { kind: 'labels'; palette: Palette; width: number; height: number };

export interface ShownResult {
  image: HTMLImageElement | ImageBitmap | { width: number; height: number };
  width: number;
  height: number;
  quality: PreviewQuality;
  seq: number;
}

export interface Latency {
  /** Change → draft shown, ms. */
  draft?: number;
  /** Change → full-resolution preview shown, ms. */
  full?: number;
  /** The engine's own time for the last result. */
  engine?: PreviewResult['ms'];
  /** Which inference engine produced it. */
  engineName?: string;
}

export interface JobPanel {
  state: 'running' | 'succeeded' | 'failed' | 'cancelled';
  done: number;
  total: number;
  message: string;
  error?: string;
}

export interface TranslateState {
  models: ModelInfo[];
  broken: { id: string; path: string; error: string }[];
  modelsLoading: boolean;
  modelsError: string | null;
  modelId: string | null;
  direction: Direction | null;
  source: Source | null;
  /** Mask blend: feather radius in source pixels, strength 0–1. */
  feather: number;
  strength: number;
  /** The reference's --eval (BatchNorm running statistics, dropout off). */
  evalMode: boolean;
  showMask: boolean;
  layout: 'side-by-side' | 'slider';
  /** Before/after split, 0–1 of the image width (slider layout). */
  slider: number;
  result: ShownResult | null;
  latency: Latency;
  busy: boolean;
  previewError: string | null;
  exportJob: (JobPanel & { result?: ExportResult }) | null;
  batchJob: (JobPanel & { result?: BatchResult }) | null;
}

export interface Notifier {
  error(error: unknown, title: string): void;
  info(title: string, message?: string): void;
}

/** Longest side of the fast first preview, and of the full preview shown once input stops. */
export const DRAFT_SIZE = 256;
export const FULL_SIZE = 1024;

interface PreviewInput {
  modelId: string;
  direction: Direction;
  source: Source;
  /** Editors are read when the job starts: the scheduler only needs to know a change happened. */
  feather: number;
  strength: number;
  evalMode: boolean;
}

interface DecodedPreview {
  image: ShownResult['image'];
  result: PreviewResult;
}

/** The default direction of a model: the first it offers. */
function defaultDirection(model: ModelInfo | undefined, current: Direction | null): Direction | null {
  if (!model || model.directions.length === 0) return null;
  if (current && model.directions.some((d) => d.direction === current)) return current;
  return model.directions[0]!.direction;
}

export function createTranslateController(
  api: AtelierClient,
  notify: Notifier,
  env: {
    /** Decodes a base64 PNG for drawing (the browser's Image; tests pass a stub). */
    decodePng?: (base64: string) => Promise<ShownResult['image']>;
    /** Encodes the painted label map as a base64 PNG (a canvas in the browser). */
    encodeLabels?: (editor: LabelEditor) => Promise<string>;
  } = {},
) {
  const store: Store<TranslateState> = createStore<TranslateState>({
    models: [],
    broken: [],
    modelsLoading: false,
    modelsError: null,
    modelId: null,
    direction: null,
    source: null,
    feather: 8,
    strength: 1,
    evalMode: false,
    showMask: true,
    layout: 'side-by-side',
    slider: 0.5,
    result: null,
    latency: {},
    busy: false,
    previewError: null,
    exportJob: null,
    batchJob: null,
  });
  const patch = (p: Partial<TranslateState>) => store.set((s) => ({ ...s, ...p }));

  let maskEditor: LabelEditor | null = null;
  let labelEditor: LabelEditor | null = null;
  let offEditors: (() => void)[] = [];
  let project: string | null = null;
  let exportRun: RunningJob<ExportResult> | null = null;
  let batchRun: RunningJob<BatchResult> | null = null;

  const decodePng = env.decodePng ?? browserDecodePng;
  const encodeLabels = env.encodeLabels ?? browserEncodeLabels;

  // ---- live preview ---------------------------------------------------------------------

  const scheduler = new PreviewScheduler<PreviewInput, DecodedPreview>({
    start: (input, quality) => launchPreview(input, quality),
    onResult: (decoded, info) => showResult(decoded, info),
    onError: (error) => patch({ previewError: describeError(error), busy: false }),
    onBusy: (busy) => patch({ busy }),
    wantsDraft: (input) => sourceSize(input.source).longest > DRAFT_SIZE * 1.5,
    debounceMs: 30,
    settleMs: 350,
  });

  function sourceSize(source: Source) {
    const { width, height } = source.kind === 'photo' ? source.photo : source;
    return { width, height, longest: Math.max(width, height) };
  }

  function launchPreview(input: PreviewInput, quality: PreviewQuality): { result: Promise<DecodedPreview>; cancel(): void } {
    let job: RunningJob<PreviewResult> | null = null;
    let cancelled = false;
    const result = (async () => {
      const request: RequestInput<'translate:preview'> = {
        modelId: input.modelId,
        direction: input.direction,
        source: input.source.kind === 'photo' ? { path: input.source.photo.path } : { png: await encodeLabels(labelEditor!) },
        maxSize: quality === 'draft' ? DRAFT_SIZE : Math.min(FULL_SIZE, sourceSize(input.source).longest),
        eval: input.evalMode,
      };
      const mask = input.source.kind === 'photo' ? maskEditor : null;
      const masked = mask && mask.map.ids.includes(TRANSLATE);
      if (masked || input.strength < 1) {
        request.blend = { feather: input.feather, strength: input.strength, ...(masked ? { mask: encodeMask(mask.map) } : {}) };
      }
      if (cancelled) throw Object.assign(new Error('cancelled'), { code: 'cancelled' });
      job = startJob<PreviewResult>(api, 'translate:preview', request);
      const preview = await job.result;
      return { image: await decodePng(preview.png), result: preview };
    })();
    return {
      result,
      cancel() {
        cancelled = true;
        job?.cancel();
      },
    };
  }

  function showResult(decoded: DecodedPreview, info: PreviewResultInfo) {
    store.set((s) => ({
      ...s,
      previewError: null,
      result: { image: decoded.image, width: decoded.result.width, height: decoded.result.height, quality: info.quality, seq: info.seq },
      latency: {
        ...(info.quality === 'draft' ? { draft: info.latencyMs, full: undefined } : { draft: s.latency.draft, full: info.latencyMs }),
        engine: decoded.result.ms,
        engineName: decoded.result.engine,
      },
    }));
  }

  /** Something the result depends on changed: schedule a fresh preview (latest wins). */
  function changed() {
    const s = store.get();
    if (!s.modelId || !s.direction || !s.source) return;
    scheduler.update({
      modelId: s.modelId,
      direction: s.direction,
      source: s.source,
      feather: s.feather,
      strength: s.strength,
      evalMode: s.evalMode,
    });
  }

  function watch(editor: LabelEditor) {
    let version = editor.map.version;
    offEditors.push(
      editor.subscribe(() => {
        // Views (zoom, pan, tool) change without touching the result.
        if (editor.map.version === version) return;
        version = editor.map.version;
        changed();
      }),
    );
  }

  function setSource(source: Source, editors: { mask?: LabelEditor; labels?: LabelEditor }) {
    offEditors.forEach((off) => off());
    offEditors = [];
    maskEditor = editors.mask ?? null;
    labelEditor = editors.labels ?? null;
    if (maskEditor) watch(maskEditor);
    if (labelEditor) watch(labelEditor);
    patch({ source, result: null, latency: {}, previewError: null, exportJob: null });
    changed();
  }

  // ---- commands -------------------------------------------------------------------------

  async function refreshModels() {
    patch({ modelsLoading: true });
    try {
      const { models, broken } = await api.invoke('models:list', undefined);
      store.set((s) => {
        const modelId = s.modelId && models.some((m) => m.id === s.modelId) ? s.modelId : (models[0]?.id ?? null);
        const direction = defaultDirection(models.find((m) => m.id === modelId), modelId === s.modelId ? s.direction : null);
        return { ...s, models, broken, modelsLoading: false, modelsError: null, modelId, direction };
      });
      changed();
    } catch (error) {
      patch({ modelsLoading: false, modelsError: describeError(error) });
    }
  }

  return {
    store,
    get maskEditor() {
      return maskEditor;
    },
    get labelEditor() {
      return labelEditor;
    },
    /** The editor the painting tools and shortcuts act on: the mask, or the painted label map. */
    get activeEditor(): LabelEditor | null {
      return maskEditor ?? labelEditor;
    },
    scheduler,


    refreshModels,

    /**
     * The open project (its folder); another project means another library and other
     * files: the source and the result are dropped and the models read again.
     */
    setProject(root: string | null) {
      if (root === project) return;
      const switched = project !== null;
      project = root;
      if (switched) {
        scheduler.cancel();
        offEditors.forEach((off) => off());
        offEditors = [];
        maskEditor = null;
        labelEditor = null;
        store.set((s) => ({ ...s, source: null, result: null, latency: {}, previewError: null, exportJob: null, batchJob: null, modelId: null, direction: null }));
      }
      if (root) void refreshModels();
    },

    selectModel(modelId: string) {
      const model = store.get().models.find((m) => m.id === modelId);
      if (!model) throw new Error(`No model ${modelId} in the library`);
      patch({ modelId, direction: defaultDirection(model, store.get().direction), result: null });
      changed();
    },

    /** Pick the source domain; the target is the model's other domain. */
    setDirection(direction: Direction) {
      const s = store.get();
      const model = s.models.find((m) => m.id === s.modelId);
      if (!model?.directions.some((d) => d.direction === direction)) {
        throw new Error(`${model?.name ?? 'This model'} cannot translate ${direction}`);
      }
      patch({ direction, result: null });
      changed();
    },

    async openPhotoPath(path: string) {
      const photo = await api.invoke('translate:open', { path });
      this.usePhoto(photo);
    },

    async openPhotoFile(file: { name: string; arrayBuffer(): Promise<ArrayBuffer> }) {
      const data = toBase64(new Uint8Array(await file.arrayBuffer()));
      const photo = await api.invoke('translate:open', { name: file.name, data });
      this.usePhoto(photo);
    },

    usePhoto(photo: OpenedPhoto) {
      const mask = new LabelEditor({ width: photo.width, height: photo.height, palette: MASK_PALETTE });
      mask.setActiveClass(TRANSLATE);
      mask.setBrushSize(Math.max(8, Math.round(Math.max(photo.width, photo.height) / 24)));
      setSource({ kind: 'photo', photo, url: api.projectFileUrl(photo.rel) }, { mask });
    },

    /** Paint a label map as the source (a label→photo model, as in GauGAN); `ids` starts it from a saved map. */
    paintLabels(palette: Palette = FACADES_PALETTE, width = 256, height = 256, ids?: Uint8Array) {
      const labels = new LabelEditor({ width, height, palette, ...(ids ? { ids } : {}) });
      setSource({ kind: 'labels', palette, width, height }, { labels });
    },

    setFeather(feather: number) {
      patch({ feather: Math.max(0, Math.min(500, feather)) });
      changed();
    },
    setStrength(strength: number) {
      patch({ strength: Math.max(0, Math.min(1, strength)) });
      changed();
    },
    setEvalMode(evalMode: boolean) {
      patch({ evalMode });
      changed();
    },
    setShowMask(showMask: boolean) {
      patch({ showMask });
    },
    setLayout(layout: TranslateState['layout']) {
      patch({ layout });
    },
    setSlider(slider: number) {
      patch({ slider: Math.max(0, Math.min(1, slider)) });
    },

    // Masks are never saved: markSaved is the editor's public way to announce an edit made
    // outside its tools, so the canvas redraws and the preview follows.
    invertMask() {
      if (!maskEditor) return;
      invertMask(maskEditor.map, maskEditor.history);
      maskEditor.markSaved(maskEditor.version);
    },
    clearMask() {
      if (!maskEditor) return;
      fillMask(maskEditor.map, maskEditor.history, KEEP);
      maskEditor.markSaved(maskEditor.version);
    },

    /** Write the translation at full resolution into the project's exports/. */
    async exportImage(options: { output: string; format: 'png' | 'jpeg'; quality: number; overwrite: boolean; tile?: number }) {
      const s = store.get();
      if (!s.modelId || !s.direction || s.source?.kind !== 'photo') throw new Error('Open a photo and pick a model first');
      const masked = maskEditor && maskEditor.map.ids.includes(TRANSLATE);
      const input: RequestInput<'translate:export'> = {
        modelId: s.modelId,
        direction: s.direction,
        source: { path: s.source.photo.path },
        output: options.output,
        format: options.format,
        quality: options.quality,
        overwrite: options.overwrite,
        eval: s.evalMode,
        blend: { feather: s.feather, strength: s.strength, ...(masked ? { mask: encodeMask(maskEditor!.map) } : {}) },
        ...(options.tile ? { tile: options.tile } : {}),
      };
      patch({ exportJob: { state: 'running', done: 0, total: 0, message: 'Starting…' } });
      const run = startJob<ExportResult>(api, 'translate:export', input, (p) => progressInto('exportJob', p));
      exportRun = run;
      return settle('exportJob', run, (r) => notify.info('Exported', r.path));
    },

    cancelExport() {
      exportRun?.cancel();
    },

    /** Translate a folder into exports/<output>/. */
    async batch(options: { folder: string; output: string; format: 'png' | 'jpeg'; quality: number; overwrite: boolean }) {
      const s = store.get();
      if (!s.modelId || !s.direction) throw new Error('Pick a model first');
      patch({ batchJob: { state: 'running', done: 0, total: 0, message: 'Starting…' } });
      const run = startJob<BatchResult>(
        api,
        'translate:batch',
        {
          modelId: s.modelId,
          direction: s.direction,
          input: { folder: options.folder },
          output: options.output,
          format: options.format,
          quality: options.quality,
          overwrite: options.overwrite,
          strength: s.strength,
          eval: s.evalMode,
        },
        (p) => progressInto('batchJob', p),
      );
      batchRun = run;
      return settle('batchJob', run, (r) => notify.info('Batch finished', `${r.written.length} written, ${r.failed.length} failed`));
    },

    cancelBatch() {
      batchRun?.cancel();
    },

    async importModel(input: RequestInput<'models:import'>): Promise<ModelInfo> {
      const info = await api.invoke('models:import', input);
      await refreshModels();
      this.selectModel(info.id);
      return info;
    },

    inspect(path: string) {
      return api.invoke('models:inspect', { path });
    },

    dispose() {
      scheduler.dispose();
      offEditors.forEach((off) => off());
      offEditors = [];
    },
  };

  function progressInto(key: 'exportJob' | 'batchJob', p: JobProgress) {
    store.set((s) => (s[key] && s[key]!.state === 'running' ? { ...s, [key]: { ...s[key]!, done: p.done, total: p.total, message: p.message } } : s));
  }

  async function settle<R>(key: 'exportJob' | 'batchJob', run: RunningJob<R>, onDone: (r: R) => void): Promise<R | null> {
    try {
      const result = await run.result;
      store.set((s) => ({ ...s, [key]: { ...s[key]!, state: 'succeeded', done: s[key]!.total, message: 'Done', result } }));
      onDone(result);
      return result;
    } catch (error) {
      const cancelled = (error as { code?: string }).code === 'cancelled';
      store.set((s) => ({
        ...s,
        [key]: { ...s[key]!, state: cancelled ? 'cancelled' : 'failed', message: cancelled ? 'Cancelled' : 'Failed', error: cancelled ? undefined : describeError(error) },
      }));
      return null;
    }
  }
}

export type TranslateController = ReturnType<typeof createTranslateController>;

async function browserDecodePng(base64: string): Promise<HTMLImageElement> {
  const img = new Image();
  img.src = `data:image/png;base64,${base64}`;
  await img.decode();
  return img;
}

async function browserEncodeLabels(editor: LabelEditor): Promise<string> {
  // Coloured here rather than through an OverlaySurface: that would take the map's dirty
  // tiles away from the canvas that shows it.
  const { width, height, ids } = editor.map;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This browser cannot draw on a canvas');
  const img = ctx.createImageData(width, height);
  const px = new Uint32Array(img.data.buffer);
  const lut = paletteRgbaLut(editor.palette);
  for (let i = 0; i < ids.length; i++) px[i] = lut[ids[i]!]!;
  ctx.putImageData(img, 0, 0);
  const url = canvas.toDataURL('image/png');
  return url.slice(url.indexOf(',') + 1);
}

const controllers = new WeakMap<object, TranslateController>();

/** One controller per studio, so the workspace keeps its state when the user switches away and back. */
export function translateControllerFor(studio: {
  api: AtelierClient;
  reportError(error: unknown, title: string): void;
  toasts: { push(t: { kind: 'info'; title: string; message?: string }): number };
}): TranslateController {
  let c = controllers.get(studio);
  if (!c) {
    c = createTranslateController(studio.api, {
      error: (e, t) => studio.reportError(e, t),
      info: (title, message) => studio.toasts.push({ kind: 'info', title, message }),
    });
    controllers.set(studio, c);
  }
  return c;
}
