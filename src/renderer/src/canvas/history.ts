/**
 * Undo/redo of label-map edits: a stack of reversible patches, bounded both by count and by
 * bytes. When either bound is passed the oldest steps are dropped (never the newest), so
 * memory stays bounded however long a session runs.
 */
import type { LabelMap, Patch } from './label-map';

export interface HistoryLimits {
  /** Most undo steps kept; at least 200. */
  maxSteps: number;
  /** Most bytes of patches kept (undo and redo together). */
  maxBytes: number;
}

export const DEFAULT_HISTORY_LIMITS: HistoryLimits = { maxSteps: 500, maxBytes: 256 * 1024 * 1024 };

export class History {
  private done: Patch[] = [];
  private undone: Patch[] = [];
  private bytes = 0;
  readonly limits: HistoryLimits;

  constructor(limits: Partial<HistoryLimits> = {}) {
    this.limits = { ...DEFAULT_HISTORY_LIMITS, ...limits };
    if (!(this.limits.maxSteps >= 1)) throw new Error(`history maxSteps must be ≥ 1, got ${this.limits.maxSteps}`);
  }

  get canUndo(): boolean {
    return this.done.length > 0;
  }
  get canRedo(): boolean {
    return this.undone.length > 0;
  }
  get undoDepth(): number {
    return this.done.length;
  }
  get redoDepth(): number {
    return this.undone.length;
  }
  get byteSize(): number {
    return this.bytes;
  }

  /** Record a new edit; it clears the redo branch. Null patches (no change) are ignored. */
  push(patch: Patch | null): void {
    if (!patch) return;
    for (const p of this.undone) this.bytes -= p.bytes;
    this.undone = [];
    this.done.push(patch);
    this.bytes += patch.bytes;
    this.trim();
  }

  undo(map: LabelMap): Patch | null {
    const p = this.done.pop();
    if (!p) return null;
    map.applyPatch(p, 'before');
    this.undone.push(p);
    return p;
  }

  redo(map: LabelMap): Patch | null {
    const p = this.undone.pop();
    if (!p) return null;
    map.applyPatch(p, 'after');
    this.done.push(p);
    return p;
  }

  clear(): void {
    this.done = [];
    this.undone = [];
    this.bytes = 0;
  }

  private trim(): void {
    while (this.done.length > this.limits.maxSteps) this.bytes -= this.done.shift()!.bytes;
    // Only push trims, and push has emptied the redo branch: drop the oldest steps; the
    // newest edit always stays.
    while (this.bytes > this.limits.maxBytes && this.done.length > 1) this.bytes -= this.done.shift()!.bytes;
  }
}
