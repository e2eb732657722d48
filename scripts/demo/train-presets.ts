/**
 * Training options of the demo: the shipped models, small enough to train in minutes on
 * two CPU cores and to translate live, and the tiny run the training tour starts.
 * Options the reference's models set themselves (norm, GAN objective, λ) are left to
 * their defaults (src/shared/train-options.ts).
 */
import type { TrainOptionsInput } from '../../src/shared/train-options';
import { DEMO_MODELS, DEMO_SEED, FACADES, LANDSCAPES } from './config';

/**
 * label map → facade. The reference's pix2pix at our scale: a U-Net of 7 levels (unet_128)
 * at three-sixteenths of the reference's width, on whole 128×128 pairs with the reference's
 * jitter (resize a little larger, crop back, flip).
 */
export const FACADES_RUN: TrainOptionsInput = {
  name: DEMO_MODELS.facades.run,
  model: 'pix2pix',
  dataroot: FACADES.folder,
  dataset_mode: 'paired',
  direction: 'BtoA',
  netG: 'unet_128',
  ngf: 12,
  ndf: 16,
  preprocess: 'resize_and_crop',
  load_size: 142,
  crop_size: 128,
  n_epochs: 30,
  n_epochs_decay: 20,
  print_freq: 40,
  preview_freq: 400,
  save_latest_freq: 100_000,
  save_epoch_freq: 100,
  num_threads: 1,
  seed: DEMO_SEED,
};

/**
 * day ⇄ dusk. A ResNet generator with 6 blocks at an eighth of the reference's width,
 * trained on 64×64 crops of the 128×128 landscapes (the scale it translates them at). No
 * identity loss: the change of light is the whole translation, and the identity term
 * would hold colours back.
 */
export const DAY_DUSK_RUN: TrainOptionsInput = {
  name: DEMO_MODELS.dayDusk.run,
  model: 'cycle_gan',
  dataroot: LANDSCAPES.folder,
  dataset_mode: 'unaligned',
  netG: 'resnet_6blocks',
  ngf: 8,
  ndf: 16,
  preprocess: 'crop',
  load_size: 128,
  crop_size: 64,
  lambda_identity: 0,
  n_epochs: 15,
  n_epochs_decay: 15,
  print_freq: 36,
  preview_freq: 216,
  save_latest_freq: 100_000,
  save_epoch_freq: 100,
  num_threads: 1,
  seed: DEMO_SEED,
};

/**
 * The training tour: a pix2pix run on the demo facades that logs its losses every two
 * images, so its curves grow while the user watches, and ends within a few minutes.
 */
export const TRAIN_TOUR_OPTIONS: TrainOptionsInput = {
  model: 'pix2pix',
  dataroot: FACADES.folder,
  dataset_mode: 'paired',
  direction: 'BtoA',
  netG: 'unet_64',
  ngf: 8,
  ndf: 8,
  preprocess: 'crop',
  load_size: 128,
  crop_size: 64,
  n_epochs: 3,
  n_epochs_decay: 2,
  print_freq: 2,
  preview_freq: 20,
  save_latest_freq: 100_000,
  save_epoch_freq: 5,
  num_threads: 1,
  seed: 1,
};
