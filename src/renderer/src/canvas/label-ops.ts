/**
 * Edits of a label map. Stroke segments write into the caller's open transaction (a stroke
 * is many segments and one undo step); the one-shot fills open their own and return the
 * reversible patch (null when nothing changed).
 */
import type { LabelMap, Patch } from './label-map';
import {
  rasterBrushSegment,
  rasterPixelRect,
  rasterPolygon,
  type BrushTip,
  type Point,
} from './raster';

export interface BrushOptions {
  size: number;
  tip: BrushTip;
}

function checkId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > 255) throw new Error(`class id must be 0–255, got ${id}`);
}

/** Paint one stroke segment (from → to) in the open transaction. */
export function paintSegment(map: LabelMap, from: Point, to: Point, brush: BrushOptions, id: number): void {
  checkId(id);
  rasterBrushSegment(from, to, brush.size, brush.tip, map, (y, x0, x1) => map.writeSpan(y, x0, x1, id));
}

/**
 * 4-connected flood fill from (x, y): the region of pixels holding the seed's class takes
 * `id`. Scanline: fill a whole run, then queue the runs above and below it.
 */
export function floodFill(map: LabelMap, x: number, y: number, id: number): Patch | null {
  checkId(id);
  x = Math.floor(x);
  y = Math.floor(y);
  if (!map.contains(x, y)) return null;
  const { width, height, ids } = map;
  const target = ids[y * width + x]!;
  if (target === id) return null;
  return map.transact(() => {
    const stack: number[] = [x, y];
    while (stack.length) {
      const sy = stack.pop()!;
      const sx = stack.pop()!;
      const row = sy * width;
      if (ids[row + sx] !== target) continue;
      let l = sx;
      while (l > 0 && ids[row + l - 1] === target) l--;
      let r = sx;
      while (r < width - 1 && ids[row + r + 1] === target) r++;
      map.writeSpan(sy, l, r, id);
      for (const ny of [sy - 1, sy + 1]) {
        if (ny < 0 || ny >= height) continue;
        const nrow = ny * width;
        let i = l;
        while (i <= r) {
          if (ids[nrow + i] === target) {
            // One seed per run of target pixels in the neighbouring row.
            stack.push(i, ny);
            while (i <= r && ids[nrow + i] === target) i++;
          } else {
            i++;
          }
        }
      }
    }
  });
}

/** Fill a polygon (even-odd, pixel centres) with `id`. */
export function fillPolygon(map: LabelMap, points: readonly Point[], id: number): Patch | null {
  checkId(id);
  return map.transact(() => rasterPolygon(points, map, (y, x0, x1) => map.writeSpan(y, x0, x1, id)));
}

/** Fill the inclusive pixel rectangle spanned by the pixels under a and b with `id`. */
export function fillRect(map: LabelMap, a: Point, b: Point, id: number): Patch | null {
  checkId(id);
  return map.transact(() => rasterPixelRect(a, b, map, (y, x0, x1) => map.writeSpan(y, x0, x1, id)));
}

/** The class id under an image point, or null outside the map. */
export function pickClass(map: LabelMap, p: Point): number | null {
  const x = Math.floor(p.x);
  const y = Math.floor(p.y);
  return map.contains(x, y) ? map.get(x, y) : null;
}
