/**
 * Polygon fill: idle → placing on the first click; each click adds a vertex. Enter, a
 * double click, or a click on the first vertex closes the polygon and fills it; Backspace
 * removes the last vertex; Escape abandons it.
 */
import { fillPolygon } from '../label-ops';
import type { Point } from '../raster';
import { BaseTool, type ToolContext, type ToolPointer, type ToolPreview } from './types';

/** How near (in screen pixels) a click must be to the first vertex to close the polygon. */
const CLOSE_RADIUS_PX = 8;

export class PolygonTool extends BaseTool {
  readonly id = 'polygon' as const;
  private points: Point[] = [];
  private cursor: Point | null = null;

  get vertices(): readonly Point[] {
    return this.points;
  }

  override pointerDown(p: ToolPointer, ctx: ToolContext): void {
    const first = this.points[0];
    if (first && this.points.length >= 3) {
      const tol = CLOSE_RADIUS_PX * ctx.imagePerScreen;
      if (Math.hypot(p.image.x - first.x, p.image.y - first.y) <= tol) {
        this.close(ctx);
        return;
      }
    }
    this.state = 'placing';
    this.points.push({ ...p.image });
    ctx.changed();
  }

  override pointerMove(p: ToolPointer, ctx: ToolContext): void {
    if (this.state !== 'placing') return;
    this.cursor = { ...p.image };
    ctx.changed();
  }

  override doubleClick(_p: ToolPointer, ctx: ToolContext): void {
    // The double click's two pointer downs added the same point twice; drop the copy.
    const n = this.points.length;
    if (n >= 2) {
      const a = this.points[n - 1]!;
      const b = this.points[n - 2]!;
      if (Math.hypot(a.x - b.x, a.y - b.y) <= CLOSE_RADIUS_PX * ctx.imagePerScreen) this.points.pop();
    }
    this.close(ctx);
  }

  override keyDown(key: string, ctx: ToolContext): boolean {
    if (this.state !== 'placing') return false;
    if (key === 'Enter') {
      this.close(ctx);
      return true;
    }
    if (key === 'Backspace') {
      this.points.pop();
      if (!this.points.length) this.state = 'idle';
      ctx.changed();
      return true;
    }
    return super.keyDown(key, ctx);
  }

  override cancel(ctx?: ToolContext): void {
    this.state = 'idle';
    this.points = [];
    this.cursor = null;
    ctx?.changed();
  }

  override preview(): ToolPreview {
    if (this.state !== 'placing') return { kind: 'none' };
    return { kind: 'polygon', points: [...this.points], cursor: this.cursor };
  }

  private close(ctx: ToolContext): void {
    const pts = this.points;
    this.cancel();
    if (pts.length >= 3) ctx.history.push(fillPolygon(ctx.map, pts, ctx.activeClass));
    ctx.changed();
  }
}
