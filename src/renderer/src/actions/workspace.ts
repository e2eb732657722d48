import type { Studio } from '../state/studio';
import { WORKSPACES } from '../state/workspaces';
import type { Action } from './registry';

/** Ctrl/Cmd+1…3 go to the workspaces in navigation order. */
export const workspaceActions: Action<Studio>[] = WORKSPACES.map((workspace, index) => ({
  id: `workspace.${workspace.id}`,
  label: `Go to ${workspace.title}`,
  category: 'Workspace',
  keywords: ['switch', 'show', 'view'],
  shortcuts: [`Mod+${index + 1}`],
  perform: (studio) => studio.navigate(workspace.id),
}));
