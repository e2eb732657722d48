/**
 * The mask as an overlay: the label editor's surface with "translate" pixels tinted and
 * "keep" pixels transparent, so the photo shows through untouched where it will stay
 * untouched.
 */
import { paletteRgbaLut } from '../../../../shared/palettes';
import type { LabelMap } from '../../canvas/label-map';
import { OverlaySurface } from '../../canvas/overlay-surface';
import { KEEP, MASK_PALETTE } from './mask';

export function maskSurface(map: LabelMap): OverlaySurface {
  const surface = new OverlaySurface(map, MASK_PALETTE);
  const lut = paletteRgbaLut(MASK_PALETTE);
  lut[KEEP] = 0;
  surface.setColours(lut);
  return surface;
}
