/**
 * The input wiring every editor pane shares (the label editor's panes and Translate's), fed
 * with DOM-shaped events on a stand-in element: pane coordinates, pointer capture, strokes,
 * the middle-button pan of a pane that only pans, the wheel, the brush outline, and a clean
 * detach.
 */
import { describe, expect, it } from 'vitest';
import { attachPaneInput, brushOutlineAt, paneCursor, type PaneInputOptions } from '../../src/renderer/src/canvas/editor-pane';
import { LabelEditor } from '../../src/renderer/src/canvas/label-editor';
import { FACADES_PALETTE } from '../../src/shared/palettes';

const WALL = 1;
const BG = FACADES_PALETTE.background;
/** Where the stand-in pane sits on the screen. */
const LEFT = 10;
const TOP = 20;

/** The parts of an HTMLElement the wiring uses. */
class StandInPane extends EventTarget {
  readonly captured = new Set<number>();
  focused = false;
  getBoundingClientRect() {
    return { left: LEFT, top: TOP, width: 200, height: 100 };
  }
  focus() {
    this.focused = true;
  }
  setPointerCapture(id: number) {
    this.captured.add(id);
  }
  hasPointerCapture(id: number) {
    return this.captured.has(id);
  }
  releasePointerCapture(id: number) {
    this.captured.delete(id);
  }
}

/** An event as the browser sends it, at pane point (x, y). */
function event(type: string, x: number, y: number, fields: Record<string, unknown> = {}): Event {
  return Object.assign(new Event(type, { cancelable: true }), {
    clientX: LEFT + x,
    clientY: TOP + y,
    button: 0,
    pointerId: 7,
    shiftKey: false,
    altKey: false,
    ctrlKey: false,
    metaKey: false,
    ...fields,
  });
}

/** An editor at scale 1 with the image origin at the pane origin: pane = image coordinates. */
function setup(options: Partial<PaneInputOptions> = {}) {
  const editor = new LabelEditor({ width: 64, height: 48, palette: FACADES_PALETTE });
  editor.setViewSize({ width: 200, height: 100 });
  editor.zoomAt({ x: 0, y: 0 }, 1);
  editor.setActiveClass(WALL);
  editor.setBrushSize(3);
  const pane = new StandInPane();
  const outline: ({ x: number; y: number } | null)[] = [];
  const detach = attachPaneInput(pane as unknown as HTMLElement, editor, { moveOutline: (p) => outline.push(p), ...options });
  const send = (type: string, x: number, y: number, fields?: Record<string, unknown>) => {
    const e = event(type, x, y, fields);
    pane.dispatchEvent(e);
    return e;
  };
  return { editor, pane, outline, detach, send };
}

describe('attachPaneInput', () => {
  it('paints a stroke in pane coordinates, capturing the pointer while it lasts', () => {
    const { editor, pane, outline, send } = setup();
    const down = send('pointerdown', 5.5, 10.5);
    expect(down.defaultPrevented).toBe(true);
    expect(pane.focused).toBe(true);
    expect(pane.captured.has(7)).toBe(true);
    send('pointermove', 30.5, 10.5);
    send('pointerup', 30.5, 10.5);
    expect(pane.captured.size).toBe(0);
    expect(editor.map.get(20, 10)).toBe(WALL);
    expect(editor.map.get(20, 30)).toBe(BG);
    expect(editor.history.undoDepth).toBe(1);
    expect(outline).toEqual([{ x: 30.5, y: 10.5 }]);
    send('pointerleave', 0, 0);
    expect(outline.at(-1)).toBeNull();
  });

  it('feeds every coalesced event of a move to the editor', () => {
    const { editor, send } = setup();
    send('pointerdown', 5.5, 5.5);
    // Two far-apart coalesced points: only the last reaches the outline, both the stroke.
    const coalesced = [event('pointermove', 5.5, 40.5), event('pointermove', 60.5, 40.5)];
    send('pointermove', 60.5, 40.5, { getCoalescedEvents: () => coalesced });
    send('pointerup', 60.5, 40.5);
    expect(editor.map.get(5, 25)).toBe(WALL);
    expect(editor.map.get(40, 40)).toBe(WALL);
    expect(editor.map.get(30, 20)).toBe(BG);
  });

  it('leaves the secondary button to the context menu, whose default it prevents', () => {
    const { editor, pane, send } = setup();
    send('pointerdown', 5.5, 5.5, { button: 2 });
    expect(pane.captured.size).toBe(0);
    expect(editor.tool.state).toBe('idle');
    expect(send('contextmenu', 5, 5).defaultPrevented).toBe(true);
  });

  it('a pane that only pans moves the view with the primary button and never paints', () => {
    const { editor, send } = setup({ panOnly: true });
    const before = editor.view;
    send('pointerdown', 20, 20);
    send('pointermove', 35, 28);
    send('pointerup', 35, 28);
    expect(editor.view.x - before.x).toBe(15);
    expect(editor.view.y - before.y).toBe(8);
    expect(editor.map.ids.every((v) => v === BG)).toBe(true);
  });

  it('zooms about the pointer with the wheel, pans sideways with Shift+wheel', () => {
    const { editor, send } = setup();
    const zoom = send('wheel', 32, 24, { deltaY: -100, deltaMode: 0 });
    expect(zoom.defaultPrevented).toBe(true);
    const v = editor.view;
    expect(v.scale).toBeGreaterThan(1);
    // The image point under the pointer stays where it was.
    expect((32 - v.x) / v.scale).toBeCloseTo(32, 9);
    expect((24 - v.y) / v.scale).toBeCloseTo(24, 9);
    send('wheel', 32, 24, { deltaY: 10, deltaMode: 0, shiftKey: true });
    expect(editor.view).toEqual({ scale: v.scale, x: v.x - 10, y: v.y });
  });

  it('passes double clicks on only when asked (the polygon tool closes on one)', () => {
    for (const doubleClick of [false, true]) {
      const { editor, send } = setup({ doubleClick });
      editor.setTool('polygon');
      for (const [x, y] of [
        [4.5, 4.5],
        [30.5, 4.5],
        [30.5, 30.5],
      ] as const) {
        send('pointerdown', x, y);
        send('pointerup', x, y);
      }
      send('dblclick', 30.5, 30.5);
      expect(editor.map.get(25, 10), `doubleClick: ${doubleClick}`).toBe(doubleClick ? WALL : BG);
    }
  });

  it('detaches every listener', () => {
    const { editor, pane, outline, detach, send } = setup();
    detach();
    send('pointerdown', 5.5, 5.5);
    send('pointermove', 30.5, 5.5);
    send('pointerup', 30.5, 5.5);
    send('wheel', 10, 10, { deltaY: -100, deltaMode: 0 });
    expect(send('contextmenu', 5, 5).defaultPrevented).toBe(false);
    expect(pane.captured.size).toBe(0);
    expect(outline).toEqual([]);
    expect(editor.view.scale).toBe(1);
    expect(editor.map.ids.every((v) => v === BG)).toBe(true);
  });
});

describe('brush outline and cursor', () => {
  it('puts the outline on the snapped brush centre in image pixels, only for painting tools', () => {
    const { editor } = setup();
    editor.zoomAt({ x: 0, y: 0 }, 4);
    // Pane (41, 22) at scale 4 is image (10.25, 5.5); an odd brush centres on the pixel.
    expect(brushOutlineAt(editor, { x: 41, y: 22 })).toEqual({ x: 10.5, y: 5.5 });
    expect(brushOutlineAt(editor, null)).toBeNull();
    editor.setTool('fill');
    expect(brushOutlineAt(editor, { x: 41, y: 22 })).toBeNull();
  });

  it('shows a hand while panning, nothing over a brush, a crosshair otherwise', () => {
    expect(paneCursor({ tool: 'brush', state: 'idle', panning: false })).toBe('none');
    expect(paneCursor({ tool: 'fill', state: 'idle', panning: false })).toBe('crosshair');
    expect(paneCursor({ tool: 'brush', state: 'idle', panning: true })).toBe('grab');
    expect(paneCursor({ tool: 'pan', state: 'panning', panning: false })).toBe('grabbing');
    expect(paneCursor({ tool: 'brush', state: 'idle', panning: false }, false)).toBe('grab');
  });
});
