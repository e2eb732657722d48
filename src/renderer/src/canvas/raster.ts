/**
 * Shape rasterisers without anti-aliasing: a pixel belongs to a shape when its centre
 * (x + 0.5, y + 0.5) lies inside it. Each emits horizontal spans (y, x0, x1 inclusive), the
 * unit the label map writes, so a shape never produces a partial or blended pixel.
 */
export interface Point {
  x: number;
  y: number;
}

export type SpanSink = (y: number, x0: number, x1: number) => void;

export type BrushTip = 'round' | 'square';

/** Clip bounds for rasterisers, so huge shapes cost only what is visible in the map. */
export interface Bounds {
  width: number;
  height: number;
}

/**
 * Where a brush of `size` pixels is centred for a pointer at `p`: odd sizes on the centre of
 * the pixel under the pointer, even sizes on the nearest pixel corner. Footprints are then
 * the same at every position, as in pixel editors, and size 1 paints exactly one pixel.
 */
export function snapBrushCenter(p: Point, size: number): Point {
  if (Math.round(size) % 2 === 1) return { x: Math.floor(p.x) + 0.5, y: Math.floor(p.y) + 0.5 };
  return { x: Math.round(p.x), y: Math.round(p.y) };
}

/** Pixel columns whose centres lie in [xl, xr]. */
function emitCentres(y: number, xl: number, xr: number, bounds: Bounds, sink: SpanSink): void {
  let x0 = Math.ceil(xl - 0.5 - 1e-9);
  let x1 = Math.floor(xr - 0.5 + 1e-9);
  if (x0 < 0) x0 = 0;
  if (x1 > bounds.width - 1) x1 = bounds.width - 1;
  if (x1 >= x0) sink(y, x0, x1);
}

/** Interval of x where lo ≤ a·x + b ≤ hi, intersected with [l, r]; null when empty. */
function clipLinear(a: number, b: number, lo: number, hi: number, l: number, r: number): [number, number] | null {
  if (Math.abs(a) < 1e-12) return b >= lo - 1e-9 && b <= hi + 1e-9 ? [l, r] : null;
  let u = (lo - b) / a;
  let v = (hi - b) / a;
  if (u > v) [u, v] = [v, u];
  const nl = Math.max(l, u);
  const nr = Math.min(r, v);
  return nl <= nr ? [nl, nr] : null;
}

/**
 * The capsule swept by a round tip of `diameter` moving from a to b (centres already
 * snapped): pixels whose centres are within diameter/2 of the segment. The capsule is
 * convex, so each row is one interval: the hull of the row's intervals in the two end discs
 * and the band between them.
 */
export function rasterCapsule(a: Point, b: Point, diameter: number, bounds: Bounds, sink: SpanSink): void {
  const r = diameter / 2;
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy);
  const yTop = Math.max(0, Math.ceil(Math.min(a.y, b.y) - r - 0.5 - 1e-9));
  const yBot = Math.min(bounds.height - 1, Math.floor(Math.max(a.y, b.y) + r - 0.5 + 1e-9));
  for (let y = yTop; y <= yBot; y++) {
    const yc = y + 0.5;
    let xl = Infinity;
    let xr = -Infinity;
    for (const c of len > 0 ? [a, b] : [a]) {
      const h = r * r - (yc - c.y) ** 2;
      if (h >= -1e-9) {
        const s = Math.sqrt(Math.max(0, h));
        xl = Math.min(xl, c.x - s);
        xr = Math.max(xr, c.x + s);
      }
    }
    if (len > 0) {
      const ux = dx / len;
      const uy = dy / len;
      // Along the segment: 0 ≤ u·(q − a) ≤ len; across it: |n·(q − a)| ≤ r, n = (−uy, ux).
      let iv = clipLinear(ux, uy * (yc - a.y) - ux * a.x, 0, len, -Infinity, Infinity);
      if (iv) iv = clipLinear(-uy, ux * (yc - a.y) + uy * a.x, -r, r, iv[0], iv[1]);
      if (iv) {
        xl = Math.min(xl, iv[0]);
        xr = Math.max(xr, iv[1]);
      }
    }
    if (xl <= xr) emitCentres(y, xl, xr, bounds, sink);
  }
}

/**
 * The hexagon swept by an axis-aligned square tip of side `size` moving from a to b: for a
 * row, the tip times t where the square covers the row, and the x extent over those times.
 */
export function rasterSquareSweep(a: Point, b: Point, size: number, bounds: Bounds, sink: SpanSink): void {
  const h = size / 2;
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const yTop = Math.max(0, Math.ceil(Math.min(a.y, b.y) - h - 0.5 - 1e-9));
  const yBot = Math.min(bounds.height - 1, Math.floor(Math.max(a.y, b.y) + h - 0.5 + 1e-9));
  for (let y = yTop; y <= yBot; y++) {
    const yc = y + 0.5;
    // t with |yc − (a.y + t·dy)| ≤ h, within [0, 1].
    const iv = clipLinear(dy, a.y - yc, -h, h, 0, 1);
    if (!iv) continue;
    const xa = a.x + iv[0] * dx;
    const xb = a.x + iv[1] * dx;
    emitCentres(y, Math.min(xa, xb) - h, Math.max(xa, xb) + h, bounds, sink);
  }
}

/** One stroke segment of a brush, tip snapped as `snapBrushCenter` does. */
export function rasterBrushSegment(
  from: Point,
  to: Point,
  size: number,
  tip: BrushTip,
  bounds: Bounds,
  sink: SpanSink,
): void {
  if (!(size >= 1)) throw new Error(`brush size must be at least 1 pixel, got ${size}`);
  const a = snapBrushCenter(from, size);
  const b = snapBrushCenter(to, size);
  if (tip === 'round') rasterCapsule(a, b, Math.round(size), bounds, sink);
  else rasterSquareSweep(a, b, Math.round(size), bounds, sink);
}

/**
 * Polygon fill by the even-odd rule, sampling each row at pixel centres; an edge counts for
 * the rows whose centre lies in [ymin, ymax), so shared vertices are not counted twice.
 */
export function rasterPolygon(points: readonly Point[], bounds: Bounds, sink: SpanSink): void {
  if (points.length < 3) return;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const p of points) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) throw new Error(`polygon vertex (${p.x}, ${p.y}) is not finite`);
    minY = Math.min(minY, p.y);
    maxY = Math.max(maxY, p.y);
  }
  const yTop = Math.max(0, Math.ceil(minY - 0.5));
  const yBot = Math.min(bounds.height - 1, Math.ceil(maxY - 0.5) - 1);
  const xs: number[] = [];
  for (let y = yTop; y <= yBot; y++) {
    const yc = y + 0.5;
    xs.length = 0;
    for (let i = 0; i < points.length; i++) {
      const p = points[i]!;
      const q = points[(i + 1) % points.length]!;
      if ((p.y <= yc && yc < q.y) || (q.y <= yc && yc < p.y)) {
        xs.push(p.x + ((yc - p.y) / (q.y - p.y)) * (q.x - p.x));
      }
    }
    xs.sort((u, v) => u - v);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      // Centres in [xa, xb): the left edge is inside, the right edge outside.
      let x0 = Math.ceil(xs[k]! - 0.5);
      let x1 = Math.ceil(xs[k + 1]! - 0.5) - 1;
      if (x0 < 0) x0 = 0;
      if (x1 > bounds.width - 1) x1 = bounds.width - 1;
      if (x1 >= x0) sink(y, x0, x1);
    }
  }
}

/** The pixels of an inclusive pixel rectangle between two corner pixels, in any order. */
export function rasterPixelRect(a: Point, b: Point, bounds: Bounds, sink: SpanSink): void {
  const x0 = Math.max(0, Math.min(Math.floor(a.x), Math.floor(b.x)));
  const x1 = Math.min(bounds.width - 1, Math.max(Math.floor(a.x), Math.floor(b.x)));
  const y0 = Math.max(0, Math.min(Math.floor(a.y), Math.floor(b.y)));
  const y1 = Math.min(bounds.height - 1, Math.max(Math.floor(a.y), Math.floor(b.y)));
  if (x1 < x0) return;
  for (let y = y0; y <= y1; y++) sink(y, x0, x1);
}
