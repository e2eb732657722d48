/** Eyedropper: a click makes the class under the pointer the active class. */
import { pickClass } from '../label-ops';
import { BaseTool, type ToolContext, type ToolPointer } from './types';

export class EyedropperTool extends BaseTool {
  readonly id = 'eyedropper' as const;

  override pointerDown(p: ToolPointer, ctx: ToolContext): void {
    const id = pickClass(ctx.map, p.image);
    if (id !== null) ctx.setActiveClass(id);
  }
}
