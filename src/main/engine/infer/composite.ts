/**
 * Mask-restricted translation: the output takes the translated image inside the user's
 * mask and the original photo outside, blended over a feather, and scaled by a strength.
 *
 * Everything here works on 8-bit HWC pixels of the *original* source, never on the
 * network's [-1, 1] tensors: where the blend weight is 0 the output byte is the source
 * byte, exactly (no float round trip), and where it is 1 it is the translated byte.
 *
 * CycleGAN's known failure is texture spilling onto background or people (Zhu et al.
 * 2017, §5.2 "Limitations"); restricting it by a painted mask is the user's remedy.
 */

/** An 8-bit image, row-major HWC. */
export interface Raster {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

export interface CompositeOptions {
  /**
   * Coverage per pixel (width × height bytes, row-major): 0 keeps the source, 255 takes
   * the translation, values between blend. Absent: the whole image is translated.
   */
  mask?: Uint8Array;
  /** Feather radius in pixels: the weight ramps up over this distance inside the mask. */
  feather?: number;
  /** Overall blend of translation over source, 0 … 1 (default 1). */
  strength?: number;
}

/**
 * The blend weight of every pixel in [0, 1]: coverage × feather ramp × strength.
 *
 * The feather ramps *inward* from the mask's edge: a masked pixel at Euclidean distance d
 * (pixel centres) from the nearest unmasked pixel gets smoothstep((d − ½) / radius). So a
 * feather never reaches outside the mask — the promise that pixels outside it are the
 * source, exactly — and a larger radius only ever lowers weights (monotone in radius and
 * in depth). The image border is not an edge: a mask that touches it stays full there.
 */
export function blendWeights(width: number, height: number, options: CompositeOptions = {}): Float32Array {
  checkSize(width, height);
  const strength = options.strength ?? 1;
  const feather = options.feather ?? 0;
  if (!Number.isFinite(strength) || strength < 0 || strength > 1) {
    throw new Error(`strength must be within 0 … 1, got ${strength}`);
  }
  if (!Number.isFinite(feather) || feather < 0) {
    throw new Error(`feather radius must be a non-negative number of pixels, got ${feather}`);
  }
  const n = width * height;
  const weights = new Float32Array(n);
  const { mask } = options;
  if (!mask) {
    weights.fill(strength);
    return weights;
  }
  if (mask.length !== n) {
    throw new Error(`mask has ${mask.length} values, expected ${width}×${height} = ${n}`);
  }
  for (let i = 0; i < n; i++) weights[i] = (mask[i]! / 255) * strength;
  if (feather > 0) {
    const inside = new Uint8Array(n);
    for (let i = 0; i < n; i++) inside[i] = mask[i]! > 0 ? 1 : 0;
    const dist2 = squaredDistanceToOutside(inside, width, height);
    for (let i = 0; i < n; i++) {
      if (!inside[i]) continue;
      const t = (Math.sqrt(dist2[i]!) - 0.5) / feather;
      if (t < 1) weights[i] = weights[i]! * smoothstep(t);
    }
  }
  return weights;
}

/**
 * out = source + w · (translated − source), rounded, per pixel and channel. w = 0 gives
 * the source byte and w = 1 the translated byte exactly. Both images must have the same
 * size; channels may differ only as gray (1) against colour (3), where gray is repeated.
 */
export function compositeTranslation(source: Raster, translated: Raster, options: CompositeOptions = {}): Raster {
  checkRaster('source', source);
  checkRaster('translated', translated);
  const { width, height, channels } = source;
  if (translated.width !== width || translated.height !== height) {
    throw new Error(
      `translated image is ${translated.width}×${translated.height}, the source ${width}×${height}: they must match`,
    );
  }
  if (translated.channels !== channels && translated.channels !== 1) {
    throw new Error(`translated image has ${translated.channels} channels, the source ${channels}`);
  }
  return blendWithWeights(source, translated, blendWeights(width, height, options));
}

/** The blend itself, for callers that reuse one weight map (preview, batch with one mask). */
export function blendWithWeights(source: Raster, translated: Raster, weights: Float32Array): Raster {
  const { width, height, channels } = source;
  const n = width * height;
  if (weights.length !== n) throw new Error(`weight map has ${weights.length} values, expected ${n}`);
  const out = new Uint8Array(n * channels);
  const src = source.data;
  const dst = translated.data;
  const tc = translated.channels;
  for (let p = 0; p < n; p++) {
    const w = weights[p]!;
    const s = p * channels;
    const t = p * tc;
    for (let c = 0; c < channels; c++) {
      const a = src[s + c]!;
      if (w === 0) out[s + c] = a;
      else if (w === 1) out[s + c] = dst[t + (tc === 1 ? 0 : c)]!;
      else out[s + c] = Math.round(a + w * (dst[t + (tc === 1 ? 0 : c)]! - a));
    }
  }
  return { data: out, width, height, channels };
}

/**
 * Resizes a coverage mask (0–255 bytes) to another size by area averaging, so a mask
 * painted on the full-size photo can restrict a preview at any scale. A target pixel is
 * 0 only when every source pixel it covers is 0, keeping "outside stays source" true at
 * the preview's scale as well.
 */
export function resizeMask(mask: Uint8Array, width: number, height: number, toWidth: number, toHeight: number): Uint8Array {
  checkSize(width, height);
  checkSize(toWidth, toHeight);
  if (mask.length !== width * height) {
    throw new Error(`mask has ${mask.length} values, expected ${width}×${height} = ${width * height}`);
  }
  if (width === toWidth && height === toHeight) return mask.slice();
  const out = new Uint8Array(toWidth * toHeight);
  const sx = width / toWidth;
  const sy = height / toHeight;
  for (let y = 0; y < toHeight; y++) {
    const y0 = y * sy;
    const y1 = y0 + sy;
    for (let x = 0; x < toWidth; x++) {
      const x0 = x * sx;
      const x1 = x0 + sx;
      let sum = 0;
      let area = 0;
      let any = false;
      for (let yy = Math.floor(y0); yy < Math.min(height, Math.ceil(y1)); yy++) {
        const wy = Math.min(y1, yy + 1) - Math.max(y0, yy);
        for (let xx = Math.floor(x0); xx < Math.min(width, Math.ceil(x1)); xx++) {
          const wx = Math.min(x1, xx + 1) - Math.max(x0, xx);
          const v = mask[yy * width + xx]!;
          sum += v * wx * wy;
          area += wx * wy;
          if (v > 0) any = true;
        }
      }
      // Never let rounding turn partial coverage into 0 (or full into less than 255).
      out[y * toWidth + x] = any ? Math.max(1, Math.round(sum / area)) : 0;
    }
  }
  return out;
}

function smoothstep(t: number): number {
  if (t <= 0) return 0;
  return t * t * (3 - 2 * t);
}

/**
 * Squared Euclidean distance from every pixel to the nearest pixel with inside = 0
 * (Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled Functions", 2012): a
 * 1-D lower-envelope pass over columns, then over rows; linear in the pixel count.
 * Pixels outside get 0; with no outside pixel at all every distance is +Infinity.
 */
export function squaredDistanceToOutside(inside: Uint8Array, width: number, height: number): Float64Array {
  const n = width * height;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = inside[i] ? Infinity : 0;
  const len = Math.max(width, height);
  const f = new Float64Array(len);
  const out = new Float64Array(len);
  const v = new Int32Array(len);
  const z = new Float64Array(len + 1);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) f[y] = d[y * width + x]!;
    envelope(f, height, out, v, z);
    for (let y = 0; y < height; y++) d[y * width + x] = out[y]!;
  }
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) f[x] = d[row + x]!;
    envelope(f, width, out, v, z);
    for (let x = 0; x < width; x++) d[row + x] = out[x]!;
  }
  return d;
}

/** One 1-D squared distance transform of f[0..n) into out (lower envelope of parabolas). */
function envelope(f: Float64Array, n: number, out: Float64Array, v: Int32Array, z: Float64Array): void {
  // Infinite samples (no outside pixel in this line yet) never lie on the envelope.
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = f[q]!;
    if (fq === Infinity) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    let p = v[k]!;
    let s = (fq + q * q - (f[p]! + p * p)) / (2 * (q - p));
    // z[0] is −∞, so this stops at k = 0 at the latest.
    while (s <= z[k]!) {
      k--;
      p = v[k]!;
      s = (fq + q * q - (f[p]! + p * p)) / (2 * (q - p));
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    out.fill(Infinity, 0, n);
    return;
  }
  let j = 0;
  for (let q = 0; q < n; q++) {
    while (z[j + 1]! < q) j++;
    const p = v[j]!;
    out[q] = (q - p) * (q - p) + f[p]!;
  }
}

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`image size must be positive integers, got ${width}×${height}`);
  }
}

function checkRaster(name: string, r: Raster): void {
  checkSize(r.width, r.height);
  if (![1, 2, 3, 4].includes(r.channels)) throw new Error(`${name} image has ${r.channels} channels (1–4 supported)`);
  if (r.data.length !== r.width * r.height * r.channels) {
    throw new Error(`${name} image holds ${r.data.length} bytes, expected ${r.width}×${r.height}×${r.channels}`);
  }
}
