/** Pan: idle → panning while the pointer is down; moves the view by the screen delta. */
import type { Point } from '../raster';
import { BaseTool, type ToolContext, type ToolPointer } from './types';

export class PanTool extends BaseTool {
  readonly id = 'pan' as const;
  private last: Point | null = null;

  override pointerDown(p: ToolPointer): void {
    this.state = 'panning';
    this.last = { ...p.screen };
  }

  override pointerMove(p: ToolPointer, ctx: ToolContext): void {
    if (this.state !== 'panning' || !this.last) return;
    ctx.panBy(p.screen.x - this.last.x, p.screen.y - this.last.y);
    this.last = { ...p.screen };
  }

  override pointerUp(): void {
    this.state = 'idle';
    this.last = null;
  }

  override cancel(): void {
    this.state = 'idle';
    this.last = null;
  }
}
