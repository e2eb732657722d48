/**
 * What every canvas pane that draws through a LabelEditor shares, whatever it shows (the
 * label editor's panes, Translate's source, result and before/after panes): subscribing to
 * the editor, redrawing at most once per animation frame, tracking the pane's size, and
 * turning native pointer and wheel events into editor calls in pane coordinates. The views
 * keep only what differs: their layers, how they fit the image, and how they draw the brush
 * outline.
 */
import { useEffect, useState, useSyncExternalStore, type DependencyList, type RefObject } from 'react';
import type { LabelEditor, PointerModifiers } from './label-editor';
import { snapBrushCenter, type Point } from './raster';
import { screenToImage, wheelZoomFactor, type Size } from './viewport';

/** Subscribe a component to one slice of the editor (re-renders when the slice changes). */
export function useEditor<T>(editor: LabelEditor, select: (e: LabelEditor) => T): T {
  return useSyncExternalStore(
    (l) => editor.subscribe(l),
    () => select(editor),
    () => select(editor),
  );
}

/** The active tool, its state and whether the pointer pans, as a pane renders them. */
export interface ToolView {
  tool: string;
  state: string;
  panning: boolean;
}

export function useToolView(editor: LabelEditor): ToolView {
  // Serialised: the snapshot must be a stable value between changes.
  const [tool = '', state = '', panning] = useEditor(editor, (e) => `${e.toolId}:${e.tool.state}:${e.isPanning}`).split(':');
  return { tool, state, panning: panning === 'true' };
}

/** Whether the pointer paints with a brush tip, which the pane draws as an outline instead of a cursor. */
const paintsWithBrush = (tool: string, panning: boolean) => (tool === 'brush' || tool === 'eraser') && !panning;

/**
 * The pane's CSS cursor: a hand when the pointer pans (closed mid-drag), none where the
 * brush outline stands in for it, a crosshair for the other tools. A pane that does not
 * paint only pans.
 */
export function paneCursor(view: ToolView, paints = true): string {
  if (!paints || view.panning || view.tool === 'pan') return view.state === 'panning' ? 'grabbing' : 'grab';
  return paintsWithBrush(view.tool, view.panning) ? 'none' : 'crosshair';
}

/**
 * Where the brush outline goes for the pointer at pane point `p`: the snapped brush centre
 * in image pixels, or null when the pointer is away or the tool does not paint.
 */
export function brushOutlineAt(editor: LabelEditor, p: Point | null): Point | null {
  if (!p || !paintsWithBrush(editor.toolId, editor.isPanning)) return null;
  return snapBrushCenter(screenToImage(editor.view, p), editor.brushSize);
}

/**
 * Runs `draw` at most once per animation frame, however many pointer events arrive: once
 * now, after every editor change, and on `request` (the brush outline moves without
 * changing the editor).
 */
export function drawPerFrame(editor: LabelEditor, draw: () => void): { request(): void; stop(): void } {
  let frame: number | null = null;
  const request = () => {
    if (frame === null) {
      frame = requestAnimationFrame(() => {
        frame = null;
        draw();
      });
    }
  };
  request();
  const off = editor.subscribe(request);
  return {
    request,
    stop: () => {
      off();
      if (frame !== null) cancelAnimationFrame(frame);
      frame = null;
    },
  };
}

/**
 * The pane's size in whole CSS pixels. `onSize` hears every size with an area (to give the
 * editor its view size and fit the image); the observer is made again when `deps` change,
 * so a new editor hears the current size at once.
 */
export function usePaneSize(host: RefObject<HTMLElement | null>, onSize: (size: Size) => void, deps: DependencyList): Size {
  const [size, setSize] = useState<Size>({ width: 0, height: 0 });
  useEffect(() => {
    const el = host.current!;
    const ro = new ResizeObserver(() => {
      const r = el.getBoundingClientRect();
      const next = { width: Math.floor(r.width), height: Math.floor(r.height) };
      setSize((s) => (s.width === next.width && s.height === next.height ? s : next));
      if (next.width > 0 && next.height > 0) onSize(next);
    });
    ro.observe(el);
    return () => ro.disconnect();
    // The caller names what `onSize` depends on.
  }, deps);
  return size;
}

export interface PaneInputOptions {
  /** Moves the brush outline to the pointer's pane point, or hides it (null) when the pointer left. */
  moveOutline(p: Point | null): void;
  /** Wraps the editor's share of each pointer event (the label editor measures its frame work). */
  timed?: (fn: () => void) => void;
  /** Every button pans: the pane shows the image but does not paint it. */
  panOnly?: boolean;
  /** Double clicks reach the editor (the polygon tool closes on one). */
  doubleClick?: boolean;
}

/**
 * Feeds the editor from a pane's pointer, wheel and context-menu events; returns the
 * function that detaches them. Native listeners, not React's: pointer capture, coalesced
 * events and a non-passive wheel are not all available through synthetic events.
 */
export function attachPaneInput(el: HTMLElement, editor: LabelEditor, options: PaneInputOptions): () => void {
  const timed = options.timed ?? ((fn: () => void) => fn());
  const local = (e: { clientX: number; clientY: number }): Point => {
    const r = el.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  // The editor pans on the middle button, whatever the tool.
  const mods = (e: PointerEvent | MouseEvent): PointerModifiers => ({ shiftKey: e.shiftKey, altKey: e.altKey, button: options.panOnly ? 1 : e.button });

  const detach: (() => void)[] = [];
  const on = <K extends keyof HTMLElementEventMap>(type: K, listener: (e: HTMLElementEventMap[K]) => void, opts?: AddEventListenerOptions) => {
    el.addEventListener(type, listener, opts);
    detach.push(() => el.removeEventListener(type, listener, opts));
  };
  on('pointerdown', (e) => {
    if (e.button === 2) return;
    e.preventDefault();
    el.focus({ preventScroll: true });
    el.setPointerCapture(e.pointerId);
    timed(() => editor.pointerDown(local(e), mods(e)));
  });
  on('pointermove', (e) => {
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    timed(() => {
      for (const c of events.length ? events : [e]) editor.pointerMove(local(c), mods(e));
    });
    options.moveOutline(local(e));
  });
  const up = (e: PointerEvent) => {
    if (el.hasPointerCapture(e.pointerId)) el.releasePointerCapture(e.pointerId);
    timed(() => editor.pointerUp(local(e), mods(e)));
  };
  on('pointerup', up);
  on('pointercancel', up);
  on('pointerleave', () => options.moveOutline(null));
  if (options.doubleClick) on('dblclick', (e) => editor.doubleClick(local(e), mods(e)));
  on(
    'wheel',
    (e) => {
      e.preventDefault();
      if (e.ctrlKey || e.metaKey || !e.shiftKey) editor.zoomAt(local(e), wheelZoomFactor(e.deltaY, e.deltaMode));
      else editor.panBy(-e.deltaY, 0);
    },
    { passive: false },
  );
  on('contextmenu', (e) => e.preventDefault());
  return () => {
    for (const off of detach) off();
  };
}
