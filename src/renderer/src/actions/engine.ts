import { activeJob } from '../state/jobs';
import type { Studio } from '../state/studio';
import type { Action } from './registry';

export const engineActions: Action<Studio>[] = [
  {
    id: 'engine.details',
    label: 'Show engine details',
    category: 'Engine',
    keywords: ['backend', 'gpu', 'cuda', 'wasm', 'device', 'about', 'version'],
    perform: (studio) => studio.openDialog({ kind: 'engine' }),
  },
  {
    id: 'engine.selftest',
    label: 'Run engine self-test',
    category: 'Engine',
    keywords: ['check', 'test', 'demo', 'job'],
    perform: async (studio) => {
      await studio.runSelfTest();
    },
  },
  {
    id: 'job.cancel',
    label: 'Cancel the running job',
    category: 'Engine',
    keywords: ['stop', 'abort'],
    enabled: (studio) => activeJob(studio.jobs.get())?.state === 'running',
    perform: async (studio) => {
      const job = activeJob(studio.jobs.get());
      if (job) await studio.cancelJob(job.jobId);
    },
  },
];
