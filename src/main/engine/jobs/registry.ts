import type { JobDefinition } from './index';
import { selftestJob } from './selftest';
import { trainJob } from './train';
import { translateJobs } from './translate';

/**
 * Every kind of job the engine process runs. A new kind (translate, train, …) is one
 * module under engine/ exporting a defineJob(...) and one line here.
 */
const definitions: JobDefinition[] = [selftestJob, ...translateJobs, trainJob];

export const jobRegistry: ReadonlyMap<string, JobDefinition> = new Map(
  definitions.map((definition) => [definition.kind, definition]),
);
