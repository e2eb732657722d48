/**
 * The 'train' job: a training run in the engine process (engine/train/trainer.ts), with
 * the job protocol's controls — cancel stops the run after the current step and saves it
 * as 'latest'; pause holds it between steps. Progress carries the step, the epoch, the
 * losses and the learning rate; a written preview is announced with its step.
 */
import { z } from 'zod';
import { trainOptionsInputSchema } from '../../../shared/train-options';
import { runTraining, type TrainEvent, type TrainResult } from '../train/trainer';
import { defineJob } from './index';

export const trainParamsSchema = z.strictObject({
  /** As the user gave them (the model's defaults fill the rest); with continue_train, a saved run's. */
  options: trainOptionsInputSchema,
});

export const trainJob = defineJob({
  kind: 'train',
  params: trainParamsSchema,
  async run({ options }, { signal, progress, log, pausePoint }): Promise<TrainResult> {
    // The last step's progress, repeated with `previewStep` when that step's preview is written.
    let last: { done: number; total: number; message: string; data: Record<string, unknown> } | null = null;
    const onEvent = (e: TrainEvent) => {
      switch (e.type) {
        case 'start':
          log('info', `${e.resumedFrom ? `continuing from ${e.resumedFrom}` : 'starting'} ${e.runDir} on ${e.backend}: ${e.datasetSize} images, ${e.batchesPerEpoch} steps per epoch`);
          break;
        case 'checkpoint':
          log('info', `saved checkpoint ${e.tag} (step ${e.step})`);
          break;
        case 'bad-sample':
          log('warn', `skipped ${e.path}: ${e.message}`);
          break;
        case 'warning':
          log('warn', e.message);
          break;
        case 'preview':
          if (last) progress(last.done, last.total, last.message, { ...last.data, previewStep: e.step });
          break;
        default:
          break;
      }
    };
    return runTraining(options, {
      signal,
      pausePoint,
      onEvent,
      onStep: (s) => {
        const data = {
          step: s.step,
          stepsLeft: s.stepsLeft,
          totalSteps: s.step + s.stepsLeft,
          epoch: s.epoch,
          lastEpoch: s.lastEpoch,
          epochIter: s.epochIter,
          totalIters: s.totalIters,
          losses: s.losses,
          lr: s.lr,
          stepSeconds: s.stepS,
          dataSeconds: s.dataS,
        };
        last = { done: s.step, total: s.step + s.stepsLeft, message: `epoch ${s.epoch}/${s.lastEpoch}, step ${s.step}`, data };
        progress(last.done, last.total, last.message, data);
      },
    });
  },
});
