/**
 * Rectangle fill: idle → dragging on pointer down; pointer up fills the pixels from the one
 * under the start to the one under the end, inclusive. Escape cancels the drag.
 */
import { fillRect } from '../label-ops';
import type { Point } from '../raster';
import { BaseTool, type ToolContext, type ToolPointer, type ToolPreview } from './types';

export class RectangleTool extends BaseTool {
  readonly id = 'rectangle' as const;
  private from: Point | null = null;
  private to: Point | null = null;

  override pointerDown(p: ToolPointer): void {
    this.state = 'dragging';
    this.from = { ...p.image };
    this.to = { ...p.image };
  }

  override pointerMove(p: ToolPointer, ctx: ToolContext): void {
    if (this.state !== 'dragging') return;
    this.to = { ...p.image };
    ctx.changed();
  }

  override pointerUp(p: ToolPointer, ctx: ToolContext): void {
    if (this.state !== 'dragging' || !this.from) return;
    const patch = fillRect(ctx.map, this.from, p.image, ctx.activeClass);
    this.cancel();
    ctx.history.push(patch);
    ctx.changed();
  }

  override cancel(ctx?: ToolContext): void {
    this.state = 'idle';
    this.from = null;
    this.to = null;
    ctx?.changed();
  }

  override preview(): ToolPreview {
    if (this.state !== 'dragging' || !this.from || !this.to) return { kind: 'none' };
    return { kind: 'rectangle', from: this.from, to: this.to };
  }
}
