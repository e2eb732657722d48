/**
 * The x range every chart of a dashboard shows: dragging across one chart zooms all of
 * them to that range (they share the x axis), a double click goes back to the whole run.
 */
export type XRange = [number, number] | null;

export class ZoomState {
  private value: XRange = null;
  private readonly listeners = new Set<(range: XRange) => void>();

  get range(): XRange {
    return this.value;
  }

  set(range: XRange): void {
    if (range && !(range[1] > range[0])) return;
    this.value = range;
    for (const listener of this.listeners) listener(range);
  }

  subscribe(listener: (range: XRange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
