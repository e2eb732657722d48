import { describe, expect, it } from 'vitest';
import { History } from '../../src/renderer/src/canvas/history';
import { IncrementalRleEncoder } from '../../src/renderer/src/canvas/label-codec';
import { LabelMap, TILE } from '../../src/renderer/src/canvas/label-map';
import { rleDecode, rleEncode } from '../../src/shared/rle';

/** Byte equality without vitest's element-wise diffing (slow on large arrays). */
const same = (a: Uint8Array, b: Uint8Array | undefined) => !!b && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);

/** A deterministic pseudo-random generator for reproducible edits. */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

describe('rle', () => {
  it('round-trips runs, long runs and noise', () => {
    const rnd = lcg(1);
    const data = new Uint8Array(70000);
    data.fill(3, 0, 40000);
    for (let i = 40000; i < data.length; i++) data[i] = Math.floor(rnd() * 4);
    const enc = rleEncode(data);
    expect(rleDecode(enc, data.length)).toEqual(data);
    expect(rleEncode(new Uint8Array(4096 * 4096)).length).toBeLessThan(8);
  });

  it('rejects a stream of the wrong length', () => {
    expect(() => rleDecode(rleEncode(new Uint8Array(10)), 11)).toThrow(/decoded 10 bytes, expected 11/);
  });
});

describe('LabelMap', () => {
  it('starts filled with the given class and refuses writes outside a transaction', () => {
    const m = new LabelMap(5, 3, 7);
    expect([...m.ids]).toEqual(new Array(15).fill(7));
    expect(() => m.writeSpan(0, 0, 1, 1)).toThrow(/open transaction/);
    expect(() => m.get(5, 0)).toThrow(/outside the 5×3/);
  });

  it('clips spans to the map', () => {
    const m = new LabelMap(4, 2);
    m.transact(() => {
      m.writeSpan(1, -3, 1, 9);
      m.writeSpan(0, 3, 100, 8);
      m.writeSpan(-1, 0, 3, 5);
      m.writeSpan(2, 0, 3, 5);
    });
    expect([...m.ids]).toEqual([0, 0, 0, 8, 9, 9, 0, 0]);
  });

  it('returns a patch of only the changed tiles, and null for no change', () => {
    const m = new LabelMap(300, 200);
    const p = m.transact(() => m.writeSpan(70, 60, 70, 1))!;
    // x 60–70 crosses the tile boundary at 64: two tiles of tile row 1.
    expect(p.tiles.map((t) => t.tile)).toEqual([m.tilesX + 0, m.tilesX + 1]);
    expect(p.bounds).toEqual({ x: 0, y: TILE, width: 2 * TILE, height: TILE });
    expect(m.transact(() => m.writeSpan(70, 60, 70, 1))).toBeNull();
  });

  it('undoes and redoes patches exactly', () => {
    const rnd = lcg(7);
    const m = new LabelMap(257, 130);
    const snapshots = [m.ids.slice()];
    const patches = [];
    for (let k = 0; k < 30; k++) {
      patches.push(
        m.transact(() => {
          for (let s = 0; s < 5; s++) {
            const y = Math.floor(rnd() * 130);
            const x0 = Math.floor(rnd() * 257);
            m.writeSpan(y, x0, x0 + Math.floor(rnd() * 120), Math.floor(rnd() * 5));
          }
        }),
      );
      snapshots.push(m.ids.slice());
    }
    for (let k = 29; k >= 0; k--) {
      if (patches[k]) m.applyPatch(patches[k]!, 'before');
      expect(same(m.ids, snapshots[k])).toBe(true);
    }
    for (let k = 0; k < 30; k++) {
      if (patches[k]) m.applyPatch(patches[k]!, 'after');
      expect(same(m.ids, snapshots[k + 1])).toBe(true);
    }
  });

  it('abort restores what the transaction touched', () => {
    const m = new LabelMap(100, 100, 2);
    m.begin();
    m.writeSpan(10, 0, 99, 4);
    m.writeSpan(90, 0, 99, 4);
    m.abort();
    expect(m.ids.every((v) => v === 2)).toBe(true);
    expect(m.inTransaction).toBe(false);
  });

  it('reports dirty rectangles merged over tiles, once', () => {
    const m = new LabelMap(500, 300);
    m.takeDirtyRects();
    expect(m.takeDirtyRects()).toEqual([]);
    m.transact(() => {
      m.writeSpan(5, 0, 200, 1); // tiles 0–3 of row 0
      m.writeSpan(70, 0, 200, 1); // tiles 0–3 of row 1: merges with the rect above
      m.writeSpan(299, 499, 499, 1); // last tile, clipped to 500×300
    });
    expect(m.takeDirtyRects()).toEqual([
      { x: 0, y: 0, width: 256, height: 128 },
      { x: 448, y: 256, width: 52, height: 44 },
    ]);
    expect(m.takeDirtyRects()).toEqual([]);
  });
});

describe('History', () => {
  const edit = (m: LabelMap, y: number, id: number) => m.transact(() => m.writeSpan(y, 0, m.width - 1, id));

  it('keeps at least 200 steps and undoes them all in order', () => {
    const m = new LabelMap(64, 256);
    const h = new History({ maxSteps: 200 });
    const states = [m.ids.slice()];
    for (let k = 0; k < 250; k++) {
      h.push(edit(m, k % 256, (k % 9) + 1));
      states.push(m.ids.slice());
    }
    expect(h.undoDepth).toBe(200);
    for (let k = 0; k < 200; k++) h.undo(m);
    expect(same(m.ids, states[50])).toBe(true);
    expect(h.undo(m)).toBeNull();
    for (let k = 0; k < 200; k++) h.redo(m);
    expect(same(m.ids, states[250])).toBe(true);
  });

  it('drops the oldest steps when over its byte budget, never the newest', () => {
    // Each edit writes one noisy row in its own tile row, so each patch costs the same.
    const m = new LabelMap(1024, 64 * 60);
    const h = new History({ maxSteps: 1000, maxBytes: 40_000 });
    const rnd = lcg(3);
    for (let k = 0; k < 60; k++) {
      // Noisy rows compress badly: each patch costs a few kilobytes.
      h.push(m.transact(() => {
        for (let x = 0; x < 1024; x += 2) m.writeSpan(k * 64, x, x, Math.floor(rnd() * 200) + 1);
      }));
      expect(h.byteSize).toBeLessThanOrEqual(40_000);
    }
    expect(h.undoDepth).toBeGreaterThan(0);
    expect(h.undoDepth).toBeLessThan(60);
    const row = (y: number) => m.ids.slice(y * 1024, (y + 1) * 1024);
    expect(row(59 * 64).some((v) => v !== 0)).toBe(true);
    h.undo(m);
    expect(row(59 * 64).every((v) => v === 0)).toBe(true);
  });

  it('a new edit clears the redo branch', () => {
    const m = new LabelMap(8, 8);
    const h = new History();
    h.push(edit(m, 0, 1));
    h.undo(m);
    expect(h.canRedo).toBe(true);
    h.push(edit(m, 1, 2));
    expect(h.canRedo).toBe(false);
    expect(h.redo(m)).toBeNull();
  });

  it('keeps 200 image-wide strokes on a 4096² map in a few megabytes', () => {
    const m = new LabelMap(4096, 4096);
    const h = new History();
    for (let k = 0; k < 200; k++) {
      // A 24-pixel band across the whole width: 64–128 tiles per stroke.
      const y0 = (k * 997) % 4000;
      h.push(m.transact(() => {
        for (let y = y0; y < y0 + 24; y++) m.writeSpan(y, 0, 4095, (k % 5) + 1);
      }));
    }
    expect(h.undoDepth).toBe(200);
    // Raw before/after tiles would be ~1 GB; run-length coded they stay small.
    expect(h.byteSize).toBeLessThan(8 * 1024 * 1024);
  });
});

describe('IncrementalRleEncoder', () => {
  it('always encodes the current map, re-encoding only changed bands', () => {
    const rnd = lcg(9);
    const m = new LabelMap(300, 700, 2);
    const h = new History();
    const enc = new IncrementalRleEncoder(m);
    const check = () => expect(same(rleDecode(enc.encode(), m.ids.length), m.ids)).toBe(true);
    check();
    for (let k = 0; k < 40; k++) {
      const op = rnd();
      if (op < 0.5) {
        const y = Math.floor(rnd() * 700);
        h.push(m.transact(() => m.writeSpan(y, Math.floor(rnd() * 300), Math.floor(rnd() * 300), Math.floor(rnd() * 4))));
      } else if (op < 0.65) {
        // An abandoned stroke rewinds the map's version; the encoder must not be fooled.
        m.begin();
        m.writeSpan(Math.floor(rnd() * 700), 0, 299, 7);
        m.abort();
        m.transact(() => m.writeSpan(Math.floor(rnd() * 700), 0, 10, 5));
      } else if (op < 0.85) {
        h.undo(m);
      } else {
        h.redo(m);
      }
      check();
    }
    m.replaceAll(new Uint8Array(300 * 700).fill(1));
    check();
  });

  it('a stroke re-encodes only its bands', () => {
    const m = new LabelMap(4096, 4096);
    const enc = new IncrementalRleEncoder(m);
    enc.encode();
    m.transact(() => m.writeSpan(100, 10, 50, 3));
    const before = [...Array(m.tilesY).keys()].map((b) => m.bandStamp(b));
    expect(before.filter((s, b) => b !== 1 && s !== before[0]).length).toBe(0);
    expect(before[1]).not.toBe(before[0]);
    expect(same(rleDecode(enc.encode(), m.ids.length), m.ids)).toBe(true);
  });
});
