/** Flood fill: one click fills the 4-connected region of the clicked class. One state. */
import { floodFill } from '../label-ops';
import { BaseTool, type ToolContext, type ToolPointer } from './types';

export class FillTool extends BaseTool {
  readonly id = 'fill' as const;

  override pointerDown(p: ToolPointer, ctx: ToolContext): void {
    const patch = floodFill(ctx.map, p.image.x, p.image.y, ctx.activeClass);
    if (patch) {
      ctx.history.push(patch);
      ctx.changed();
    }
  }
}
