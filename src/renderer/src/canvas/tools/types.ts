/**
 * Tools are small state machines fed pointer and key events in image coordinates (as
 * tldraw's tools are): named states, one initial state, transitions on events. They edit
 * the label map through the context and know nothing of Konva or the DOM.
 */
import type { History } from '../history';
import type { LabelMap } from '../label-map';
import type { BrushTip, Point } from '../raster';

export type ToolId = 'brush' | 'eraser' | 'fill' | 'polygon' | 'rectangle' | 'eyedropper' | 'pan';

export interface ToolPointer {
  /** Position in image pixels (may lie outside the image). */
  image: Point;
  /** Position in screen pixels, for panning. */
  screen: Point;
  shiftKey?: boolean;
  altKey?: boolean;
}

export interface ToolContext {
  readonly map: LabelMap;
  readonly history: History;
  /** The class the drawing tools paint. */
  readonly activeClass: number;
  /** The palette's background class, which the eraser paints. */
  readonly background: number;
  readonly brushSize: number;
  readonly brushTip: BrushTip;
  /** Image pixels per screen pixel (for hit tolerances that feel the same at any zoom). */
  readonly imagePerScreen: number;
  setActiveClass(id: number): void;
  panBy(dxScreen: number, dyScreen: number): void;
  /** Called after the map changed (an edit, a commit, a cancelled stroke). */
  changed(): void;
}

/** What the view draws on top of the map while a tool works (never part of the map). */
export type ToolPreview =
  | { kind: 'none' }
  | { kind: 'polygon'; points: Point[]; cursor: Point | null }
  | { kind: 'rectangle'; from: Point; to: Point };

export interface Tool {
  readonly id: ToolId;
  /** Current state name, e.g. 'idle', 'drawing'. */
  readonly state: string;
  pointerDown(p: ToolPointer, ctx: ToolContext): void;
  pointerMove(p: ToolPointer, ctx: ToolContext): void;
  pointerUp(p: ToolPointer, ctx: ToolContext): void;
  /** A key while this tool is active; true when the tool used it. */
  keyDown(key: string, ctx: ToolContext): boolean;
  doubleClick(p: ToolPointer, ctx: ToolContext): void;
  /** Abandon any gesture in progress, leaving the map as it was before it. */
  cancel(ctx: ToolContext): void;
  preview(): ToolPreview;
}

/** Base with no-op handlers, so each tool spells out only the transitions it has. */
export abstract class BaseTool implements Tool {
  abstract readonly id: ToolId;
  state = 'idle';
  pointerDown(_p: ToolPointer, _ctx: ToolContext): void {}
  pointerMove(_p: ToolPointer, _ctx: ToolContext): void {}
  pointerUp(_p: ToolPointer, _ctx: ToolContext): void {}
  keyDown(key: string, ctx: ToolContext): boolean {
    if (key === 'Escape' && this.state !== 'idle') {
      this.cancel(ctx);
      return true;
    }
    return false;
  }
  doubleClick(_p: ToolPointer, _ctx: ToolContext): void {}
  cancel(_ctx: ToolContext): void {
    this.state = 'idle';
  }
  preview(): ToolPreview {
    return { kind: 'none' };
  }
}
