/**
 * The Translate workspace's requests: resolve what the renderer names (model ids, project
 * paths, export names) into what the engine loads and writes (absolute paths, model
 * references), then start the engine job. Nothing here runs a network.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import sharp from 'sharp';
import type { BatchInput, ExportInput, InspectResult, OpenedPhoto, PreviewInput } from '../../shared/api/translate';
import type { Handlers } from './api-host';
import { ApiError } from './api-error';
import { writeFileAtomic } from '../util/atomic-write';
import { probeImage } from './dataset-images';
import type { EngineHost } from './engine-host';
import type { JobRunner } from './job-runner';
import { ModelLibrary, readRunSummary, type RunSummary } from './models';
import { isInside, safeSegments } from './path-confinement';
import { PROJECT_LAYOUT } from './project-layout';
import type { ProjectService } from './projects';

type TranslateChannels = 'models:list' | 'models:inspect' | 'models:import' | 'translate:open' | 'translate:preview' | 'translate:export' | 'translate:batch';

export interface TranslateServiceDeps {
  projects: ProjectService;
  engine: EngineHost;
  jobs: JobRunner;
  /** Reads a run folder's summary; null when it has no checkpoint (default: readRunSummary). */
  readRun?(dir: string): Promise<RunSummary | null>;
}

/** Hidden folder under exports/ that keeps photos the user opened from outside the project. */
const UPLOADS = '.uploads';

export class TranslateService {
  readonly library: ModelLibrary;

  constructor(private readonly deps: TranslateServiceDeps) {
    this.library = new ModelLibrary({
      project: () => {
        const root = deps.projects.requireRoot();
        return { root, domains: deps.projects.current()?.manifest.domains };
      },
      inspect: (path) => this.inspect(path),
      readRun: deps.readRun ?? readRunSummary,
    });
  }

  inspect(path: string): Promise<InspectResult> {
    return this.deps.engine.run<InspectResult>('translate:inspect', { path: absolute(path) });
  }

  /**
   * A photo on disk or bytes the user picked. Photos from outside the project are copied
   * to exports/.uploads (named by content, so opening one twice keeps one copy), and
   * formats a browser cannot show (TIFF, 16-bit, CMYK…) are stored as PNG, oriented.
   */
  async open(input: { path: string } | { name: string; data: string }): Promise<OpenedPhoto> {
    const root = this.deps.projects.requireRoot();
    const name = 'path' in input ? basename(input.path) : basename(input.name);
    const source = 'path' in input ? await this.sourcePath(input.path) : Buffer.from(input.data, 'base64');
    const probe = await probeImage(source).catch((err: Error) => {
      throw new ApiError('failed', `${'path' in input ? source : name}: ${err.message}`, { path: 'path' in input ? source : name });
    });
    if (typeof source === 'string' && isInside(root, source) && probe.needsNormalising.length === 0) {
      return { path: source, rel: relative(root, source).split(sep).join('/'), name, width: probe.width, height: probe.height };
    }
    const bytes = typeof source === 'string' ? await readFile(source) : source;
    const displayable = probe.needsNormalising.length === 0;
    const stored = displayable ? bytes : await sharp(bytes).rotate().toColourspace('srgb').png().toBuffer();
    const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
    const safe = name.replace(/[^\w.\- ]+/g, '_') || 'photo';
    const fileName = `${hash}-${displayable ? safe : `${safe.replace(/\.[^.]*$/, '')}.png`}`;
    const rel = `${PROJECT_LAYOUT.exports}/${UPLOADS}/${fileName}`;
    const path = join(root, PROJECT_LAYOUT.exports, UPLOADS, fileName);
    if (!(await exists(path))) await writeFileAtomic(path, stored);
    return { path, rel, name, width: probe.width, height: probe.height };
  }

  async preview(input: PreviewInput) {
    const { ref } = await this.library.resolve(input.modelId);
    const source = 'path' in input.source ? { path: await this.sourcePath(input.source.path) } : input.source;
    return this.deps.jobs.start('translate:preview', {
      model: ref,
      direction: input.direction,
      source,
      blend: input.blend,
      eval: input.eval ?? false,
      maxSize: input.maxSize,
    });
  }

  async export(input: ExportInput) {
    const { ref } = await this.library.resolve(input.modelId);
    const source = await this.sourcePath(input.source.path);
    const output = this.exportPath(input.output);
    const ext = extname(output).toLowerCase();
    const wanted = input.format === 'jpeg' ? ['.jpg', '.jpeg'] : ['.png'];
    if (!wanted.includes(ext)) {
      throw new ApiError('invalid-payload', `Output ${input.output} must end in ${wanted.join(' or ')} for ${input.format.toUpperCase()}`, {
        output: input.output,
      });
    }
    if (!input.overwrite && (await exists(output))) {
      throw new ApiError('failed', `${PROJECT_LAYOUT.exports}/${input.output} already exists: choose another name or allow replacing it`, {
        path: output,
      });
    }
    return this.deps.jobs.start('translate:export', {
      model: ref,
      direction: input.direction,
      source: { path: source },
      blend: input.blend,
      eval: input.eval ?? false,
      output,
      format: input.format,
      quality: input.quality,
      overwrite: input.overwrite,
      ...(input.tile !== undefined ? { tile: input.tile } : {}),
    });
  }

  async batch(input: BatchInput) {
    const { ref } = await this.library.resolve(input.modelId);
    let inputs: string[];
    if ('folder' in input.input) {
      const folder = await this.sourcePath(input.input.folder);
      const names = await readdir(folder).catch((err: Error) => {
        throw new ApiError('not-found', `Cannot read folder ${folder}: ${err.message}`, { path: folder });
      });
      inputs = [];
      for (const name of names.sort()) {
        if (name.startsWith('.')) continue;
        const s = await stat(join(folder, name)).catch(() => null);
        if (s?.isFile()) inputs.push(join(folder, name));
      }
      if (inputs.length === 0) throw new ApiError('failed', `Folder ${folder} holds no files to translate`, { path: folder });
    } else {
      inputs = await Promise.all(input.input.files.map((f) => this.sourcePath(f)));
    }
    return this.deps.jobs.start('translate:batch', {
      model: ref,
      direction: input.direction,
      inputs,
      outputDir: this.exportPath(input.output),
      format: input.format,
      quality: input.quality,
      overwrite: input.overwrite,
      blend: { feather: 0, strength: input.strength },
      eval: input.eval ?? false,
      ...(input.tile !== undefined ? { tile: input.tile } : {}),
    });
  }

  handlers(): Pick<Handlers, TranslateChannels> {
    return {
      'models:list': () => this.library.list(),
      'models:inspect': ({ path }) => this.inspect(path),
      'models:import': (input) => this.library.import(input),
      'translate:open': (input) => this.open(input),
      'translate:preview': (input) => this.preview(input),
      'translate:export': (input) => this.export(input),
      'translate:batch': (input) => this.batch(input),
    };
  }

  /** An absolute path, or one relative to the open project; it must exist. */
  private async sourcePath(path: string): Promise<string> {
    const full = isAbsolute(path) ? resolve(path) : join(this.deps.projects.requireRoot(), ...safeSegments(path));
    if (!(await exists(full))) throw new ApiError('not-found', `No such file or folder: ${full}`, { path: full });
    return full;
  }

  /** A path inside the project's exports/ folder (relative; no ".." or absolute paths). */
  private exportPath(rel: string): string {
    return join(this.deps.projects.requireRoot(), PROJECT_LAYOUT.exports, ...safeSegments(rel));
  }
}

function absolute(path: string): string {
  if (!isAbsolute(path)) throw new ApiError('invalid-payload', `Expected an absolute path, got ${JSON.stringify(path)}`, { path });
  return resolve(path);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
