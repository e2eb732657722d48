/** Palette commands of the demo project: open it, show its tours, restore a fresh copy. */
import type { Action } from '../../actions/registry';
import type { Studio } from '../../state/studio';
import { firstRunFor } from './state';

export const demoActions: Action<Studio>[] = [
  {
    id: 'demo.tours',
    label: 'Show the demo tours',
    category: 'Help',
    keywords: ['welcome', 'tour', 'demo', 'getting started', 'first run'],
    perform: (studio) => {
      // Without a project the start page shows them; over a project, the welcome dialog.
      if (studio.session.get().project) firstRunFor(studio).showWelcome();
    },
  },
  {
    id: 'demo.open',
    label: 'Open the demo project',
    category: 'Project',
    keywords: ['demo', 'example', 'sample'],
    perform: async (studio) => {
      const { project } = await studio.api.invoke('demo:open', {});
      await studio.openProject(project.root);
    },
  },
  {
    id: 'demo.reset',
    label: 'Restore the demo project…',
    category: 'Project',
    keywords: ['demo', 'reset', 'fresh copy'],
    perform: async (studio) => {
      const ok = globalThis.confirm?.(
        'Replace your copy of the demo project with a fresh one? Your current copy is kept beside it, renamed.',
      );
      if (!ok) return;
      const { project } = await studio.api.invoke('demo:open', { reset: true });
      await studio.openProject(project.root);
      studio.toasts.push({ kind: 'success', title: 'The demo project was restored', message: project.root });
    },
  },
];
