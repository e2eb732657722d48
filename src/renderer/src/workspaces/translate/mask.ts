/**
 * The translation mask is a two-class label map (keep / translate), so the label editor's
 * brush, eraser, fill, undo and view serve it unchanged. What is mask-specific lives here:
 * its palette, inverting it as one undoable step, and its encoding for the API (coverage
 * bytes 0 / 255, run-length coded, base64 — see maskSchema in shared/api/translate.ts).
 */
import type { MaskPayload } from '../../../../shared/api/translate';
import { paletteSchema, type Palette } from '../../../../shared/palettes';
import type { History } from '../../canvas/history';
import type { LabelMap } from '../../canvas/label-map';
import { rleEncode } from '../../../../shared/rle';
import { toBase64 } from '../../canvas/label-codec';

export const KEEP = 0;
export const TRANSLATE = 1;

/** Background (what the eraser paints) is "keep the photo". */
export const MASK_PALETTE: Palette = paletteSchema.parse({
  id: 'translate-mask',
  name: 'Translation mask',
  background: KEEP,
  classes: [
    { id: KEEP, name: 'Keep the photo', color: '#000000', key: '1' },
    { id: TRANSLATE, name: 'Translate', color: '#ff3d7f', key: '2' },
  ],
});

/** Swap keep and translate everywhere, as one undoable edit. */
export function invertMask(map: LabelMap, history: History): void {
  const { width, height, ids } = map;
  history.push(
    map.transact((m) => {
      for (let y = 0; y < height; y++) {
        const row = y * width;
        let x0 = 0;
        while (x0 < width) {
          const id = ids[row + x0]!;
          let x1 = x0;
          while (x1 + 1 < width && ids[row + x1 + 1] === id) x1++;
          m.writeSpan(y, x0, x1, id === TRANSLATE ? KEEP : TRANSLATE);
          x0 = x1 + 1;
        }
      }
    }),
  );
}

/** Set every pixel to one class (clear: keep; all: translate), as one undoable edit. */
export function fillMask(map: LabelMap, history: History, id: typeof KEEP | typeof TRANSLATE): void {
  history.push(map.transact((m) => {
    for (let y = 0; y < map.height; y++) m.writeSpan(y, 0, map.width - 1, id);
  }));
}

/** Whether any pixel is to be translated. */
export function maskCoverage(map: LabelMap): number {
  let n = 0;
  for (const id of map.ids) if (id === TRANSLATE) n++;
  return n / map.ids.length;
}

/** Class ids → coverage bytes (translate = 255). */
export function coverageBytes(ids: Uint8Array): Uint8Array {
  const out = new Uint8Array(ids.length);
  for (let i = 0; i < ids.length; i++) out[i] = ids[i] === TRANSLATE ? 255 : 0;
  return out;
}

/** The mask as the API carries it (read synchronously: a consistent snapshot of the map). */
export function encodeMask(map: LabelMap): MaskPayload {
  return { width: map.width, height: map.height, encoding: 'rle', data: toBase64(rleEncode(coverageBytes(map.ids))) };
}
