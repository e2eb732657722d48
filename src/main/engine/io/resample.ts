/**
 * Pillow's convolution resampler (libImaging/Resample.c, Pillow ≥ 4), reproduced to the
 * bit for 8-bit images: the reference resizes with `PIL.Image.resize(size, BICUBIC)`
 * (torchvision's Resize on PIL images), so the network sees exactly these bytes.
 * - Separable: a horizontal pass into an 8-bit intermediate image, then a vertical pass.
 * - When shrinking, the filter is stretched by the scale factor (antialiasing).
 * - Weights are normalised per output pixel, then rounded to fixed point with 22
 *   fractional bits; each pass rounds (+½) and clamps its result to 0…255.
 */

/** An 8-bit image, HWC (row-major, channels interleaved). */
export interface Image8 {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

export type ResampleFilter = 'bilinear' | 'bicubic';

interface Filter {
  support: number;
  weight: (x: number) => number;
}

const FILTERS: Record<ResampleFilter, Filter> = {
  bilinear: {
    support: 1,
    weight: (x) => {
      const ax = Math.abs(x);
      return ax < 1 ? 1 - ax : 0;
    },
  },
  // Keys' cubic convolution with a = −0.5, as Pillow's bicubic_filter.
  bicubic: {
    support: 2,
    weight: (x) => {
      const a = -0.5;
      const ax = Math.abs(x);
      if (ax < 1) return ((a + 2) * ax - (a + 3)) * ax * ax + 1;
      if (ax < 2) return (((ax - 5) * ax + 8) * ax - 4) * a;
      return 0;
    },
  },
};

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

/** Resize as PIL's `Image.resize((width, height), Image.BICUBIC)` does for 8-bit images. */
export function resizeBicubic(image: Image8, width: number, height: number): Image8 {
  return resample(image, width, height, 'bicubic');
}

export function resample(image: Image8, width: number, height: number, filter: ResampleFilter): Image8 {
  checkImage(image);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`cannot resize to ${width}×${height}: sizes must be positive integers`);
  }
  // PIL returns a copy when nothing changes.
  if (width === image.width && height === image.height) return { ...image, data: image.data.slice() };

  const f = FILTERS[filter];
  const horizontal = coefficients(image.width, width, f);
  const vertical = coefficients(image.height, height, f);

  let source = image;
  let firstRow = 0;
  if (width !== image.width) {
    // Only the rows the vertical pass will read are resampled horizontally.
    firstRow = vertical.bounds[0]!;
    const lastRow = vertical.bounds[(height - 1) * 2]! + vertical.bounds[(height - 1) * 2 + 1]!;
    source = resampleHorizontal(image, width, firstRow, lastRow, horizontal);
  }
  if (height === image.height) return source;
  return resampleVertical(source, height, firstRow, vertical);
}

interface Coefficients {
  /** Per output pixel: first input index, then the number of taps. */
  bounds: Int32Array;
  /** Fixed-point weights, `size` per output pixel. */
  weights: Int32Array;
  size: number;
}

/** Pillow's precompute_coeffs followed by normalize_coeffs_8bpc. */
function coefficients(inSize: number, outSize: number, filter: Filter): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const size = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * size);
  const k = new Float64Array(size);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterScale;
    // C's (int) cast truncates toward zero.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.weight((x + xmin - center + 0.5) * ss);
      k[x] = w;
      total += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = total !== 0 ? k[x]! / total : k[x]!;
      weights[xx * size + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { bounds, weights, size };
}

function clip8(sum: number): number {
  const v = Math.floor(sum / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

function resampleHorizontal(image: Image8, width: number, firstRow: number, lastRow: number, c: Coefficients): Image8 {
  const { channels } = image;
  const rows = lastRow - firstRow;
  const out = new Uint8Array(width * rows * channels);
  const inStride = image.width * channels;
  for (let y = 0; y < rows; y++) {
    const inRow = (y + firstRow) * inStride;
    const outRow = y * width * channels;
    for (let xx = 0; xx < width; xx++) {
      const xmin = c.bounds[xx * 2]!;
      const taps = c.bounds[xx * 2 + 1]!;
      const k = xx * c.size;
      for (let ch = 0; ch < channels; ch++) {
        let sum = HALF;
        for (let x = 0; x < taps; x++) sum += image.data[inRow + (xmin + x) * channels + ch]! * c.weights[k + x]!;
        out[outRow + xx * channels + ch] = clip8(sum);
      }
    }
  }
  return { data: out, width, height: rows, channels };
}

function resampleVertical(image: Image8, height: number, firstRow: number, c: Coefficients): Image8 {
  const { channels, width } = image;
  const rowStride = width * channels;
  const out = new Uint8Array(height * rowStride);
  for (let yy = 0; yy < height; yy++) {
    const ymin = c.bounds[yy * 2]! - firstRow;
    const taps = c.bounds[yy * 2 + 1]!;
    const k = yy * c.size;
    for (let i = 0; i < rowStride; i++) {
      let sum = HALF;
      for (let y = 0; y < taps; y++) sum += image.data[(ymin + y) * rowStride + i]! * c.weights[k + y]!;
      out[yy * rowStride + i] = clip8(sum);
    }
  }
  return { data: out, width, height, channels };
}

function checkImage(image: Image8): void {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || !Number.isInteger(channels) || channels < 1) {
    throw new Error(`invalid image size ${width}×${height}×${channels}`);
  }
  if (data.length !== width * height * channels) {
    throw new Error(`image data has ${data.length} bytes, expected ${width}×${height}×${channels} = ${width * height * channels}`);
  }
}
