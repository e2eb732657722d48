/**
 * The editor's store for one image: label map, undo history, active tool, class, brush and
 * view. Pointer and key events arrive in screen coordinates and leave as tool transitions in
 * image coordinates. React components render what this holds and subscribe to changes; the
 * store knows nothing of React or Konva, so it is tested by feeding it events.
 */
import { paletteIdMask, type Palette } from '../../../shared/palettes';
import { History, type HistoryLimits } from './history';
import { LabelMap } from './label-map';
import type { BrushTip, Point } from './raster';
import { createTools, type Tool, type ToolContext, type ToolId, type ToolPointer } from './tools';
import * as vp from './viewport';

export const MIN_BRUSH = 1;
export const MAX_BRUSH = 512;

export interface PointerModifiers {
  shiftKey?: boolean;
  altKey?: boolean;
  /** 0 primary, 1 middle (pans), 2 secondary. */
  button?: number;
}

export interface LabelEditorOptions {
  width: number;
  height: number;
  palette: Palette;
  /** Saved ids to start from; otherwise the map starts as background. */
  ids?: Uint8Array;
  history?: Partial<HistoryLimits>;
}

export class LabelEditor {
  readonly map: LabelMap;
  readonly history: History;
  private palette_: Palette;
  private paletteMask: Uint8Array;
  private readonly tools: Record<ToolId, Tool> = createTools();
  private toolId_: ToolId = 'brush';
  private activeClass_: number;
  private brushSize_ = 8;
  private brushTip_: BrushTip = 'round';
  private view_: vp.Viewport = { scale: 1, x: 0, y: 0 };
  private viewSize_: vp.Size = { width: 800, height: 600 };
  /** Space held: the pointer pans whatever the tool. */
  private spaceHeld = false;
  /** The tool that owns the current pointer gesture (pan for space/middle drags). */
  private gestureTool: Tool | null = null;
  private savedVersion: number;
  private readonly listeners = new Set<() => void>();
  private revision_ = 0;

  constructor(options: LabelEditorOptions) {
    this.palette_ = options.palette;
    this.paletteMask = paletteIdMask(options.palette);
    this.map = new LabelMap(options.width, options.height, options.ids ?? options.palette.background);
    if (options.ids) this.checkIds(options.ids);
    this.history = new History(options.history);
    this.activeClass_ = options.palette.classes.find((c) => c.id !== options.palette.background)?.id ?? options.palette.background;
    this.savedVersion = this.map.version;
  }

  // ---- state read by the views ---------------------------------------------------------

  get palette(): Palette {
    return this.palette_;
  }
  get toolId(): ToolId {
    return this.toolId_;
  }
  get tool(): Tool {
    return this.tools[this.toolId_];
  }
  get activeClass(): number {
    return this.activeClass_;
  }
  get brushSize(): number {
    return this.brushSize_;
  }
  get brushTip(): BrushTip {
    return this.brushTip_;
  }
  get view(): vp.Viewport {
    return this.view_;
  }
  get viewSize(): vp.Size {
    return this.viewSize_;
  }
  get isPanning(): boolean {
    return this.spaceHeld || this.gestureTool?.id === 'pan';
  }
  /** Changes since the last save. */
  get dirty(): boolean {
    return this.map.version !== this.savedVersion;
  }
  /** Increases on every change of anything above; React reads it to re-render. */
  get revision(): number {
    return this.revision_;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- settings ------------------------------------------------------------------------

  setTool(id: ToolId): void {
    if (id === this.toolId_) return;
    this.tool.cancel(this.context());
    this.toolId_ = id;
    this.emit();
  }

  setActiveClass(id: number): void {
    if (!this.paletteMask[id]) {
      throw new Error(`class id ${id} is not in palette "${this.palette_.id}"`);
    }
    this.activeClass_ = id;
    this.emit();
  }

  /** Select the class bound to key 1–9; false when no class has that key. */
  selectClassByKey(key: string): boolean {
    const c = this.palette_.classes.find((k) => k.key === key);
    if (!c) return false;
    this.setActiveClass(c.id);
    return true;
  }

  setBrushSize(size: number): void {
    this.brushSize_ = Math.min(MAX_BRUSH, Math.max(MIN_BRUSH, Math.round(size)));
    this.emit();
  }

  setBrushTip(tip: BrushTip): void {
    this.brushTip_ = tip;
    this.emit();
  }

  /** Swap the palette (edited custom palette); ids the new palette lacks are refused. */
  setPalette(palette: Palette): void {
    const mask = paletteIdMask(palette);
    const ids = this.map.ids;
    for (let i = 0; i < ids.length; i++) {
      if (!mask[ids[i]!]) {
        throw new Error(`palette "${palette.id}" has no class ${ids[i]}, which this label map uses`);
      }
    }
    this.palette_ = palette;
    this.paletteMask = mask;
    if (!mask[this.activeClass_]) this.activeClass_ = palette.background;
    this.map.markAllDirty();
    this.emit();
  }

  // ---- view ----------------------------------------------------------------------------

  setViewSize(size: vp.Size): void {
    this.viewSize_ = { width: Math.max(1, size.width), height: Math.max(1, size.height) };
    this.emit();
  }

  fit(): void {
    this.view_ = vp.fitView(this.map, this.viewSize_);
    this.emit();
  }

  actualSize(): void {
    this.view_ = vp.actualSize(this.view_, this.viewSize_);
    this.emit();
  }

  zoomAt(screen: Point, factor: number): void {
    this.view_ = vp.zoomAt(this.view_, screen, factor);
    this.emit();
  }

  panBy(dx: number, dy: number): void {
    this.view_ = vp.panBy(this.view_, dx, dy, this.map, this.viewSize_);
    this.emit();
  }

  // ---- input ---------------------------------------------------------------------------

  pointerDown(screen: Point, mods: PointerModifiers = {}): void {
    if (this.gestureTool) return;
    const panning = this.spaceHeld || mods.button === 1;
    if (!panning && mods.button !== undefined && mods.button !== 0) return;
    this.gestureTool = panning ? this.tools.pan : this.tool;
    this.gestureTool.pointerDown(this.pointer(screen, mods), this.context());
  }

  pointerMove(screen: Point, mods: PointerModifiers = {}): void {
    const tool = this.gestureTool ?? this.tool;
    tool.pointerMove(this.pointer(screen, mods), this.context());
  }

  pointerUp(screen: Point, mods: PointerModifiers = {}): void {
    const tool = this.gestureTool;
    if (!tool) return;
    this.gestureTool = null;
    tool.pointerUp(this.pointer(screen, mods), this.context());
    this.emit();
  }

  doubleClick(screen: Point, mods: PointerModifiers = {}): void {
    this.tool.doubleClick(this.pointer(screen, mods), this.context());
  }

  /** Keys the active tool consumes (Enter, Backspace, Escape); true when used. */
  keyDown(key: string): boolean {
    if (key === ' ') {
      if (!this.spaceHeld) {
        this.spaceHeld = true;
        this.emit();
      }
      return true;
    }
    return this.tool.keyDown(key, this.context());
  }

  keyUp(key: string): void {
    if (key === ' ' && this.spaceHeld) {
      this.spaceHeld = false;
      this.emit();
    }
  }

  /** Abandon the gesture in progress (stroke, polygon, rectangle). */
  cancelGesture(): void {
    (this.gestureTool ?? this.tool).cancel(this.context());
    this.gestureTool = null;
  }

  // ---- history -------------------------------------------------------------------------

  undo(): boolean {
    this.cancelGesture();
    const done = this.history.undo(this.map) !== null;
    this.emit();
    return done;
  }

  redo(): boolean {
    this.cancelGesture();
    const done = this.history.redo(this.map) !== null;
    this.emit();
    return done;
  }

  // ---- saving --------------------------------------------------------------------------

  /** The map's version now; pass it to markSaved once a save of this state completed. */
  get version(): number {
    return this.map.version;
  }

  markSaved(version: number): void {
    this.savedVersion = version;
    this.emit();
  }

  // ---- internals -----------------------------------------------------------------------

  private pointer(screen: Point, mods: PointerModifiers): ToolPointer {
    return {
      screen: { ...screen },
      image: vp.screenToImage(this.view_, screen),
      shiftKey: mods.shiftKey,
      altKey: mods.altKey,
    };
  }

  private context(): ToolContext {
    // A fresh object per event: tools see the settings as they are at that moment.
    return {
      map: this.map,
      history: this.history,
      activeClass: this.activeClass_,
      background: this.palette_.background,
      brushSize: this.brushSize_,
      brushTip: this.brushTip_,
      imagePerScreen: 1 / this.view_.scale,
      setActiveClass: (id) => this.setActiveClass(id),
      panBy: (dx, dy) => this.panBy(dx, dy),
      changed: () => this.emit(),
    };
  }

  private checkIds(ids: Uint8Array): void {
    for (let i = 0; i < ids.length; i++) {
      if (!this.paletteMask[ids[i]!]) {
        const x = i % this.map.width;
        const y = Math.floor(i / this.map.width);
        throw new Error(`label map holds class ${ids[i]} at (${x}, ${y}), which palette "${this.palette_.id}" lacks`);
      }
    }
  }

  private emit(): void {
    this.revision_++;
    for (const l of this.listeners) l();
  }
}
