/**
 * The folder of a training run, `<checkpoints_dir>/<name>/`:
 *
 *   options.json        the run's resolved options (src/shared/train-options.ts)
 *   metrics.jsonl       one JSON record per step and per event, appended live
 *   checkpoints/latest/ checkpoints/epoch_<n>/ checkpoints/iter_<n>/   (train/checkpoint.ts)
 *   previews/<step>/<visual>.png, previews/index.json                  (train/previews.ts)
 */
import { join } from 'node:path';

export const RUN_OPTIONS_FILE = 'options.json';
export const METRICS_FILE = 'metrics.jsonl';
export const CHECKPOINTS_DIR = 'checkpoints';

export function runDirOf(o: { checkpoints_dir: string; name: string }): string {
  return join(o.checkpoints_dir, o.name);
}

/** The checkpoint tag `--epoch` names: latest, an epoch number (epoch_<n>), or iter_<n>. */
export function checkpointTag(epoch: string): string {
  return /^\d+$/.test(epoch) ? `epoch_${epoch}` : epoch;
}
