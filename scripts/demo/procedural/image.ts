/**
 * A float RGB raster for painting the demo images, and its encoding with sharp. Values
 * are linear-ish display values in [0, 1]; encoding clamps and rounds to 8 bits.
 */
import sharp from 'sharp';

export type Rgb = readonly [number, number, number];

export function hex(color: string): Rgb {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m) throw new Error(`colour must be "#rrggbb", got ${JSON.stringify(color)}`);
  return [parseInt(m[1]!, 16) / 255, parseInt(m[2]!, 16) / 255, parseInt(m[3]!, 16) / 255];
}

export const mix = (a: Rgb, b: Rgb, t: number): Rgb => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
export const scale = (c: Rgb, k: number): Rgb => [c[0] * k, c[1] * k, c[2] * k];

export class RgbImage {
  readonly data: Float32Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new Error(`image size must be positive integers, got ${width}×${height}`);
    }
    this.data = new Float32Array(width * height * 3);
  }

  get(x: number, y: number): Rgb {
    const o = (y * this.width + x) * 3;
    return [this.data[o]!, this.data[o + 1]!, this.data[o + 2]!];
  }

  set(x: number, y: number, c: Rgb): void {
    const o = (y * this.width + x) * 3;
    this.data[o] = c[0];
    this.data[o + 1] = c[1];
    this.data[o + 2] = c[2];
  }

  /** Blend `c` over the pixel with opacity `alpha`; pixels outside the image are ignored. */
  blend(x: number, y: number, c: Rgb, alpha: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.set(x, y, mix(this.get(x, y), c, alpha));
  }

  /** Multiply the pixel by `k` (shadows below 1, highlights above). */
  shade(x: number, y: number, k: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.set(x, y, scale(this.get(x, y), k));
  }

  /** 8-bit interleaved RGB. */
  bytes(): Buffer {
    const out = Buffer.alloc(this.data.length);
    for (let i = 0; i < this.data.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, this.data[i]!)) * 255);
    return out;
  }

  encode(format: 'png' | 'jpeg'): Promise<Buffer> {
    const img = sharp(this.bytes(), { raw: { width: this.width, height: this.height, channels: 3 } });
    // Fixed encoder settings: the same pixels give the same bytes.
    return format === 'png'
      ? img.png({ compressionLevel: 9, adaptiveFiltering: true }).toBuffer()
      : img.jpeg({ quality: 92, chromaSubsampling: '4:4:4', mozjpeg: false }).toBuffer();
  }
}
