/**
 * The label-map model: one class id per pixel (Uint8Array, row-major, W×H) is the source of
 * truth. Colours are derived from the palette when rendering or saving, so a blended or
 * anti-aliased pixel cannot exist.
 *
 * Every change happens inside a transaction (begin → writes → commit) that snapshots each
 * 64×64 tile the first time it is written; commit diffs the snapshots against the new
 * content and returns a reversible Patch holding only the tiles that changed, run-length
 * coded. Undo is a stack of such patches, not of canvas snapshots.
 *
 * Writes also mark tiles dirty for the renderer, which re-colours only those rectangles.
 */
import { rleDecodeInto, rleEncode } from '../../../shared/rle';

export const TILE = 64;

/** Integer pixel rectangle, half-open: [x, x + width) × [y, y + height). */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface TilePatch {
  /** Tile index: ty * tilesX + tx. */
  tile: number;
  /** RLE of the tile's ids before and after the operation. */
  before: Uint8Array;
  after: Uint8Array;
}

/** A reversible edit: the changed tiles, their bounds, and what they cost to keep. */
export interface Patch {
  tiles: TilePatch[];
  bounds: Rect;
  bytes: number;
}

export class LabelMap {
  readonly width: number;
  readonly height: number;
  readonly ids: Uint8Array;
  readonly tilesX: number;
  readonly tilesY: number;

  /** Tile snapshots of the open transaction (null when none is open). */
  private snapshots: (Uint8Array | undefined)[] | null = null;
  private touched: number[] = [];
  private readonly dirty: Uint8Array;
  private anyDirty = false;
  private version_ = 0;
  private versionAtBegin = 0;
  /** Per band of tile rows, a stamp that changes whenever a pixel of the band is written. */
  private readonly bandStamps: Uint32Array;
  private stamp = 0;

  constructor(width: number, height: number, fill: number | Uint8Array = 0) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new Error(`label map size must be positive integers, got ${width}×${height}`);
    }
    this.width = width;
    this.height = height;
    if (typeof fill === 'number') {
      this.ids = new Uint8Array(width * height).fill(fill);
    } else {
      if (fill.length !== width * height) {
        throw new Error(`label map ids: expected ${width * height} bytes for ${width}×${height}, got ${fill.length}`);
      }
      this.ids = fill;
    }
    this.tilesX = Math.ceil(width / TILE);
    this.tilesY = Math.ceil(height / TILE);
    this.dirty = new Uint8Array(this.tilesX * this.tilesY);
    this.bandStamps = new Uint32Array(this.tilesY);
    this.markAllDirty();
  }

  /** Increases on every change (writes, undo, redo, load); cheap change detection. */
  get version(): number {
    return this.version_;
  }

  get(x: number, y: number): number {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) {
      throw new Error(`pixel (${x}, ${y}) is outside the ${this.width}×${this.height} label map`);
    }
    return this.ids[y * this.width + x]!;
  }

  contains(x: number, y: number): boolean {
    return x >= 0 && y >= 0 && x < this.width && y < this.height;
  }

  /**
   * The band of rows [band·TILE, band·TILE + TILE) changed since a caller saw this stamp
   * when it differs. Never reused (unlike `version`, which an aborted stroke rewinds), so
   * encoders can cache per band.
   */
  bandStamp(band: number): number {
    return this.bandStamps[band]!;
  }

  get inTransaction(): boolean {
    return this.snapshots !== null;
  }

  begin(): void {
    if (this.snapshots) throw new Error('label map: a transaction is already open');
    this.snapshots = new Array(this.tilesX * this.tilesY);
    this.touched = [];
    this.versionAtBegin = this.version_;
  }

  /**
   * Set pixels x0..x1 (inclusive) of row y to `id`, clipped to the map. Only valid inside a
   * transaction, so that every change can be undone.
   */
  writeSpan(y: number, x0: number, x1: number, id: number): void {
    const snaps = this.snapshots;
    if (!snaps) throw new Error('label map: writes need an open transaction (begin/commit)');
    if (y < 0 || y >= this.height) return;
    if (x0 < 0) x0 = 0;
    if (x1 >= this.width) x1 = this.width - 1;
    if (x1 < x0) return;
    const ty = (y / TILE) | 0;
    const t0 = ty * this.tilesX + ((x0 / TILE) | 0);
    const t1 = ty * this.tilesX + ((x1 / TILE) | 0);
    for (let t = t0; t <= t1; t++) {
      if (!snaps[t]) {
        snaps[t] = this.readTile(t);
        this.touched.push(t);
      }
      if (!this.dirty[t]) {
        this.dirty[t] = 1;
        this.anyDirty = true;
      }
    }
    const row = y * this.width;
    this.ids.fill(id, row + x0, row + x1 + 1);
    this.bandStamps[ty] = ++this.stamp;
    this.version_++;
  }

  /** Close the transaction; the patch of what changed, or null when nothing did. */
  commit(): Patch | null {
    const snaps = this.snapshots;
    if (!snaps) throw new Error('label map: commit without begin');
    this.snapshots = null;
    const tiles: TilePatch[] = [];
    let bytes = 0;
    let minTx = Infinity;
    let minTy = Infinity;
    let maxTx = -1;
    let maxTy = -1;
    for (const t of this.touched.sort((a, b) => a - b)) {
      const before = snaps[t]!;
      const after = this.readTile(t);
      if (equalBytes(before, after)) continue;
      const tp: TilePatch = { tile: t, before: rleEncode(before), after: rleEncode(after) };
      bytes += tp.before.byteLength + tp.after.byteLength + 48;
      tiles.push(tp);
      const tx = t % this.tilesX;
      const ty = (t / this.tilesX) | 0;
      minTx = Math.min(minTx, tx);
      maxTx = Math.max(maxTx, tx);
      minTy = Math.min(minTy, ty);
      maxTy = Math.max(maxTy, ty);
    }
    this.touched = [];
    if (!tiles.length) return null;
    const x = minTx * TILE;
    const y = minTy * TILE;
    return {
      tiles,
      bytes,
      bounds: {
        x,
        y,
        width: Math.min(this.width, (maxTx + 1) * TILE) - x,
        height: Math.min(this.height, (maxTy + 1) * TILE) - y,
      },
    };
  }

  /** Close the transaction and restore every tile it touched (a cancelled stroke). */
  abort(): void {
    const snaps = this.snapshots;
    if (!snaps) return;
    this.snapshots = null;
    for (const t of this.touched) this.writeTile(t, snaps[t]!);
    this.touched = [];
    // The content is what it was at begin, so is its version: an abandoned stroke leaves
    // nothing unsaved. (Nothing saves mid-transaction, so no save saw the newer numbers.)
    this.version_ = this.versionAtBegin;
  }

  /** Run `edit` in a transaction and return its patch. */
  transact(edit: (map: LabelMap) => void): Patch | null {
    this.begin();
    try {
      edit(this);
    } catch (err) {
      this.abort();
      throw err;
    }
    return this.commit();
  }

  /** Undo (`'before'`) or redo (`'after'`) a patch. */
  applyPatch(patch: Patch, side: 'before' | 'after'): void {
    if (this.snapshots) throw new Error('label map: cannot undo or redo inside a transaction');
    const buf = new Uint8Array(TILE * TILE);
    for (const tp of patch.tiles) {
      const [, , w, h] = this.tileRect(tp.tile);
      const data = buf.subarray(0, w * h);
      rleDecodeInto(side === 'before' ? tp.before : tp.after, data);
      this.writeTile(tp.tile, data);
    }
  }

  /** Replace every id (loading a saved map); not undoable, marks everything dirty. */
  replaceAll(ids: Uint8Array): void {
    if (ids.length !== this.ids.length) {
      throw new Error(`label map ids: expected ${this.ids.length} bytes, got ${ids.length}`);
    }
    if (this.snapshots) throw new Error('label map: cannot load inside a transaction');
    this.ids.set(ids);
    this.version_++;
    this.bandStamps.fill(++this.stamp);
    this.markAllDirty();
  }

  markAllDirty(): void {
    this.dirty.fill(1);
    this.anyDirty = true;
  }

  markDirty(rect: Rect): void {
    const x0 = Math.max(0, Math.floor(rect.x / TILE));
    const y0 = Math.max(0, Math.floor(rect.y / TILE));
    const x1 = Math.min(this.tilesX - 1, Math.floor((rect.x + rect.width - 1) / TILE));
    const y1 = Math.min(this.tilesY - 1, Math.floor((rect.y + rect.height - 1) / TILE));
    for (let ty = y0; ty <= y1; ty++) {
      for (let tx = x0; tx <= x1; tx++) this.dirty[ty * this.tilesX + tx] = 1;
    }
    if (x1 >= x0 && y1 >= y0) this.anyDirty = true;
  }

  get hasDirty(): boolean {
    return this.anyDirty;
  }

  /**
   * The rectangles changed since the last call, merged from dirty tiles (runs along a tile
   * row, then equal runs on consecutive rows), and clear the dirty set.
   */
  takeDirtyRects(): Rect[] {
    if (!this.anyDirty) return [];
    const out: Rect[] = [];
    let prevRow: Rect[] = [];
    for (let ty = 0; ty < this.tilesY; ty++) {
      const row: Rect[] = [];
      let tx = 0;
      while (tx < this.tilesX) {
        if (!this.dirty[ty * this.tilesX + tx]) {
          tx++;
          continue;
        }
        const start = tx;
        while (tx < this.tilesX && this.dirty[ty * this.tilesX + tx]) tx++;
        const x = start * TILE;
        const y = ty * TILE;
        const width = Math.min(this.width, tx * TILE) - x;
        const height = Math.min(this.height, (ty + 1) * TILE) - y;
        const above = prevRow.find((r) => r.x === x && r.width === width && r.y + r.height === y);
        if (above) {
          above.height += height;
          row.push(above);
        } else {
          const r = { x, y, width, height };
          out.push(r);
          row.push(r);
        }
      }
      prevRow = row;
    }
    this.dirty.fill(0);
    this.anyDirty = false;
    return out;
  }

  /** Pixel rectangle of a tile as [x, y, width, height]. */
  tileRect(tile: number): [number, number, number, number] {
    const tx = tile % this.tilesX;
    const ty = (tile / this.tilesX) | 0;
    const x = tx * TILE;
    const y = ty * TILE;
    return [x, y, Math.min(TILE, this.width - x), Math.min(TILE, this.height - y)];
  }

  private readTile(tile: number): Uint8Array {
    const [x, y, w, h] = this.tileRect(tile);
    const out = new Uint8Array(w * h);
    for (let r = 0; r < h; r++) {
      const s = (y + r) * this.width + x;
      out.set(this.ids.subarray(s, s + w), r * w);
    }
    return out;
  }

  private writeTile(tile: number, data: Uint8Array): void {
    const [x, y, w, h] = this.tileRect(tile);
    for (let r = 0; r < h; r++) this.ids.set(data.subarray(r * w, r * w + w), (y + r) * this.width + x);
    this.bandStamps[(tile / this.tilesX) | 0] = ++this.stamp;
    if (!this.dirty[tile]) {
      this.dirty[tile] = 1;
      this.anyDirty = true;
    }
    this.version_++;
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
