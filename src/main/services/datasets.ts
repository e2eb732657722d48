/**
 * The project's dataset: photos (copied into the project), their label maps, states and
 * split, kept in dataset/dataset.json (written atomically). Imports photos one by one or
 * whole datasets in the reference's layouts; exports the layouts the reference and our
 * trainer read. Mutations run one at a time.
 *
 *   <project>/dataset/dataset.json         items, kind, palette, split seed and ratios
 *   <project>/dataset/images/{A,B}/<id>.*  photos (A), targets or unpaired B images
 *   <project>/dataset/.cache/thumbs/<id>.jpg
 *   <project>/labels/<id>.png, <id>.ids.png
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import {
  datasetSchema,
  MAX_IMAGE_PIXELS,
  type Dataset,
  type DatasetItem,
  type DatasetKind,
  type DatasetView,
  type Domain,
  type ImportLayout,
  type ImportReport,
  type ItemState,
  type Split,
} from '../../shared/api/dataset';
import type { EventName, EventPayload } from '../../shared/contract';
import { assignSplits, splitForNewItem, type SplitRatios } from '../../shared/dataset-split';
import {
  BUILTIN_PALETTES,
  findPalette,
  paletteSchema,
  quantizeToPalette,
  type Palette,
} from '../../shared/palettes';
import { writeFileAtomic } from '../util/atomic-write';
import { ApiError } from './api-error';
import {
  downscaledSize,
  ImageDecodeError,
  isImageName,
  normalisedPng,
  probeImage,
  readRgb,
  thumbnail,
  type ImageSource,
} from './dataset-images';
import { exportDataset, type ExportOptions, type ExportResult } from './dataset-export';
import { detectLayout, scanFolder, type ScanEntry } from './dataset-layout';
import { labelFiles, writeLabelFiles } from './labels';
import { PROJECT_LAYOUT } from './project-layout';
import type { ProjectService } from './projects';

const DATASET_FILE = `${PROJECT_LAYOUT.dataset}/dataset.json`;
const DATASET_FORMAT = 'atelier-dataset';
const DATASET_VERSION = 1;

/**
 * A half or folder counts as a label map when its pixels lie this close (mean RGB distance)
 * to the palette. JPEG label maps of the pix2pix datasets measure under ~40, photos over ~100.
 */
export const LABEL_MAP_MAX_DISTANCE = 64;

const DEFAULT_DOMAIN_NAMES: Record<DatasetKind, { A: string; B: string }> = {
  paired: { A: 'photo', B: 'label' },
  unpaired: { A: 'A', B: 'B' },
};

export type DatasetEmit = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

export interface DatasetServiceOptions {
  projects: Pick<ProjectService, 'requireRoot' | 'current' | 'updateManifest'>;
  emit?: DatasetEmit;
  /** Images decoded at once during an import. */
  concurrency?: number;
  /** Pixel budget per photo (MAX_IMAGE_PIXELS unless set). */
  maxImagePixels?: number;
}

interface ImportOptions {
  domain?: Domain;
  downscaleLarge?: boolean;
}

interface ImportRun {
  root: string;
  data: Dataset;
  report: ImportReport;
  palette: Palette;
  options: ImportOptions;
  labelSide: 'auto' | 'A' | 'B' | 'none';
}

export class DatasetService {
  private cache: { root: string; data: Dataset } | null = null;
  private revision = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private imports: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: DatasetServiceOptions) {}

  // ---- reading -------------------------------------------------------------------------

  root(): string {
    return this.options.projects.requireRoot();
  }

  async view(): Promise<DatasetView> {
    return this.toView(await this.load());
  }

  async item(id: string): Promise<DatasetItem> {
    const data = await this.load();
    const item = data.items.find((i) => i.id === id);
    if (!item) throw new ApiError('not-found', `No dataset item with id "${id}"`, { id });
    return item;
  }

  /** The palette label maps use: a custom one from the manifest, else a built-in one. */
  async palette(): Promise<Palette> {
    const data = await this.load();
    const p = findPalette(data.paletteId, this.customPalettes());
    if (!p) throw new ApiError('failed', `The dataset's palette "${data.paletteId}" no longer exists`);
    return p;
  }

  customPalettes(): Palette[] {
    const raw = this.options.projects.current()?.manifest.palettes ?? [];
    const out: Palette[] = [];
    for (const p of raw) {
      const r = paletteSchema.safeParse(p);
      if (r.success) out.push(r.data);
    }
    return out;
  }

  palettes(): { builtin: Palette[]; custom: Palette[] } {
    return { builtin: [...BUILTIN_PALETTES], custom: this.customPalettes() };
  }

  // ---- palettes ------------------------------------------------------------------------

  async savePalette(palette: Palette): Promise<{ custom: Palette[] }> {
    if (BUILTIN_PALETTES.some((b) => b.id === palette.id)) {
      throw new ApiError('failed', `"${palette.id}" is a built-in palette; save a copy under another id`);
    }
    const data = await this.load();
    if (data.paletteId === palette.id && data.items.some((i) => i.label)) {
      // Changing a palette in use must keep every id painted so far.
      const kept = new Set(palette.classes.map((c) => c.id));
      const before = findPalette(palette.id, this.customPalettes());
      const lost = before?.classes.filter((c) => !kept.has(c.id)).map((c) => `${c.id} (${c.name})`) ?? [];
      if (lost.length) {
        throw new ApiError('failed', `Palette "${palette.id}" is used by label maps; it cannot drop class ${lost.join(', ')}`);
      }
    }
    const info = await this.options.projects.updateManifest((m) => ({
      ...m,
      palettes: [...this.customPalettes().filter((p) => p.id !== palette.id), palette],
    }));
    this.changed();
    return { custom: (info.manifest.palettes ?? []).map((p) => paletteSchema.parse(p)) };
  }

  async deletePalette(id: string): Promise<{ custom: Palette[] }> {
    const data = await this.load();
    if (data.paletteId === id) throw new ApiError('failed', `Palette "${id}" is the dataset's palette; choose another first`);
    if (!this.customPalettes().some((p) => p.id === id)) throw new ApiError('not-found', `No custom palette "${id}"`);
    const info = await this.options.projects.updateManifest((m) => ({
      ...m,
      palettes: this.customPalettes().filter((p) => p.id !== id),
    }));
    return { custom: (info.manifest.palettes ?? []).map((p) => paletteSchema.parse(p)) };
  }

  // ---- configuration, states, splits ---------------------------------------------------

  configure(input: { kind?: DatasetKind; paletteId?: string; domainNames?: { A: string; B: string } }): Promise<DatasetView> {
    return this.mutate(async (data) => {
      if (input.kind && input.kind !== data.kind) {
        if (data.items.length) {
          throw new ApiError('failed', `The dataset already holds ${data.items.length} items; its kind (${data.kind}) cannot change`);
        }
        data.kind = input.kind;
      }
      if (input.paletteId && input.paletteId !== data.paletteId) {
        const next = findPalette(input.paletteId, this.customPalettes());
        if (!next) throw new ApiError('not-found', `No palette "${input.paletteId}"`);
        if (data.items.some((i) => i.label)) {
          throw new ApiError('failed', 'Label maps exist: the palette cannot change (edit the palette instead)');
        }
        data.paletteId = next.id;
      }
      if (input.domainNames) {
        const names = input.domainNames;
        await this.options.projects.updateManifest((m) => ({ ...m, domains: { A: names.A, B: names.B } }));
      }
    });
  }

  setState(ids: string[], state: ItemState): Promise<DatasetView> {
    return this.mutate(async (data) => {
      for (const item of this.pick(data, ids)) {
        if ((state === 'labelled' || state === 'in-progress') && !item.label) {
          throw new ApiError('failed', `${item.name} has no label map yet; it cannot be ${state}`);
        }
        if (state === 'ready' && data.kind === 'paired' && !item.target) {
          throw new ApiError('failed', `${item.name} is a photo to label; "ready" is for images that need no label`);
        }
        item.state = state;
      }
    });
  }

  setSplit(ids: string[], split: Split): Promise<DatasetView> {
    return this.mutate(async (data) => {
      for (const item of this.pick(data, ids)) {
        item.split = split;
        item.splitLocked = true;
      }
    });
  }

  resplit(seed: number, ratios: SplitRatios, keepLocked = true): Promise<DatasetView> {
    return this.mutate(async (data) => {
      data.split = { seed, ratios };
      const free = data.items.filter((i) => !(keepLocked && i.splitLocked));
      // Domains are split separately so both keep the ratios (unpaired datasets).
      for (const domain of ['A', 'B'] as const) {
        const group = free.filter((i) => i.domain === domain);
        const splits = assignSplits(group.map((i) => i.id), seed, ratios);
        for (const i of group) {
          i.split = splits.get(i.id)!;
          if (!keepLocked) delete i.splitLocked;
        }
      }
    });
  }

  remove(ids: string[]): Promise<DatasetView> {
    return this.mutate(async (data, root) => {
      const gone = new Set(this.pick(data, ids).map((i) => i.id));
      for (const item of data.items.filter((i) => gone.has(i.id))) {
        const files = [item.file, item.thumb, item.target, item.label?.color, item.label?.ids].filter(Boolean) as string[];
        await Promise.all(files.map((f) => rm(join(root, f), { force: true })));
      }
      data.items = data.items.filter((i) => !gone.has(i.id));
    });
  }

  /** Record a saved label map (called by the label service after writing both PNGs). */
  labelSaved(id: string, state: 'in-progress' | 'labelled' | undefined, when: Date): Promise<DatasetItem> {
    return this.serial(async () => {
      const { root, data } = await this.loadFresh();
      const item = this.pick(data, [id])[0]!;
      item.label = { ...labelFiles(item.id), saved: when.toISOString() };
      if (state) item.state = state;
      else if (item.state === 'unlabelled') item.state = 'in-progress';
      await this.save(root, data);
      return item;
    });
  }

  // ---- import --------------------------------------------------------------------------

  importFiles(paths: string[], options: ImportOptions): Promise<ImportReport> {
    return this.runImport(options, 'auto', async (run) => {
      const entries: ScanEntry[] = [];
      for (const path of paths) {
        const info = await stat(path).catch(() => null);
        if (!info) run.report.corrupt.push({ source: path, reason: 'file not found' });
        else if (info.isDirectory()) run.report.skipped.push({ source: path, reason: 'is a folder (import it as a folder)' });
        else if (!isImageName(path)) run.report.skipped.push({ source: path, reason: `not an image file (${extname(path) || 'no extension'})` });
        else entries.push({ kind: 'photo', path });
      }
      await this.importEntries(run, entries);
    });
  }

  importData(files: { name: string; data: string }[], options: ImportOptions): Promise<ImportReport> {
    return this.runImport(options, 'auto', async (run) => {
      const entries: { name: string; source: string; bytes: Buffer }[] = [];
      for (const f of files) {
        const name = basename(f.name.replace(/\\/g, '/'));
        if (!isImageName(name)) {
          run.report.skipped.push({ source: f.name, reason: `not an image file (${extname(name) || 'no extension'})` });
        } else {
          entries.push({ name, source: f.name, bytes: Buffer.from(f.data, 'base64') });
        }
      }
      let done = 0;
      for (let b = 0; b < entries.length; b += 8) {
        await this.batch(run, async () => {
          for (const e of entries.slice(b, b + 8)) {
            try {
              await this.addPhoto(run, e.bytes, e.source, e.name, this.photoDomain(run), undefined);
            } catch (err) {
              if (err instanceof ImageDecodeError) run.report.corrupt.push({ source: e.source, reason: err.message });
              else throw err;
            }
            this.progress('import', ++done, entries.length, e.source);
          }
        });
      }
    });
  }

  importFolder(
    dir: string,
    layout: ImportLayout = 'auto',
    labelSide: 'auto' | 'A' | 'B' | 'none' = 'auto',
    options: ImportOptions = {},
  ): Promise<ImportReport> {
    return this.runImport(options, labelSide, async (run) => {
      const info = await stat(dir).catch(() => null);
      if (!info?.isDirectory()) throw new ApiError('not-found', `${dir} is not a folder`, { path: dir });
      const chosen = layout === 'auto' ? await detectLayout(dir) : layout;
      const scan = await scanFolder(dir, chosen);
      run.report.layout = chosen;
      run.report.skipped.push(...scan.skipped);
      const kind: DatasetKind | null = chosen === 'unaligned' ? 'unpaired' : chosen === 'images' ? null : 'paired';
      if (kind && kind !== run.data.kind) {
        await this.batch(
          run,
          async () => {
            if (run.data.items.length) {
              throw new ApiError(
                'failed',
                `${dir} holds a ${kind} dataset (${chosen} layout) but this project's dataset is ${run.data.kind}`,
              );
            }
            run.data.kind = kind;
          },
          true,
        );
      }
      run.report.messages.push(`Read ${dir} as the ${chosen} layout: ${scan.entries.length} entries`);
      await this.importEntries(run, scan.entries);
    });
  }

  // ---- export --------------------------------------------------------------------------

  async export(options: ExportOptions): Promise<ExportResult> {
    const root = this.root();
    const data = await this.load();
    return exportDataset(root, data, await this.palette(), options, (done, total, current) =>
      this.progress('export', done, total, current),
    );
  }

  // ---- internals -----------------------------------------------------------------------

  private get maxPixels(): number {
    return this.options.maxImagePixels ?? MAX_IMAGE_PIXELS;
  }

  private photoDomain(run: ImportRun): Domain {
    return run.data.kind === 'paired' ? 'A' : (run.options.domain ?? 'A');
  }

  /**
   * Imports run one at a time, but not in the dataset's queue: their files are decoded and
   * written outside it, and items are added in short batches inside it, so label saves and
   * edits go through while a large import runs.
   */
  private runImport(
    options: ImportOptions,
    labelSide: ImportRun['labelSide'],
    body: (run: ImportRun) => Promise<void>,
  ): Promise<ImportReport> {
    const task = async () => {
      const { root, data } = await this.loadFresh();
      const run: ImportRun = {
        root,
        data,
        options,
        labelSide,
        palette: await this.palette(),
        report: { added: 0, skipped: [], corrupt: [], tooLarge: [], renamed: [], messages: [] },
      };
      await body(run);
      if (run.report.tooLarge.length) {
        run.report.messages.push(
          `${run.report.tooLarge.length} image(s) are over ${this.maxPixels / 1e6} megapixels and were not imported; ` +
            'import them again allowing downscaling',
        );
      }
      return run.report;
    };
    const next = this.imports.then(task, task);
    this.imports = next.catch(() => undefined);
    return next;
  }

  /** One step of an import inside the dataset's queue; what it added is saved at its end. */
  private batch(run: ImportRun, step: () => Promise<void>, changed = false): Promise<void> {
    return this.serial(async () => {
      const { root, data } = await this.loadFresh();
      run.data = data;
      const before = run.report.added;
      try {
        await step();
      } finally {
        // Whatever was added before a failure is kept and recorded.
        if (changed || run.report.added > before) await this.save(root, data);
      }
    });
  }

  private async importEntries(run: ImportRun, entries: ScanEntry[]): Promise<void> {
    const BATCH = 8;
    let done = 0;
    for (let b = 0; b < entries.length; b += BATCH) {
      const chunk = entries.slice(b, b + BATCH);
      let next = 0;
      const worker = async () => {
        while (next < chunk.length) {
          const e = chunk[next++]!;
          const source = e.kind === 'pair' ? e.a : e.path;
          try {
            if (e.kind === 'photo') {
              const domain = e.domain ?? this.photoDomain(run);
              await this.addPhoto(run, e.path, e.path, basename(e.path), domain, e.split);
            } else if (e.kind === 'aligned') {
              await this.addAligned(run, e.path, e.split);
            } else {
              await this.addPair(run, e.a, e.b, e.split);
            }
          } catch (err) {
            if (err instanceof ImageDecodeError) run.report.corrupt.push({ source, reason: err.message });
            else throw err;
          }
          this.progress('import', ++done, entries.length, source);
        }
      };
      await this.batch(run, async () => {
        await Promise.all(Array.from({ length: Math.max(1, this.options.concurrency ?? 2) }, worker));
      });
    }
  }

  /** Size check: the size to store at, or null when refused (reported). */
  private fitSize(run: ImportRun, source: string, width: number, height: number): { width: number; height: number } | null {
    const max = this.maxPixels;
    if (width * height <= max) return { width, height };
    if (!run.options.downscaleLarge) {
      run.report.tooLarge.push({ source, width, height });
      return null;
    }
    return downscaledSize(width, height, max);
  }

  private async addPhoto(
    run: ImportRun,
    src: ImageSource,
    source: string,
    name: string,
    domain: Domain,
    split: Split | undefined,
  ): Promise<void> {
    const probe = await probeImage(src);
    const size = this.fitSize(run, source, probe.width, probe.height);
    if (!size) return;
    const id = newId();
    const notes = [...probe.needsNormalising];
    const downscale = size.width !== probe.width || size.height !== probe.height;
    if (downscale) notes.push(`downscaled from ${probe.width}×${probe.height} to ${size.width}×${size.height}`);
    const keepBytes = notes.length === 0;
    const ext = keepBytes ? normaliseExt(name, probe.format) : '.png';
    const file = `${PROJECT_LAYOUT.dataset}/images/${domain}/${id}${ext}`;
    const abs = join(run.root, file);
    await mkdir(join(run.root, PROJECT_LAYOUT.dataset, 'images', domain), { recursive: true });
    if (keepBytes) {
      if (typeof src === 'string') await copyFile(src, abs);
      else await writeFileAtomic(abs, src);
    } else {
      await writeFileAtomic(abs, await normalisedPng(src, downscale ? size : undefined));
    }
    let thumb: string;
    try {
      thumb = await this.writeThumb(run.root, id, abs);
    } catch (err) {
      await rm(abs, { force: true });
      throw err;
    }
    const state: ItemState = run.data.kind === 'paired' ? 'unlabelled' : 'ready';
    this.addItem(run, { id, name, domain, file, width: size.width, height: size.height, thumb, state, split, notes }, source);
  }

  /** An A|B image: the halves are the photo and its label map (or target image). */
  private async addAligned(run: ImportRun, path: string, split: Split): Promise<void> {
    const probe = await probeImage(path);
    // As the reference: A is the left int(w/2) columns, B the rest; an odd last column is
    // dropped so both halves have one size.
    const half = Math.floor(probe.width / 2);
    if (half < 1) throw new ImageDecodeError(`${probe.width}×${probe.height} is too narrow to hold two halves`);
    const region = (left: number) => ({ left, top: 0, width: half, height: probe.height });
    const [a, b] = await Promise.all([readRgb(path, region(0)), readRgb(path, region(half))]);
    await this.addPairPixels(run, path, basename(path), a, b, split);
  }

  /** A/x and B/x from the A/ and B/ folders layout. */
  private async addPair(run: ImportRun, aPath: string, bPath: string, split: Split | undefined): Promise<void> {
    const a = await readRgb(aPath);
    let b = await readRgb(bPath);
    if (b.width !== a.width || b.height !== a.height) {
      // Resize with nearest neighbour so a label map keeps exact classes.
      const { data, info } = await sharp(b.data, { raw: { width: b.width, height: b.height, channels: 3 } })
        .resize(a.width, a.height, { fit: 'fill', kernel: 'nearest' })
        .raw()
        .toBuffer({ resolveWithObject: true });
      b = { data, width: info.width, height: info.height };
      run.report.messages.push(`${basename(bPath)}: B resized to A's ${a.width}×${a.height}`);
    }
    await this.addPairPixels(run, aPath, basename(aPath), a, b, split);
  }

  private async addPairPixels(
    run: ImportRun,
    source: string,
    name: string,
    a: { data: Buffer; width: number; height: number },
    b: { data: Buffer; width: number; height: number },
    split: Split | undefined,
  ): Promise<void> {
    const size = this.fitSize(run, source, a.width, a.height);
    if (!size) return;
    if (size.width !== a.width) {
      run.report.corrupt.push({ source, reason: 'pairs over the size limit are not downscaled; resize them first' });
      return;
    }
    const qa = run.labelSide === 'auto' || run.labelSide === 'A' ? quantizeToPalette(a.data, 3, run.palette) : null;
    const qb = run.labelSide === 'auto' || run.labelSide === 'B' ? quantizeToPalette(b.data, 3, run.palette) : null;
    let labelIsA: boolean | null = null;
    if (run.labelSide === 'A') labelIsA = true;
    else if (run.labelSide === 'B') labelIsA = false;
    else if (run.labelSide === 'auto') {
      const da = qa!.meanDistance;
      const db = qb!.meanDistance;
      if (Math.min(da, db) <= LABEL_MAP_MAX_DISTANCE) labelIsA = da < db;
    }
    const photo = labelIsA ? b : a;
    const other = labelIsA ? a : b;
    const id = newId();
    const domain: Domain = 'A';
    const file = `${PROJECT_LAYOUT.dataset}/images/A/${id}.png`;
    await writeFileAtomic(join(run.root, file), await rgbPng(photo));
    const thumb = await this.writeThumb(run.root, id, join(run.root, file));
    const base: Omit<DatasetItem, 'state'> = {
      id,
      name,
      domain,
      file,
      width: photo.width,
      height: photo.height,
      thumb,
      split: split ?? 'train',
    };
    if (labelIsA === null) {
      const target = `${PROJECT_LAYOUT.dataset}/images/B/${id}.png`;
      await writeFileAtomic(join(run.root, target), await rgbPng(other));
      this.addItem(run, { ...base, state: 'ready', target }, source, split);
      return;
    }
    const ids = (labelIsA ? qa : qb)!.ids;
    await writeLabelFiles(run.root, id, photo.width, photo.height, ids, run.palette);
    this.addItem(
      run,
      { ...base, state: 'labelled', label: { ...labelFiles(id), saved: new Date().toISOString() } },
      source,
      split,
    );
  }

  private addItem(run: ImportRun, item: Omit<DatasetItem, 'split'> & { split?: Split }, source: string, split = item.split): void {
    const unique = uniqueName(run.data, item.domain, item.name);
    if (unique !== item.name) run.report.renamed.push({ source, name: unique });
    const full: DatasetItem = {
      ...item,
      name: unique,
      split: split ?? splitForNewItem(item.id, run.data.split.seed, run.data.split.ratios),
    };
    if (!full.notes?.length) delete full.notes;
    run.data.items.push(full);
    run.report.added++;
  }

  private async writeThumb(root: string, id: string, file: string): Promise<string> {
    const rel = `${PROJECT_LAYOUT.dataset}/.cache/thumbs/${id}.jpg`;
    await writeFileAtomic(join(root, rel), await thumbnail(file));
    return rel;
  }

  private pick(data: Dataset, ids: string[]): DatasetItem[] {
    const byId = new Map(data.items.map((i) => [i.id, i]));
    return ids.map((id) => {
      const item = byId.get(id);
      if (!item) throw new ApiError('not-found', `No dataset item with id "${id}"`, { id });
      return item;
    });
  }

  private toView(data: Dataset): DatasetView {
    const byState = Object.fromEntries(
      (['unlabelled', 'in-progress', 'labelled', 'ready', 'excluded'] as const).map((s) => [s, 0]),
    ) as Record<ItemState, number>;
    const bySplit = { train: 0, val: 0, test: 0 } as Record<Split, number>;
    for (const i of data.items) {
      byState[i.state]++;
      bySplit[i.split]++;
    }
    const manifest = this.options.projects.current()?.manifest;
    return {
      ...data,
      domainNames: manifest?.domains ?? DEFAULT_DOMAIN_NAMES[data.kind],
      counts: { total: data.items.length, byState, bySplit },
      revision: this.revision,
    };
  }

  private async load(): Promise<Dataset> {
    return (await this.loadFresh()).data;
  }

  /** The dataset of the open project (read once per project, then kept in memory). */
  private async loadFresh(): Promise<{ root: string; data: Dataset }> {
    const root = this.root();
    if (this.cache?.root === root) return this.cache;
    const path = join(root, DATASET_FILE);
    let data: Dataset;
    let text: string | null = null;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new ApiError('failed', `Cannot read ${path}: ${(err as Error).message}`, { path });
      }
    }
    if (text === null) {
      data = { kind: 'paired', paletteId: 'facades', split: { seed: 1, ratios: { train: 0.8, val: 0.1, test: 0.1 } }, items: [] };
    } else {
      let json: { format?: unknown; version?: unknown };
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw new ApiError('failed', `${path} is corrupt (not valid JSON: ${(err as Error).message})`, { path });
      }
      if (json?.format !== DATASET_FORMAT) throw new ApiError('failed', `${path} is not an Atelier dataset file`, { path });
      if (typeof json.version === 'number' && json.version > DATASET_VERSION) {
        throw new ApiError('failed', `${path} was written by a newer Atelier (version ${json.version})`, { path });
      }
      const parsed = datasetSchema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new ApiError('failed', `${path} is corrupt: ${issue.path.join('.')}: ${issue.message}`, { path });
      }
      data = parsed.data;
    }
    this.cache = { root, data };
    return this.cache;
  }

  private async save(root: string, data: Dataset): Promise<void> {
    const checked = datasetSchema.parse(data);
    await writeFileAtomic(
      join(root, DATASET_FILE),
      `${JSON.stringify({ format: DATASET_FORMAT, version: DATASET_VERSION, ...checked }, null, 1)}\n`,
    );
    this.cache = { root, data };
    this.changed();
  }

  private changed(): void {
    this.revision++;
    this.options.emit?.('dataset:changed', { revision: this.revision });
  }

  private lastProgress = 0;
  private progress(task: 'import' | 'export', done: number, total: number, current?: string): void {
    const now = Date.now();
    // At most ~10 events a second, and always the last one.
    if (done < total && now - this.lastProgress < 100) return;
    this.lastProgress = now;
    this.options.emit?.('dataset:progress', { task, done, total, current });
  }

  /** Apply `change` to the dataset and save it; a failure leaves the file and cache as they were. */
  private mutate(change: (data: Dataset, root: string) => Promise<void>): Promise<DatasetView> {
    return this.serial(async () => {
      const { root, data } = await this.loadFresh();
      const copy = structuredClone(data);
      await change(copy, root);
      await this.save(root, copy);
      return this.toView(copy);
    });
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function newId(): string {
  return randomBytes(6).toString('hex');
}

function normaliseExt(name: string, format: string): string {
  const ext = extname(name).toLowerCase();
  if (format === 'jpeg') return ext === '.jpeg' ? '.jpeg' : '.jpg';
  return `.${format}`;
}

/** `name`, or `stem-2.ext`, `stem-3.ext`, … when a file of that name is in the domain already. */
export function uniqueName(data: Dataset, domain: Domain, name: string): string {
  const taken = new Set(data.items.filter((i) => i.domain === domain).map((i) => i.name.toLowerCase()));
  if (!taken.has(name.toLowerCase())) return name;
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let k = 2; ; k++) {
    const candidate = `${stem}-${k}${ext}`;
    if (!taken.has(candidate.toLowerCase())) return candidate;
  }
}

async function rgbPng(img: { data: Buffer; width: number; height: number }): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).png({ compressionLevel: 6 }).toBuffer();
}
