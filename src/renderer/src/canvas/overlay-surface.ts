/**
 * The label map as an image: a canvas the size of the map, coloured from the class ids
 * through the palette. Only the rectangles the map reports dirty are re-coloured, so a
 * brush stroke on a 4096² map touches a few 64×64 tiles per frame, not 16 M pixels.
 */
import { paletteRgbaLut, type Palette } from '../../../shared/palettes';
import type { LabelMap } from './label-map';

export class OverlaySurface {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private lut: Uint32Array;

  constructor(
    private readonly map: LabelMap,
    palette: Palette,
    doc: Document = document,
  ) {
    this.canvas = doc.createElement('canvas');
    this.canvas.width = map.width;
    this.canvas.height = map.height;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error('This browser cannot draw on a canvas');
    this.ctx = ctx;
    this.lut = paletteRgbaLut(palette);
    map.markAllDirty();
  }

  setPalette(palette: Palette): void {
    this.setColours(paletteRgbaLut(palette));
  }

  /**
   * Colour each id with its entry of `lut` (RGBA as a little-endian Uint32, see
   * paletteRgbaLut) instead of the palette's: a 0 entry leaves that class transparent.
   */
  setColours(lut: Uint32Array): void {
    this.lut = lut;
    this.map.markAllDirty();
  }

  /** Re-colour what changed since the last call; returns the number of pixels written. */
  update(): number {
    const { map, lut } = this;
    let n = 0;
    for (const r of map.takeDirtyRects()) {
      const img = this.ctx.createImageData(r.width, r.height);
      const px = new Uint32Array(img.data.buffer);
      const ids = map.ids;
      for (let y = 0; y < r.height; y++) {
        const src = (r.y + y) * map.width + r.x;
        const dst = y * r.width;
        for (let x = 0; x < r.width; x++) px[dst + x] = lut[ids[src + x]!]!;
      }
      this.ctx.putImageData(img, r.x, r.y);
      n += r.width * r.height;
    }
    return n;
  }
}
