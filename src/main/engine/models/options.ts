/**
 * The options a model is built from: the run's options (src/shared/train-options.ts), of
 * which each model reads its own.
 */
import type { TrainOptions } from '../../../shared/train-options';

export type ModelOptions = Pick<
  TrainOptions,
  | 'model'
  | 'seed'
  | 'direction'
  | 'input_nc'
  | 'output_nc'
  | 'ngf'
  | 'ndf'
  | 'netG'
  | 'netD'
  | 'n_layers_D'
  | 'norm'
  | 'init_type'
  | 'init_gain'
  | 'no_dropout'
  | 'gan_mode'
  | 'lr'
  | 'beta1'
  | 'pool_size'
  | 'lambda_L1'
  | 'lambda_A'
  | 'lambda_B'
  | 'lambda_identity'
>;
