/**
 * Loading the generator a translation needs, and keeping the last few loaded: a live
 * preview runs every few hundred milliseconds and must not re-read weights each time.
 * Generators are kept as their state_dicts (infer/generator.ts `InferenceGenerator`): ONNX
 * Runtime builds its sessions from those, and a TF.js network is made only if TF.js runs.
 *
 * A generator comes from one of three places (engine-side view of the model library):
 * - `model`: a saved model folder (engine/io/model-file.ts), one .pth per direction;
 * - `run`:   a training run folder, its newest checkpoint (engine/train's loadRunGenerators);
 * - `pth`:   a bare reference checkpoint, its architecture read from its keys and shapes.
 */
import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { readModelGenerator, readModelManifest, type ModelDirection } from '../io/model-file';
import { readPth } from '../io/pth';
import type { StateDict } from '../io/tensor-data';
import { InferenceGenerator } from '../infer/generator';
import { inferArchitecture, parseGeneratorName, type GeneratorOptions, type InferredArchitecture } from '../networks';
import { loadRunGenerator, runStamp } from './translate-run';

export const modelRefSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('model'), dir: z.string().min(1) }),
  z.strictObject({ type: z.literal('run'), dir: z.string().min(1) }),
  z.strictObject({ type: z.literal('pth'), path: z.string().min(1), useDropout: z.boolean().optional() }),
]);
export type ModelRef = z.output<typeof modelRefSchema>;

export interface LoadedGenerator {
  /** The generator, loaded for inference. */
  net: InferenceGenerator;
  options: GeneratorOptions;
  /** Identifies these exact weights (path, direction, file time and size). */
  key: string;
}

/** Options as stored in a manifest, checked into the networks module's type. */
export function toGeneratorOptions(o: { netG: string } & Omit<GeneratorOptions, 'netG'>): GeneratorOptions {
  parseGeneratorName(o.netG); // throws with the accepted names
  return { ...o, netG: o.netG as GeneratorOptions['netG'] };
}

/** The generator for `options` with the weights `sd` (strict: every key must fit). */
export function generatorFromStateDict(options: GeneratorOptions, sd: StateDict, what: string): InferenceGenerator {
  return new InferenceGenerator(options, sd, what);
}

/** The architecture of a bare .pth; refuses discriminators with a clear message. */
export function generatorOptionsFromStateDict(sd: StateDict, path: string, useDropout?: boolean): { options: GeneratorOptions; found: InferredArchitecture } {
  let found: InferredArchitecture;
  try {
    found = inferArchitecture(sd);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  if (found.role !== 'generator') {
    throw new Error(`${path} holds a discriminator (${found.options.netD}), not a generator: it cannot translate images`);
  }
  return { options: { ...found.options, useDropout: useDropout ?? (found.dropoutInferred ? found.options.useDropout : false) }, found };
}

async function fileStamp(path: string): Promise<string> {
  try {
    const s = await stat(path);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    throw new Error(`model file not found: ${path}`);
  }
}

async function loadGenerator(ref: ModelRef, direction: ModelDirection): Promise<LoadedGenerator> {
  switch (ref.type) {
    case 'model': {
      const manifest = await readModelManifest(ref.dir);
      const { options: stored, stateDict, path } = await readModelGenerator(ref.dir, direction, manifest);
      const options = toGeneratorOptions(stored);
      const net = generatorFromStateDict(options, stateDict, path);
      return { net, options, key: `model:${path}:${await fileStamp(path)}` };
    }
    case 'pth': {
      const sd = await readPth(ref.path);
      const { options } = generatorOptionsFromStateDict(sd, ref.path, ref.useDropout);
      const net = generatorFromStateDict(options, sd, ref.path);
      return { net, options, key: `pth:${ref.path}:${await fileStamp(ref.path)}` };
    }
    case 'run': {
      const { options, stateDict, stamp, what } = await loadRunGenerator(ref.dir, direction);
      return { net: generatorFromStateDict(options, stateDict, what), options, key: `run:${stamp}` };
    }
  }
}

/** The cache key a ref has now (changes when its weights file changes), without loading it. */
async function currentKey(ref: ModelRef, direction: ModelDirection): Promise<string | undefined> {
  switch (ref.type) {
    case 'model': {
      const manifest = await readModelManifest(ref.dir);
      const entry = manifest.generators[direction];
      if (!entry) return undefined;
      const path = `${ref.dir}/${entry.file}`;
      return `model:${path}:${await fileStamp(path)}`;
    }
    case 'pth':
      return `pth:${ref.path}:${await fileStamp(ref.path)}`;
    case 'run':
      return `run:${await runStamp(ref.dir, direction)}`;
  }
}

/**
 * The last `capacity` generators loaded, least recently used evicted (and disposed).
 * A file that changed on disk since it was loaded is loaded again.
 */
export class GeneratorCache {
  private readonly entries = new Map<string, LoadedGenerator>();
  /** ref+direction → the key its weights had when loaded. */
  private readonly keysByRef = new Map<string, string>();
  readonly stats = { hits: 0, loads: 0 };

  constructor(private readonly capacity = 3) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`cache capacity must be ≥ 1, got ${capacity}`);
  }

  async get(ref: ModelRef, direction: ModelDirection): Promise<LoadedGenerator & { cached: boolean }> {
    const refKey = `${JSON.stringify(ref)}|${direction}`;
    const known = this.keysByRef.get(refKey);
    if (known !== undefined) {
      const now = await currentKey(ref, direction).catch(() => undefined);
      const entry = this.entries.get(known);
      if (entry && now === known) {
        // Refresh recency: Map keeps insertion order, so re-insert at the end.
        this.entries.delete(known);
        this.entries.set(known, entry);
        this.stats.hits += 1;
        return { ...entry, cached: true };
      }
    }
    const loaded = await loadGenerator(ref, direction);
    this.stats.loads += 1;
    const stale = this.entries.get(loaded.key);
    if (stale && stale.net !== loaded.net) void stale.net.dispose();
    this.entries.delete(loaded.key);
    this.entries.set(loaded.key, loaded);
    this.keysByRef.set(refKey, loaded.key);
    if (known !== undefined && known !== loaded.key) this.drop(known);
    while (this.entries.size > this.capacity) this.drop(this.entries.keys().next().value as string);
    return { ...loaded, cached: false };
  }

  /** Dispose every cached generator (and the sessions built from it). */
  clear(): void {
    for (const key of [...this.entries.keys()]) this.drop(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    void entry.net.dispose();
    this.entries.delete(key);
    for (const [refKey, k] of this.keysByRef) if (k === key) this.keysByRef.delete(refKey);
  }
}
