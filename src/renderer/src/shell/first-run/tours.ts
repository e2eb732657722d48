/**
 * The first-run tours: each opens the demo project (the user's copy) and puts one
 * workspace in the state where it answers at once. What each tour loads (model ids, a
 * label map, a photo, training options) comes from the demo's manifest (its `demo`
 * entry), written by the script that made the demo; here are only the steps.
 * No React: the view calls `runTour` and renders the store.
 */
import { demoTours, type DemoTours } from '../../../../shared/api/demo';
import type { ProjectInfo } from '../../../../shared/api/projects';
import { findPalette } from '../../../../shared/palettes';
import { decodeIds } from '../../canvas/label-codec';
import type { Studio } from '../../state/studio';
import type { WorkspaceId } from '../../state/workspaces';
import { translateControllerFor } from '../../workspaces/translate/controller';
import { trainControllerFor } from '../../workspaces/train/controller';
import { formFromOptions } from '../../workspaces/train/form-model';

export type TourId = keyof DemoTours;

export interface Tour {
  id: TourId;
  title: string;
  description: string;
  workspace: WorkspaceId;
}

export const TOURS: readonly Tour[] = [
  {
    id: 'paint',
    title: 'Paint a label map, watch the model answer',
    description: 'A pix2pix model turns a facade label map into a photo; every stroke you paint updates it.',
    workspace: 'translate',
  },
  {
    id: 'mask',
    title: 'Translate a photo with a mask',
    description: 'A CycleGAN model turns day into dusk; paint a mask to translate only the sky, or only the hills.',
    workspace: 'translate',
  },
  {
    id: 'train',
    title: 'Watch a short training run',
    description: 'A tiny pix2pix run on the demo facades starts at once: its loss curves and previews grow as it trains.',
    workspace: 'train',
  },
];

/** The class the painting tour starts with: windows show the model's answer best. */
const PAINT_CLASS = 'window';

/**
 * The demo project, open: the one already open, or the user's copy (made from the shipped
 * demo on first use). Fails with the reason when the copy holds no tours.
 */
export async function openDemo(studio: Studio): Promise<{ project: ProjectInfo; tours: DemoTours }> {
  const current = studio.session.get().project;
  const open = current && demoTours(current.manifest);
  if (current && open) return { project: current, tours: open };
  const { project: copy } = await studio.api.invoke('demo:open', {});
  // Through the studio, so the session holds the project before any workspace reads it.
  const project = await studio.openProject(copy.root);
  const tours = demoTours(project.manifest);
  if (!tours) throw new Error(`${project.root} is not the demo project: its atelier.json has no valid "demo" entry`);
  return { project, tours };
}

/** Open the demo and set up the tour's workspace; the caller shows errors. */
export async function runTour(studio: Studio, id: TourId): Promise<void> {
  const { tours } = await openDemo(studio);
  if (id === 'paint') await paintTour(studio, tours.paint);
  else if (id === 'mask') await maskTour(studio, tours.mask);
  else await trainTour(studio, tours.train);
  studio.navigate(TOURS.find((t) => t.id === id)!.workspace);
}

async function useModel(studio: Studio, modelId: string, direction: 'AtoB' | 'BtoA') {
  const translate = translateControllerFor(studio);
  await translate.refreshModels();
  const { models, modelsError } = translate.store.get();
  if (!models.some((m) => m.id === modelId)) {
    throw new Error(`The demo model ${modelId} is not in the project's library${modelsError ? ` (${modelsError})` : ''}`);
  }
  translate.selectModel(modelId);
  translate.setDirection(direction);
  return translate;
}

async function paintTour(studio: Studio, tour: DemoTours['paint']): Promise<void> {
  const [dataset, palettes, saved] = await Promise.all([
    studio.api.invoke('dataset:get', undefined),
    studio.api.invoke('labels:palettes', undefined),
    studio.api.invoke('labels:load', { itemId: tour.itemId }),
  ]);
  if (!saved) throw new Error(`Dataset item ${tour.itemId} of the demo has no label map to start from`);
  const palette = findPalette(dataset.paletteId, palettes.custom);
  if (!palette) throw new Error(`The demo dataset's palette "${dataset.paletteId}" does not exist`);
  const translate = await useModel(studio, tour.modelId, tour.direction);
  translate.paintLabels(palette, saved.width, saved.height, decodeIds(saved.data, saved.width, saved.height));
  const editor = translate.labelEditor!;
  editor.setTool('brush');
  const paint = palette.classes.find((c) => c.name === PAINT_CLASS) ?? palette.classes.find((c) => c.id !== palette.background);
  if (paint) editor.setActiveClass(paint.id);
  editor.setBrushSize(Math.max(4, Math.round(Math.max(saved.width, saved.height) / 16)));
}

async function maskTour(studio: Studio, tour: DemoTours['mask']): Promise<void> {
  const translate = await useModel(studio, tour.modelId, tour.direction);
  await translate.openPhotoPath(tour.photo);
  translate.maskEditor!.setTool('brush');
}

/** The training tour's run is named `first-run`, or `first-run-<n>` when taken. */
export function tourRunName(existing: readonly string[], base = 'first-run'): string {
  if (!existing.includes(base)) return base;
  for (let n = 2; ; n++) if (!existing.includes(`${base}-${n}`)) return `${base}-${n}`;
}

async function trainTour(studio: Studio, tour: DemoTours['train']): Promise<void> {
  const train = trainControllerFor(studio);
  await train.refreshRuns();
  const name = tourRunName(train.store.get().runs.map((r) => r.name));
  train.setForm(formFromOptions({ ...tour.options, name }));
  // One click: the tour starts the run, and the workspace opens on it, curves growing.
  if (!(await train.start())) throw new Error(`The training run “${name}” could not start (see the notification)`);
}
