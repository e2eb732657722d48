import { z } from 'zod';
import { paletteSchema } from '../palettes';
import { event, request } from './define';
import { noInput } from './errors';

/** The manifest format this version writes, and the newest it can read. */
export const PROJECT_FORMAT = 'atelier-project';
export const PROJECT_MANIFEST_VERSION = 1;

/**
 * atelier.json, the project's manifest. Loose on purpose: keys this version does not know
 * (added by other areas or by a newer minor release) are kept when the manifest is
 * rewritten, never dropped.
 */
export const projectManifestSchema = z.looseObject({
  format: z.literal(PROJECT_FORMAT),
  version: z.number().int().min(1),
  name: z.string().min(1),
  created: z.iso.datetime(),
  modified: z.iso.datetime(),
  /** Display names of the two image domains (pix2pix: input/target; CycleGAN: A/B). */
  domains: z.strictObject({ A: z.string().min(1), B: z.string().min(1) }).optional(),
  /** The label palettes the project's label maps use (src/shared/palettes.ts). */
  palettes: z.array(paletteSchema).optional(),
});

export type ProjectManifest = z.output<typeof projectManifestSchema>;

export const projectInfoSchema = z.object({
  /** Absolute path of the project folder. */
  root: z.string(),
  manifest: projectManifestSchema,
});

export type ProjectInfo = z.output<typeof projectInfoSchema>;

export const recentProjectSchema = z.object({
  path: z.string(),
  name: z.string(),
  lastOpened: z.iso.datetime(),
});

export type RecentProject = z.output<typeof recentProjectSchema>;

const projectDir = z
  .string()
  .min(1, 'a project folder path is required')
  .refine((p) => !p.includes('\0'), 'path contains a NUL byte');

export const projectRequests = {
  'project:create': request(
    z.strictObject({ dir: projectDir, name: z.string().trim().min(1).max(200).optional() }),
    projectInfoSchema,
    'Create a project in a folder (created if missing; must not hold a project already) and open it.',
  ),
  'project:open': request(
    z.strictObject({ dir: projectDir }),
    projectInfoSchema,
    'Open the project in a folder (reads and validates its atelier.json).',
  ),
  'project:current': request(noInput, projectInfoSchema.nullable(), 'The open project, or null.'),
  'project:recent': request(
    noInput,
    z.object({
      projects: z.array(recentProjectSchema),
      /** Entries dropped from the list because their folder or manifest is gone. */
      pruned: z.array(z.object({ path: z.string(), reason: z.string() })),
    }),
    'Recently opened projects, newest first; entries whose folder is gone are pruned.',
  ),
};

export const projectEvents = {
  'project:changed': event(projectInfoSchema.nullable(), 'The open project changed (opened, created, manifest updated).'),
};
