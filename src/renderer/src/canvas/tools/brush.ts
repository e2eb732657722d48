/**
 * Brush and eraser: idle → drawing on pointer down, each move paints the segment from the
 * last point, pointer up commits the whole stroke as one undo step. The eraser is the brush
 * painting the background class. Shift-click draws a straight line from the last stroke's
 * end, as in image editors.
 */
import { paintSegment } from '../label-ops';
import type { Point } from '../raster';
import { BaseTool, type ToolContext, type ToolPointer } from './types';

export class BrushTool extends BaseTool {
  readonly id: 'brush' | 'eraser';
  private last: Point | null = null;
  /** End of the previous stroke, the anchor of shift-click lines. */
  private lastEnd: Point | null = null;
  /** The class this stroke paints, fixed at pointer down. */
  private strokeClass = 0;

  constructor(kind: 'brush' | 'eraser' = 'brush') {
    super();
    this.id = kind;
  }

  override pointerDown(p: ToolPointer, ctx: ToolContext): void {
    if (this.state === 'drawing') return;
    this.state = 'drawing';
    this.strokeClass = this.id === 'eraser' ? ctx.background : ctx.activeClass;
    ctx.map.begin();
    const from = p.shiftKey && this.lastEnd ? this.lastEnd : p.image;
    this.paint(from, p.image, ctx);
  }

  override pointerMove(p: ToolPointer, ctx: ToolContext): void {
    if (this.state !== 'drawing' || !this.last) return;
    this.paint(this.last, p.image, ctx);
  }

  override pointerUp(p: ToolPointer, ctx: ToolContext): void {
    if (this.state !== 'drawing') return;
    if (this.last && (p.image.x !== this.last.x || p.image.y !== this.last.y)) this.paint(this.last, p.image, ctx);
    this.state = 'idle';
    this.lastEnd = this.last;
    this.last = null;
    ctx.history.push(ctx.map.commit());
    ctx.changed();
  }

  override cancel(ctx: ToolContext): void {
    if (this.state === 'drawing') {
      ctx.map.abort();
      ctx.changed();
    }
    this.state = 'idle';
    this.last = null;
  }

  private paint(from: Point, to: Point, ctx: ToolContext): void {
    paintSegment(ctx.map, from, to, { size: ctx.brushSize, tip: ctx.brushTip }, this.strokeClass);
    this.last = { x: to.x, y: to.y };
    ctx.changed();
  }
}
