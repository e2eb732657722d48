/**
 * Preview images of a run: the model's declared visuals (`visualNames`) computed on a few
 * fixed samples every `preview_freq` images, kept as history:
 *
 *   <run>/previews/<step>/<visual>.png   the samples side by side
 *   <run>/previews/index.json            { visualNames, entries: [{ step, epoch, total_iters, time, files }] }
 *
 * Previews never disturb training: `computeVisuals` runs without updating BatchNorm
 * statistics, pools or optimizers, with a fixed dropout seed so previews are comparable.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomic-write';
import { writeImage } from '../io/image';
import type { ModelInput, TranslationModel } from '../models';
import * as tf from '../tf';

export interface PreviewEntry {
  step: number;
  epoch: number;
  total_iters: number;
  time: string;
  /** Visual name → path relative to the run folder. */
  files: Record<string, string>;
}

export interface PreviewIndex {
  visualNames: string[];
  entries: PreviewEntry[];
}

export const PREVIEW_DIR = 'previews';
export const PREVIEW_INDEX = 'index.json';

export async function readPreviewIndex(runDir: string): Promise<PreviewIndex | null> {
  try {
    return JSON.parse(await readFile(join(runDir, PREVIEW_DIR, PREVIEW_INDEX), 'utf8')) as PreviewIndex;
  } catch {
    return null;
  }
}

export class PreviewWriter {
  private constructor(
    private readonly runDir: string,
    private readonly index: PreviewIndex,
    private readonly samples: ModelInput,
    private readonly dropoutSeed: number,
  ) {}

  /**
   * `samples` (owned by the writer from now on) are the fixed inputs; previews of steps after
   * `keepThroughStep` (a resumed run) are removed, as those steps run again.
   */
  static async open(
    runDir: string,
    model: TranslationModel,
    samples: ModelInput,
    dropoutSeed: number,
    keepThroughStep?: number,
  ): Promise<PreviewWriter> {
    const previous = await readPreviewIndex(runDir);
    const entries = previous?.entries ?? [];
    const kept = keepThroughStep === undefined ? entries : entries.filter((e) => e.step <= keepThroughStep);
    for (const e of entries) {
      if (!kept.includes(e)) await rm(join(runDir, PREVIEW_DIR, String(e.step)), { recursive: true, force: true });
    }
    const writer = new PreviewWriter(runDir, { visualNames: [...model.visualNames], entries: kept }, samples, dropoutSeed);
    if (kept.length !== entries.length) await writer.saveIndex();
    return writer;
  }

  async write(model: TranslationModel, at: { step: number; epoch: number; total_iters: number }): Promise<PreviewEntry> {
    const visuals = model.computeVisuals(this.samples, this.dropoutSeed);
    const files: Record<string, string> = {};
    try {
      for (const [name, t] of visuals) {
        const [n, h, w, c] = t.shape;
        if (c !== 1 && c !== 3) continue;
        // Samples side by side: [N, H, W, C] → [H, N·W, C].
        const tiled = tf.tidy(() => tf.reshape(tf.transpose(t, [1, 0, 2, 3]), [h, n * w, c]));
        const data = (await tiled.data()) as Float32Array;
        tiled.dispose();
        const rel = join(PREVIEW_DIR, String(at.step), `${name}.png`);
        await writeImage(join(this.runDir, rel), { data, width: n * w, height: h, channels: c }, { overwrite: true });
        files[name] = rel;
      }
    } finally {
      for (const t of visuals.values()) t.dispose();
    }
    const entry: PreviewEntry = { ...at, time: new Date().toISOString(), files };
    this.index.entries = this.index.entries.filter((e) => e.step !== at.step);
    this.index.entries.push(entry);
    await this.saveIndex();
    return entry;
  }

  dispose(): void {
    this.samples.A.dispose();
    this.samples.B.dispose();
  }

  private async saveIndex(): Promise<void> {
    await writeFileAtomic(join(this.runDir, PREVIEW_DIR, PREVIEW_INDEX), `${JSON.stringify(this.index, null, 1)}\n`);
  }
}
