import type { AtelierClient } from '../api/client';
import type { Studio } from '../state/studio';
import { engineActions } from './engine';
import { paletteActions } from './palette';
import { projectActions } from './project';
import { ActionRegistry } from './registry';
import { workspaceActions } from './workspace';
import { labelActions } from '../workspaces/dataset/actions';
import { demoActions } from '../shell/first-run/actions';

/** Every command of the studio, in the order the palette lists them. */
export function createActionRegistry(isMac: boolean): ActionRegistry<Studio> {
  return new ActionRegistry<Studio>({
    isMac,
    onError: (error, action, studio) => studio.reportError(error, `“${action.label.replace(/…$/, '')}” failed`),
  }).register(...workspaceActions, ...projectActions, ...engineActions, ...paletteActions, ...labelActions, ...demoActions);
}

/**
 * Electron's application menu sends the id of the action an item stands for; it runs
 * through the registry like a shortcut would, so menu and keyboard cannot disagree.
 */
export function bindMenu(api: AtelierClient, actions: ActionRegistry<Studio>, studio: Studio): () => void {
  return api.on('app:menu', ({ action }) => {
    if (!actions.get(action)) {
      studio.reportError(new Error(`The menu asked for "${action}", which is not a command of this version`), 'Menu item failed');
      return;
    }
    void actions.perform(action, studio);
  });
}
