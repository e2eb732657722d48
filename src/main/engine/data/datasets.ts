/**
 * The dataset layouts, as the reference's dataset classes (data/*_dataset.py):
 *
 * - aligned   `<dataroot>/<phase>/*`: each image holds A (left half) and B (right half)
 *             side by side, split at ⌊w/2⌋; both halves share one crop and flip.
 * - unaligned `<dataroot>/<phase>A/*`, `<dataroot>/<phase>B/*`: sample i takes A[i mod |A|]
 *             and a random B (B[i mod |B|] with serial_batches); each image is cropped and
 *             flipped on its own. Its length is max(|A|, |B|).
 * - single    `<dataroot>/*`: one domain (A), for inference.
 * - paired    `<dataroot>/<phase>/A/*` and `…/B/*` (or `<dataroot>/A`, `<dataroot>/B`): two
 *             folders matched by file name without extension, as the label editor writes
 *             them (photo in A, label map in B); both share one crop and flip.
 *
 * A and B are the folders' domains; `direction` is applied by the models (BtoA swaps them),
 * as in the reference. It matters here only for which side is converted to grayscale: the
 * input side when input_nc is 1, the output side when output_nc is 1.
 */
import { basename, dirname, extname, join, relative } from 'node:path';
import type { Rng } from '../train/rng';
import { readImage8, resizeBicubic } from '../io/image';
import { DatasetError, isDirectory, listImages } from './image-folder';
import {
  cropRaster,
  getParams,
  transformImage,
  type Raster,
  type ResizeFn,
  type TransformOptions,
} from './transforms';

export type DatasetMode = 'aligned' | 'unaligned' | 'single' | 'paired';

export interface DatasetOptions extends TransformOptions {
  dataroot: string;
  phase: string;
  dataset_mode: DatasetMode;
  direction: 'AtoB' | 'BtoA';
  input_nc: number;
  output_nc: number;
  serial_batches: boolean;
  max_dataset_size: number | null;
}

/** One preprocessed image: HWC float32 in [-1, 1]. */
export interface ImageArray {
  width: number;
  height: number;
  channels: number;
  data: Float32Array;
}

export interface Sample {
  A: ImageArray;
  B?: ImageArray;
  A_path: string;
  B_path?: string;
}

export interface Dataset {
  readonly mode: DatasetMode;
  /** Number of samples (the reference's `len(dataset)`). */
  readonly size: number;
  /** The folders read, for messages. */
  readonly folders: readonly string[];
  /** Files that were found but cannot be used (unmatched pairs), with the reason. */
  readonly warnings: readonly string[];
  /** Sample `index`; `rng` is this sample's own stream (crop, flip, random pairing). */
  load(index: number, rng: Rng): Promise<Sample>;
}

/** How images are read and resized; PIL-equivalent by default (io/image). */
export interface DatasetDeps {
  resize?: ResizeFn;
  decode?: (path: string) => Promise<Raster>;
}

/** `Image.open(path).convert('RGB')`, with the failure naming the file. */
async function decodeRgb(path: string): Promise<Raster> {
  try {
    return await readImage8(path, { channels: 3 });
  } catch (err) {
    throw new DatasetError(err instanceof Error ? err.message : String(err), path);
  }
}

function resolveDeps(deps: DatasetDeps): Required<DatasetDeps> {
  return { resize: deps.resize ?? resizeBicubic, decode: deps.decode ?? decodeRgb };
}

/** Whether side A / B is converted to one channel, per direction (input side is A for AtoB). */
function grayscaleSides(opt: DatasetOptions): { A: boolean; B: boolean } {
  const btoA = opt.direction === 'BtoA';
  return { A: (btoA ? opt.output_nc : opt.input_nc) === 1, B: (btoA ? opt.input_nc : opt.output_nc) === 1 };
}

function checkIndex(index: number, size: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= size) throw new RangeError(`sample index ${index} outside 0…${size - 1}`);
}

function requireImages(paths: string[], dir: string, what: string): void {
  if (paths.length === 0) throw new DatasetError(`no images found in ${dir} (${what}; extensions .jpg, .png, .bmp, .tif, .ppm, .webp)`);
}

export async function createDataset(opt: DatasetOptions, overrides: DatasetDeps = {}): Promise<Dataset> {
  const deps = resolveDeps(overrides);
  switch (opt.dataset_mode) {
    case 'aligned':
      return alignedDataset(opt, deps);
    case 'unaligned':
      return unalignedDataset(opt, deps);
    case 'single':
      return singleDataset(opt, deps);
    case 'paired':
      return pairedDataset(opt, deps);
    default:
      throw new DatasetError(`dataset_mode '${String(opt.dataset_mode)}' is not recognized (aligned, unaligned, single, paired)`);
  }
}

async function alignedDataset(opt: DatasetOptions, deps: Required<DatasetDeps>): Promise<Dataset> {
  const dir = join(opt.dataroot, opt.phase);
  if (!(await isDirectory(dir))) {
    throw new DatasetError(`aligned dataset: folder ${dir} not found (expected <dataroot>/${opt.phase}/ with A|B images side by side)`);
  }
  const paths = await listImages(dir, opt.max_dataset_size);
  requireImages(paths, dir, 'aligned dataset');
  const decode = deps.decode;
  const gray = grayscaleSides(opt);
  return {
    mode: 'aligned',
    size: paths.length,
    folders: [dir],
    warnings: [],
    async load(index, rng) {
      checkIndex(index, paths.length);
      const path = paths[index]!;
      const ab = await decode(path);
      if (ab.width < 2) throw new DatasetError(`${path}: ${ab.width}×${ab.height} image is too narrow to hold A and B side by side`, path);
      const w2 = Math.floor(ab.width / 2);
      const a = cropRaster(ab, 0, 0, w2, ab.height);
      const b = cropRaster(ab, w2, 0, ab.width - w2, ab.height);
      const params = getParams(opt, a.width, a.height, rng);
      return {
        A: transformImage({ image: a, path, grayscale: gray.A, params }, opt, rng, deps.resize),
        B: transformImage({ image: b, path, grayscale: gray.B, params }, opt, rng, deps.resize),
        A_path: path,
        B_path: path,
      };
    },
  };
}

async function unalignedDataset(opt: DatasetOptions, deps: Required<DatasetDeps>): Promise<Dataset> {
  const dirA = join(opt.dataroot, `${opt.phase}A`);
  const dirB = join(opt.dataroot, `${opt.phase}B`);
  for (const d of [dirA, dirB]) {
    if (!(await isDirectory(d))) {
      throw new DatasetError(`unaligned dataset: folder ${d} not found (expected <dataroot>/${opt.phase}A/ and <dataroot>/${opt.phase}B/)`);
    }
  }
  const pathsA = await listImages(dirA, opt.max_dataset_size);
  const pathsB = await listImages(dirB, opt.max_dataset_size);
  requireImages(pathsA, dirA, 'domain A');
  requireImages(pathsB, dirB, 'domain B');
  const decode = deps.decode;
  const gray = grayscaleSides(opt);
  const size = Math.max(pathsA.length, pathsB.length);
  return {
    mode: 'unaligned',
    size,
    folders: [dirA, dirB],
    warnings: [],
    async load(index, rng) {
      checkIndex(index, size);
      const pathA = pathsA[index % pathsA.length]!;
      // Random B partners avoid fixed pairs; serial_batches keeps them in step with A.
      const indexB = opt.serial_batches ? index % pathsB.length : rng.randint(0, pathsB.length - 1);
      const pathB = pathsB[indexB]!;
      const [a, b] = await Promise.all([decode(pathA), decode(pathB)]);
      return {
        A: transformImage({ image: a, path: pathA, grayscale: gray.A }, opt, rng, deps.resize),
        B: transformImage({ image: b, path: pathB, grayscale: gray.B }, opt, rng, deps.resize),
        A_path: pathA,
        B_path: pathB,
      };
    },
  };
}

async function singleDataset(opt: DatasetOptions, deps: Required<DatasetDeps>): Promise<Dataset> {
  const paths = await listImages(opt.dataroot, opt.max_dataset_size);
  requireImages(paths, opt.dataroot, 'single dataset');
  const decode = deps.decode;
  const gray = grayscaleSides(opt);
  return {
    mode: 'single',
    size: paths.length,
    folders: [opt.dataroot],
    warnings: [],
    async load(index, rng) {
      checkIndex(index, paths.length);
      const path = paths[index]!;
      const a = await decode(path);
      return { A: transformImage({ image: a, path, grayscale: gray.A }, opt, rng, deps.resize), A_path: path };
    },
  };
}

/** The name a paired file is matched by: its path inside its folder, without extension. */
function pairKey(root: string, path: string): string {
  const rel = relative(root, path);
  return join(dirname(rel), basename(rel, extname(rel)));
}

async function pairedDataset(opt: DatasetOptions, deps: Required<DatasetDeps>): Promise<Dataset> {
  const phaseRoot = join(opt.dataroot, opt.phase);
  const root = (await isDirectory(join(phaseRoot, 'A'))) ? phaseRoot : opt.dataroot;
  const dirA = join(root, 'A');
  const dirB = join(root, 'B');
  for (const d of [dirA, dirB]) {
    if (!(await isDirectory(d))) {
      throw new DatasetError(`paired dataset: folder ${d} not found (expected A/ and B/ under <dataroot>/${opt.phase}/ or <dataroot>/)`);
    }
  }
  const filesA = await listImages(dirA);
  const filesB = await listImages(dirB);
  const byKeyB = new Map<string, string>();
  const warnings: string[] = [];
  for (const p of filesB) {
    const key = pairKey(dirB, p);
    if (byKeyB.has(key)) warnings.push(`${p}: another file in B has the same name (${byKeyB.get(key)}); using the first`);
    else byKeyB.set(key, p);
  }
  const pairs: [string, string][] = [];
  const usedB = new Set<string>();
  const seenA = new Set<string>();
  for (const p of filesA) {
    const key = pairKey(dirA, p);
    if (seenA.has(key)) {
      warnings.push(`${p}: another file in A has the same name; skipped`);
      continue;
    }
    seenA.add(key);
    const partner = byKeyB.get(key);
    if (partner) {
      pairs.push([p, partner]);
      usedB.add(partner);
    } else warnings.push(`${p}: no file named ${key}.* in ${dirB}; skipped`);
  }
  for (const p of byKeyB.values()) if (!usedB.has(p)) warnings.push(`${p}: no file with its name in ${dirA}; skipped`);
  if (pairs.length === 0) {
    throw new DatasetError(`paired dataset: no file in ${dirA} has a partner of the same name in ${dirB}`);
  }
  const used = opt.max_dataset_size == null ? pairs : pairs.slice(0, opt.max_dataset_size);
  const decode = deps.decode;
  const gray = grayscaleSides(opt);
  return {
    mode: 'paired',
    size: used.length,
    folders: [dirA, dirB],
    warnings,
    async load(index, rng) {
      checkIndex(index, used.length);
      const [pathA, pathB] = used[index]!;
      const [a, b] = await Promise.all([decode(pathA), decode(pathB)]);
      // One crop position serves both images only if they show the same frame.
      if ((a.width !== b.width || a.height !== b.height) && opt.preprocess !== 'resize_and_crop') {
        throw new DatasetError(
          `${pathA} (${a.width}×${a.height}) and ${pathB} (${b.width}×${b.height}) differ in size; a pair must match for preprocess '${opt.preprocess}'`,
          pathA,
        );
      }
      const params = getParams(opt, a.width, a.height, rng);
      return {
        A: transformImage({ image: a, path: pathA, grayscale: gray.A, params }, opt, rng, deps.resize),
        B: transformImage({ image: b, path: pathB, grayscale: gray.B, params }, opt, rng, deps.resize),
        A_path: pathA,
        B_path: pathB,
      };
    },
  };
}
