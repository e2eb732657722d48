import { describe, expect, it } from 'vitest';
import { fillPolygon, fillRect, floodFill, paintSegment, pickClass } from '../../src/renderer/src/canvas/label-ops';
import { LabelMap } from '../../src/renderer/src/canvas/label-map';
import {
  rasterCapsule,
  rasterPolygon,
  rasterSquareSweep,
  snapBrushCenter,
  type Point,
} from '../../src/renderer/src/canvas/raster';

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** Rasterise into a set of "x,y" keys, checking spans never repeat a pixel. */
function pixels(run: (sink: (y: number, x0: number, x1: number) => void) => void): Set<string> {
  const out = new Set<string>();
  run((y, x0, x1) => {
    for (let x = x0; x <= x1; x++) {
      const k = `${x},${y}`;
      expect(out.has(k)).toBe(false);
      out.add(k);
    }
  });
  return out;
}

function brute(w: number, h: number, inside: (cx: number, cy: number) => boolean): Set<string> {
  const out = new Set<string>();
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (inside(x + 0.5, y + 0.5)) out.add(`${x},${y}`);
  return out;
}

function distToSegment(px: number, py: number, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const l2 = dx * dx + dy * dy;
  const t = l2 ? Math.max(0, Math.min(1, ((px - a.x) * dx + (py - a.y) * dy) / l2)) : 0;
  return Math.hypot(px - (a.x + t * dx), py - (a.y + t * dy));
}

const bounds = { width: 64, height: 48 };

describe('brush rasterisation', () => {
  it('size 1 paints exactly the pixel under the pointer', () => {
    const m = new LabelMap(20, 20);
    m.transact(() => paintSegment(m, { x: 10.9, y: 5.1 }, { x: 10.2, y: 5.8 }, { size: 1, tip: 'round' }, 3));
    expect([...m.ids.keys()].filter((i) => m.ids[i] === 3)).toEqual([5 * 20 + 10]);
  });

  it('a round tip of 5 is the 21-pixel disc; a square tip of 4 is a 4×4 block', () => {
    const m = new LabelMap(40, 40);
    m.transact(() => paintSegment(m, { x: 10.5, y: 10.5 }, { x: 10.5, y: 10.5 }, { size: 5, tip: 'round' }, 1));
    expect(m.ids.filter((v) => v === 1).length).toBe(21);
    expect([m.get(8, 10), m.get(12, 10), m.get(10, 8), m.get(10, 12), m.get(8, 8)]).toEqual([1, 1, 1, 1, 0]);
    m.transact(() => paintSegment(m, { x: 30.2, y: 30.4 }, { x: 30.2, y: 30.4 }, { size: 4, tip: 'square' }, 2));
    const block = [...m.ids.keys()].filter((i) => m.ids[i] === 2).map((i) => [i % 40, Math.floor(i / 40)]);
    expect(block.length).toBe(16);
    expect(block.every(([x, y]) => x! >= 28 && x! <= 31 && y! >= 28 && y! <= 31)).toBe(true);
  });

  it('round segments cover exactly the pixel centres within the radius of the segment', () => {
    const rnd = lcg(11);
    for (let k = 0; k < 60; k++) {
      const size = 1 + Math.floor(rnd() * 12);
      const a = snapBrushCenter({ x: rnd() * 70 - 3, y: rnd() * 54 - 3 }, size);
      const b = snapBrushCenter({ x: rnd() * 70 - 3, y: rnd() * 54 - 3 }, size);
      const got = pixels((s) => rasterCapsule(a, b, size, bounds, s));
      const want = brute(64, 48, (cx, cy) => distToSegment(cx, cy, a, b) <= size / 2 + 1e-9);
      expect(got).toEqual(want);
    }
  });

  it('square segments cover exactly the pixel centres the moving square passes over', () => {
    const rnd = lcg(12);
    for (let k = 0; k < 60; k++) {
      const size = 1 + Math.floor(rnd() * 12);
      const h = size / 2;
      const a = snapBrushCenter({ x: rnd() * 64, y: rnd() * 48 }, size);
      const b = snapBrushCenter({ x: rnd() * 64, y: rnd() * 48 }, size);
      const got = pixels((s) => rasterSquareSweep(a, b, size, bounds, s));
      // Inside when some t in [0, 1] puts the square's centre within h on both axes.
      const want = brute(64, 48, (cx, cy) => {
        let lo = 0;
        let hi = 1;
        for (const [c, p, d] of [
          [cx, a.x, b.x - a.x],
          [cy, a.y, b.y - a.y],
        ] as const) {
          if (Math.abs(d) < 1e-12) {
            if (Math.abs(c - p) > h + 1e-9) return false;
          } else {
            const t1 = (c - h - p) / d;
            const t2 = (c + h - p) / d;
            lo = Math.max(lo, Math.min(t1, t2) - 1e-9);
            hi = Math.min(hi, Math.max(t1, t2) + 1e-9);
          }
        }
        return lo <= hi;
      });
      expect(got).toEqual(want);
    }
  });

  it('a stroke is one undoable transaction of many segments', () => {
    const m = new LabelMap(50, 50);
    m.begin();
    const pts = [{ x: 5, y: 5 }, { x: 20, y: 8 }, { x: 40, y: 30 }];
    for (let i = 0; i + 1 < pts.length; i++) paintSegment(m, pts[i]!, pts[i + 1]!, { size: 3, tip: 'round' }, 4);
    const patch = m.commit()!;
    expect(m.get(20, 8)).toBe(4);
    m.applyPatch(patch, 'before');
    expect(m.ids.every((v) => v === 0)).toBe(true);
  });
});

describe('flood fill', () => {
  it('is 4-connected: it does not leak through a diagonal wall', () => {
    const m = new LabelMap(6, 6);
    // A diagonal of class 1 from (0,5) to (5,0) separates the corners 4-connectedly.
    m.transact(() => {
      for (let i = 0; i < 6; i++) m.writeSpan(i, 5 - i, 5 - i, 1);
    });
    floodFill(m, 0, 0, 2);
    for (let y = 0; y < 6; y++) {
      for (let x = 0; x < 6; x++) expect(m.get(x, y)).toBe(x + y < 5 ? 2 : x + y === 5 ? 1 : 0);
    }
  });

  it('matches a breadth-first reference on random maps and undoes exactly', () => {
    const rnd = lcg(5);
    for (let k = 0; k < 20; k++) {
      const w = 37;
      const h = 29;
      const m = new LabelMap(w, h);
      m.transact(() => {
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (rnd() < 0.4) m.writeSpan(y, x, x, 1 + Math.floor(rnd() * 2));
      });
      const before = m.ids.slice();
      const sx = Math.floor(rnd() * w);
      const sy = Math.floor(rnd() * h);
      const target = m.get(sx, sy);
      const want = before.slice();
      const queue = [[sx, sy]];
      want[sy * w + sx] = 9;
      while (queue.length) {
        const [x, y] = queue.shift()!;
        for (const [nx, ny] of [[x! + 1, y!], [x! - 1, y!], [x!, y! + 1], [x!, y! - 1]]) {
          if (nx! < 0 || ny! < 0 || nx! >= w || ny! >= h) continue;
          if (want[ny! * w + nx!] !== target) continue;
          want[ny! * w + nx!] = 9;
          queue.push([nx!, ny!]);
        }
      }
      const patch = floodFill(m, sx + 0.7, sy + 0.2, 9)!;
      expect([...m.ids]).toEqual([...want]);
      m.applyPatch(patch, 'before');
      expect([...m.ids]).toEqual([...before]);
    }
  });

  it('does nothing on the same class or outside the map', () => {
    const m = new LabelMap(4, 4, 3);
    expect(floodFill(m, 1, 1, 3)).toBeNull();
    expect(floodFill(m, -1, 1, 2)).toBeNull();
    expect(floodFill(m, 1, 4, 2)).toBeNull();
  });

  it('fills a 4096² map in one go', () => {
    const m = new LabelMap(4096, 4096);
    const patch = floodFill(m, 100, 100, 5)!;
    expect(m.ids.every((v) => v === 5)).toBe(true);
    expect(patch.tiles.length).toBe(64 * 64);
    expect(patch.bytes).toBeLessThan(1024 * 1024);
  });
});

describe('polygon and rectangle fills', () => {
  it('polygon fill covers exactly the pixel centres inside (even-odd)', () => {
    const rnd = lcg(21);
    for (let k = 0; k < 40; k++) {
      const n = 3 + Math.floor(rnd() * 6);
      const pts = Array.from({ length: n }, () => ({ x: rnd() * 70 - 3 + 0.013, y: rnd() * 54 - 3 + 0.017 }));
      const got = pixels((s) => rasterPolygon(pts, bounds, s));
      const want = brute(64, 48, (cx, cy) => {
        let inside = false;
        for (let i = 0, j = n - 1; i < n; j = i++) {
          const a = pts[i]!;
          const b = pts[j]!;
          if (a.y > cy !== b.y > cy && cx < ((b.x - a.x) * (cy - a.y)) / (b.y - a.y) + a.x) inside = !inside;
        }
        return inside;
      });
      expect(got).toEqual(want);
    }
  });

  it('an axis-aligned polygon on pixel edges fills exactly its pixels', () => {
    const m = new LabelMap(10, 10);
    fillPolygon(m, [{ x: 2, y: 3 }, { x: 6, y: 3 }, { x: 6, y: 5 }, { x: 2, y: 5 }], 7);
    const filled = [...m.ids.keys()].filter((i) => m.ids[i] === 7).map((i) => `${i % 10},${Math.floor(i / 10)}`);
    expect(filled).toEqual(['2,3', '3,3', '4,3', '5,3', '2,4', '3,4', '4,4', '5,4']);
  });

  it('rectangle fill includes the pixels under both corners, in any drag direction', () => {
    const m = new LabelMap(10, 10);
    fillRect(m, { x: 7.9, y: 6.1 }, { x: 3.2, y: 2.8 }, 4);
    for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) expect(m.get(x, y)).toBe(x >= 3 && x <= 7 && y >= 2 && y <= 6 ? 4 : 0);
    expect(pickClass(m, { x: 5.5, y: 5.5 })).toBe(4);
    expect(pickClass(m, { x: -0.5, y: 5 })).toBeNull();
  });

  it('rejects an id outside 0–255', () => {
    const m = new LabelMap(4, 4);
    expect(() => fillRect(m, { x: 0, y: 0 }, { x: 1, y: 1 }, 256)).toThrow(/class id must be 0–255, got 256/);
  });
});
