/**
 * Models by the reference's `--model` name (models/__init__.py `create_model`).
 */
import { CycleGANModel } from './cycle-gan';
import type { TranslationModel } from './model';
import type { ModelOptions } from './options';
import { Pix2PixModel } from './pix2pix';

export * from './model';
export { networkPlans, generatorDirections, type NetworkPlan } from './architecture';
export type { ModelOptions } from './options';
export { Pix2PixModel } from './pix2pix';
export { CycleGANModel } from './cycle-gan';

export function createModel(options: ModelOptions): TranslationModel {
  switch (options.model) {
    case 'pix2pix':
      return new Pix2PixModel(options);
    case 'cycle_gan':
      return new CycleGANModel(options);
    default:
      throw new Error(`model '${String(options.model)}' is not implemented (pix2pix, cycle_gan)`);
  }
}
