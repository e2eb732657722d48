import type { Studio } from '../state/studio';
import { engineActions } from './engine';
import { paletteActions } from './palette';
import { projectActions } from './project';
import { ActionRegistry } from './registry';
import { workspaceActions } from './workspace';

/** Every command of the studio, in the order the palette lists them. */
export function createActionRegistry(isMac: boolean): ActionRegistry<Studio> {
  return new ActionRegistry<Studio>({
    isMac,
    onError: (error, action, studio) => studio.reportError(error, `“${action.label.replace(/…$/, '')}” failed`),
  }).register(...workspaceActions, ...projectActions, ...engineActions, ...paletteActions);
}
