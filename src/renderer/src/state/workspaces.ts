/** The studio's three workspaces, in navigation order (Ctrl/Cmd+1…3 follow this order). */
export const WORKSPACES = [
  { id: 'dataset', title: 'Dataset & Label' },
  { id: 'translate', title: 'Translate' },
  { id: 'train', title: 'Train' },
] as const;

export type WorkspaceId = (typeof WORKSPACES)[number]['id'];

export const DEFAULT_WORKSPACE: WorkspaceId = 'dataset';

/**
 * The workspace lives in the URL hash ("#/translate"), so a reload, or a link pasted
 * into another tab in headless mode, lands on the same workspace.
 */
export function workspaceFromHash(hash: string): WorkspaceId | undefined {
  const id = hash.replace(/^#\/?/, '');
  return WORKSPACES.find((w) => w.id === id)?.id;
}

export const workspaceHash = (id: WorkspaceId): string => `#/${id}`;
