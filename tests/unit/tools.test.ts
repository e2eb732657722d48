import { describe, expect, it } from 'vitest';
import { LabelEditor } from '../../src/renderer/src/canvas/label-editor';
import { FACADES_PALETTE } from '../../src/shared/palettes';

const WALL = 1;
const DOOR = 2;
const WINDOW = 3;
const BG = FACADES_PALETTE.background;

/** An editor at scale 1, image origin at the screen origin, so screen = image coordinates. */
function editor(width = 64, height = 48) {
  const e = new LabelEditor({ width, height, palette: FACADES_PALETTE });
  e.setViewSize({ width: 800, height: 600 });
  e.zoomAt({ x: 0, y: 0 }, 1);
  return e;
}

const count = (e: LabelEditor, id: number) => e.map.ids.reduce((n, v) => n + (v === id ? 1 : 0), 0);

describe('brush and eraser', () => {
  it('a stroke paints the active class along the path and is one undo step', () => {
    const e = editor();
    e.setActiveClass(WALL);
    e.setBrushSize(3);
    expect(e.tool.state).toBe('idle');
    e.pointerDown({ x: 5.5, y: 10.5 });
    expect(e.tool.state).toBe('drawing');
    e.pointerMove({ x: 20.5, y: 10.5 });
    e.pointerMove({ x: 30.5, y: 20.5 });
    e.pointerUp({ x: 30.5, y: 20.5 });
    expect(e.tool.state).toBe('idle');
    expect(e.map.get(12, 10)).toBe(WALL);
    expect(e.map.get(25, 15)).toBe(WALL);
    expect(e.map.get(12, 30)).toBe(BG);
    expect(e.history.undoDepth).toBe(1);
    expect(e.dirty).toBe(true);
    e.undo();
    expect(count(e, BG)).toBe(64 * 48);
    e.redo();
    expect(e.map.get(12, 10)).toBe(WALL);
  });

  it('the eraser paints the background class', () => {
    const e = editor();
    e.setTool('fill');
    e.setActiveClass(DOOR);
    e.pointerDown({ x: 1, y: 1 });
    e.pointerUp({ x: 1, y: 1 });
    expect(count(e, DOOR)).toBe(64 * 48);
    e.setTool('eraser');
    e.setBrushSize(1);
    e.pointerDown({ x: 3.5, y: 3.5 });
    e.pointerUp({ x: 3.5, y: 3.5 });
    expect(e.map.get(3, 3)).toBe(BG);
    expect(count(e, BG)).toBe(1);
  });

  it('the class is the one active at pointer down, whatever changes mid-stroke', () => {
    const e = editor();
    e.setActiveClass(WALL);
    e.setBrushSize(1);
    e.pointerDown({ x: 0.5, y: 0.5 });
    e.selectClassByKey('3');
    e.pointerMove({ x: 9.5, y: 0.5 });
    e.pointerUp({ x: 9.5, y: 0.5 });
    expect(count(e, WALL)).toBe(10);
    expect(e.activeClass).toBe(DOOR);
  });

  it('Escape mid-stroke abandons it, leaving no trace and no undo step', () => {
    const e = editor();
    e.pointerDown({ x: 5, y: 5 });
    e.pointerMove({ x: 40, y: 30 });
    expect(count(e, BG)).toBeLessThan(64 * 48);
    expect(e.keyDown('Escape')).toBe(true);
    e.pointerUp({ x: 40, y: 30 });
    expect(count(e, BG)).toBe(64 * 48);
    expect(e.history.undoDepth).toBe(0);
    expect(e.dirty).toBe(false);
  });

  it('shift-click draws a straight line from the end of the last stroke', () => {
    const e = editor();
    e.setBrushSize(1);
    e.setActiveClass(WINDOW);
    e.pointerDown({ x: 2.5, y: 2.5 });
    e.pointerUp({ x: 2.5, y: 2.5 });
    e.pointerDown({ x: 20.5, y: 2.5 }, { shiftKey: true });
    e.pointerUp({ x: 20.5, y: 2.5 }, { shiftKey: true });
    for (let x = 2; x <= 20; x++) expect(e.map.get(x, 2)).toBe(WINDOW);
    expect(count(e, WINDOW)).toBe(19);
  });

  it('brush size is clamped to 1–512 and the square tip paints squares', () => {
    const e = editor();
    e.setBrushSize(0);
    expect(e.brushSize).toBe(1);
    e.setBrushSize(10_000);
    expect(e.brushSize).toBe(512);
    e.setBrushSize(4);
    e.setBrushTip('square');
    e.pointerDown({ x: 10, y: 10 });
    e.pointerUp({ x: 10, y: 10 });
    expect(count(e, e.activeClass)).toBe(16);
  });

  it('strokes land in image pixels whatever the zoom and pan', () => {
    const e = editor(100, 100);
    e.zoomAt({ x: 0, y: 0 }, 4); // scale 4
    e.panBy(40, 80); // image origin at screen (40, 80)
    e.setBrushSize(1);
    e.pointerDown({ x: 40 + 4 * 25.5, y: 80 + 4 * 30.5 });
    e.pointerUp({ x: 40 + 4 * 25.5, y: 80 + 4 * 30.5 });
    expect(e.map.get(25, 30)).toBe(e.activeClass);
    expect(count(e, e.activeClass)).toBe(1);
  });
});

describe('fill, eyedropper, rectangle, polygon', () => {
  it('eyedropper picks the class under the pointer', () => {
    const e = editor();
    e.setTool('rectangle');
    e.setActiveClass(DOOR);
    e.pointerDown({ x: 10, y: 10 });
    e.pointerMove({ x: 20, y: 20 });
    expect(e.tool.preview()).toEqual({ kind: 'rectangle', from: { x: 10, y: 10 }, to: { x: 20, y: 20 } });
    e.pointerUp({ x: 20, y: 20 });
    expect(count(e, DOOR)).toBe(11 * 11);
    e.setActiveClass(WALL);
    e.setTool('eyedropper');
    e.pointerDown({ x: 15, y: 15 });
    e.pointerUp({ x: 15, y: 15 });
    expect(e.activeClass).toBe(DOOR);
    e.pointerDown({ x: 2, y: 2 });
    expect(e.activeClass).toBe(BG);
  });

  it('polygon: clicks place vertices, Enter fills, Backspace removes, Escape abandons', () => {
    const e = editor();
    e.setTool('polygon');
    e.setActiveClass(WINDOW);
    const click = (x: number, y: number) => {
      e.pointerDown({ x, y });
      e.pointerUp({ x, y });
    };
    click(10, 10);
    click(30, 10);
    click(50, 40); // removed below
    expect(e.keyDown('Backspace')).toBe(true);
    click(30, 30);
    click(10, 30);
    expect(e.tool.state).toBe('placing');
    expect(count(e, WINDOW)).toBe(0);
    expect(e.keyDown('Enter')).toBe(true);
    expect(e.tool.state).toBe('idle');
    expect(count(e, WINDOW)).toBe(20 * 20);
    click(40, 5);
    click(60, 5);
    click(60, 20);
    e.keyDown('Escape');
    expect(e.tool.preview()).toEqual({ kind: 'none' });
    expect(count(e, WINDOW)).toBe(400);
    expect(e.history.undoDepth).toBe(1);
  });

  it('polygon closes on a click near its first vertex and on a double click', () => {
    const e = editor();
    e.setTool('polygon');
    for (const [x, y] of [[0, 0], [16, 0], [16, 16], [0, 16], [1, 1]] as const) {
      e.pointerDown({ x, y });
      e.pointerUp({ x, y });
    }
    expect(e.tool.state).toBe('idle');
    expect(count(e, e.activeClass)).toBe(256);
    for (const [x, y] of [[20, 20], [30, 20], [30, 30]] as const) {
      e.pointerDown({ x, y });
      e.pointerUp({ x, y });
    }
    e.pointerDown({ x: 30, y: 30 });
    e.pointerUp({ x: 30, y: 30 });
    e.doubleClick({ x: 30, y: 30 });
    expect(e.tool.state).toBe('idle');
    expect(count(e, e.activeClass)).toBeGreaterThan(256 + 40);
  });

  it('fill on the active class changes nothing and adds no undo step', () => {
    const e = editor();
    e.setTool('fill');
    e.setActiveClass(BG);
    e.pointerDown({ x: 3, y: 3 });
    e.pointerUp({ x: 3, y: 3 });
    expect(e.history.undoDepth).toBe(0);
    expect(e.dirty).toBe(false);
  });
});

describe('view and modes', () => {
  it('space-drag and the middle button pan without painting', () => {
    const e = editor(200, 200);
    const before = e.view;
    e.keyDown(' ');
    expect(e.isPanning).toBe(true);
    e.pointerDown({ x: 100, y: 100 });
    e.pointerMove({ x: 130, y: 90 });
    e.pointerUp({ x: 130, y: 90 });
    e.keyUp(' ');
    expect(e.view.x - before.x).toBe(30);
    expect(e.view.y - before.y).toBe(-10);
    e.pointerDown({ x: 100, y: 100 }, { button: 1 });
    e.pointerMove({ x: 90, y: 100 }, { button: 1 });
    e.pointerUp({ x: 90, y: 100 }, { button: 1 });
    expect(e.view.x - before.x).toBe(20);
    expect(count(e, BG)).toBe(200 * 200);
  });

  it('fit shows the whole image, 1:1 gives scale 1, wheel zoom keeps the point under the cursor', () => {
    const e = editor(4096, 4096);
    e.setViewSize({ width: 1000, height: 800 });
    e.fit();
    expect(e.view.scale).toBeCloseTo((800 - 32) / 4096);
    e.zoomAt({ x: 300, y: 200 }, 3);
    const img = { x: (300 - e.view.x) / e.view.scale, y: (200 - e.view.y) / e.view.scale };
    e.zoomAt({ x: 300, y: 200 }, 0.5);
    expect((300 - e.view.x) / e.view.scale).toBeCloseTo(img.x);
    expect((200 - e.view.y) / e.view.scale).toBeCloseTo(img.y);
    e.actualSize();
    expect(e.view.scale).toBe(1);
  });

  it('keys 1–9 select classes; unsaved state follows edits and saves', () => {
    const e = editor();
    expect(e.selectClassByKey('4')).toBe(true);
    expect(e.activeClass).toBe(WINDOW);
    expect(e.selectClassByKey('0')).toBe(false);
    expect(() => e.setActiveClass(40)).toThrow(/class id 40 is not in palette "facades"/);
    e.pointerDown({ x: 5, y: 5 });
    e.pointerUp({ x: 5, y: 5 });
    const v = e.version;
    e.markSaved(v);
    expect(e.dirty).toBe(false);
    e.undo();
    expect(e.dirty).toBe(true);
  });

  it('refuses saved ids that the palette lacks, naming the pixel', () => {
    const ids = new Uint8Array(4 * 3);
    ids[6] = 99;
    expect(() => new LabelEditor({ width: 4, height: 3, palette: FACADES_PALETTE, ids })).toThrow(/class 99 at \(2, 1\)/);
  });
});
