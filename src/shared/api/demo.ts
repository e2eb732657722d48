/**
 * The built-in demo project: the channel that opens it (copying the shipped, read-only
 * project to the user's data folder on first use) and the tour descriptor the demo's
 * manifest carries under `demo`, which says what each first-run tour loads. The
 * descriptor lives in the project, not in the renderer, so the data script and the tours
 * cannot disagree about a model id or a file name.
 */
import { z } from 'zod';
import { trainOptionsInputSchema } from '../train-options';
import { request } from './define';
import { projectInfoSchema, type ProjectManifest } from './projects';

const direction = z.enum(['AtoB', 'BtoA']);
/** A path inside the project folder, with forward slashes. */
const projectPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !/^[A-Za-z]:/.test(p) && !p.split('/').includes('..'), 'a path inside the project');

export const demoToursSchema = z.object({
  /** Paint a label map and watch the label → photo model answer. */
  paint: z.object({
    modelId: z.string().min(1),
    direction,
    /** The dataset item whose label map the canvas starts from. */
    itemId: z.string().min(1),
  }),
  /** Translate a photo, restricted by a painted mask. */
  mask: z.object({
    modelId: z.string().min(1),
    direction,
    photo: projectPath,
  }),
  /** A short training run on the demo data, ready to start. */
  train: z.object({
    options: trainOptionsInputSchema,
  }),
});
export type DemoTours = z.output<typeof demoToursSchema>;

export const DEMO_MANIFEST_KEY = 'demo';
export const demoDescriptorSchema = z.object({
  version: z.literal(1),
  tours: demoToursSchema,
});
export type DemoDescriptor = z.output<typeof demoDescriptorSchema>;

/** The tours of a project's manifest, or null when it is not the demo (or a damaged one). */
export function demoTours(manifest: ProjectManifest | null | undefined): DemoTours | null {
  const parsed = demoDescriptorSchema.safeParse(manifest?.[DEMO_MANIFEST_KEY]);
  return parsed.success ? parsed.data.tours : null;
}

export const demoRequests = {
  'demo:open': request(
    z
      .strictObject({
        /** Replace the user's copy with a fresh one (the old copy is kept beside it, renamed). */
        reset: z.boolean().optional(),
      })
      .optional(),
    z.object({
      project: projectInfoSchema,
      /** The shipped demo was copied now (first use, a damaged copy, or reset). */
      copied: z.boolean(),
    }),
    "Open the built-in demo project: the user's own copy, made from the shipped one on first use.",
  ),
};
