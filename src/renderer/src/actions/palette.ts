import type { Studio } from '../state/studio';
import type { Action } from './registry';

export const paletteActions: Action<Studio>[] = [
  {
    id: 'palette.show',
    label: 'Show all commands',
    category: 'Help',
    keywords: ['command palette', 'shortcuts', 'keyboard', 'help'],
    shortcuts: ['Mod+K', 'F1'],
    perform: (studio) => studio.toggleDialog({ kind: 'palette' }),
  },
];
