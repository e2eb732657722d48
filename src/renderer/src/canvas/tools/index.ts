import { BrushTool } from './brush';
import { EyedropperTool } from './eyedropper';
import { FillTool } from './fill';
import { PanTool } from './pan';
import { PolygonTool } from './polygon';
import { RectangleTool } from './rectangle';
import type { Tool, ToolId } from './types';

export type { Tool, ToolContext, ToolId, ToolPointer, ToolPreview } from './types';

export const TOOL_IDS: readonly ToolId[] = ['brush', 'eraser', 'fill', 'polygon', 'rectangle', 'eyedropper', 'pan'];

/** One fresh instance of every tool. */
export function createTools(): Record<ToolId, Tool> {
  return {
    brush: new BrushTool('brush'),
    eraser: new BrushTool('eraser'),
    fill: new FillTool(),
    polygon: new PolygonTool(),
    rectangle: new RectangleTool(),
    eyedropper: new EyedropperTool(),
    pan: new PanTool(),
  };
}
