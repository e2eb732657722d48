/**
 * What an Atelier project folder holds. Every service locates project files through this
 * constant, and the README shows it.
 *
 *   <project>/
 *     atelier.json   manifest: format, version, name, created, modified, domains, palettes, …
 *     dataset/       images: A/ and B/ (CycleGAN) or aligned pairs (pix2pix), with splits
 *     labels/        label maps painted in the studio (PNG, one per image) and their palettes
 *     runs/          one folder per training run: options, logs, loss history, previews
 *     models/        trained or imported generators (checkpoints, ONNX exports)
 *     exports/       translated images and other outputs written for the user
 */
export const PROJECT_LAYOUT = {
  manifest: 'atelier.json',
  dataset: 'dataset',
  labels: 'labels',
  runs: 'runs',
  models: 'models',
  exports: 'exports',
} as const;

/** The folders `project:create` makes. */
export const PROJECT_FOLDERS = [
  PROJECT_LAYOUT.dataset,
  PROJECT_LAYOUT.labels,
  PROJECT_LAYOUT.runs,
  PROJECT_LAYOUT.models,
  PROJECT_LAYOUT.exports,
] as const;
