import type { Studio } from '../state/studio';
import type { Action } from './registry';

export const projectActions: Action<Studio>[] = [
  {
    id: 'project.new',
    label: 'New project…',
    category: 'Project',
    keywords: ['create', 'folder'],
    shortcuts: ['Mod+Shift+N'],
    perform: (studio) => studio.openDialog({ kind: 'project', mode: 'new' }),
  },
  {
    id: 'project.open',
    label: 'Open project…',
    category: 'Project',
    keywords: ['folder', 'recent', 'load'],
    shortcuts: ['Mod+O'],
    perform: (studio) => studio.openDialog({ kind: 'project', mode: 'open' }),
  },
];
