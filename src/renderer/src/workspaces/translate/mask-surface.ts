/**
 * The mask as an overlay: a canvas the size of the photo where "translate" pixels carry a
 * tint and "keep" pixels are transparent, so the photo shows through untouched where it
 * will stay untouched. Only dirty tiles are re-coloured (see LabelMap.takeDirtyRects).
 */
import { hexToRgb } from '../../../../shared/palettes';
import type { LabelMap } from '../../canvas/label-map';
import { MASK_PALETTE, TRANSLATE } from './mask';

export class MaskSurface {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly lut = new Uint32Array(256);

  constructor(
    private readonly map: LabelMap,
    doc: Document = document,
  ) {
    this.canvas = doc.createElement('canvas');
    this.canvas.width = map.width;
    this.canvas.height = map.height;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error('This browser cannot draw on a canvas');
    this.ctx = ctx;
    const [r, g, b] = hexToRgb(MASK_PALETTE.classes.find((c) => c.id === TRANSLATE)!.color);
    // ImageData is RGBA bytes; a little-endian Uint32 view reads them as ABGR.
    this.lut[TRANSLATE] = ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
    map.markAllDirty();
  }

  /** Re-colour what changed since the last call. */
  update(): void {
    const { map, lut } = this;
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
    }
  }
}
