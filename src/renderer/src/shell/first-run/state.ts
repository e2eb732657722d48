/**
 * The first-run view's state: whether the welcome (the tours, over the demo project) is
 * shown, and the tour being set up. The welcome opens by itself when the studio lands on
 * the demo project with no workspace named in the address (the first start, or
 * `atelier serve --demo`), and on request (the palette's "Show the demo tours").
 */
import { demoTours } from '../../../../shared/api/demo';
import { describeError } from '../../api/errors';
import { createStore, type Store } from '../../state/store';
import type { Studio } from '../../state/studio';
import { workspaceFromHash } from '../../state/workspaces';
import { runTour, type TourId } from './tours';

export interface FirstRunState {
  /** The welcome dialog is open (only meaningful while a project is open). */
  welcome: boolean;
  /** The tour being set up, until its workspace is ready. */
  running: TourId | null;
  /** Why the last tour could not start. */
  error: string | null;
}

export interface FirstRun {
  store: Store<FirstRunState>;
  showWelcome(): void;
  hideWelcome(): void;
  /** Open the demo and set up the tour; errors are kept in the store and shown. */
  start(tour: TourId): Promise<boolean>;
}

export function createFirstRun(studio: Studio, options: { landedWithoutWorkspace: boolean }): FirstRun {
  const store = createStore<FirstRunState>({ welcome: false, running: null, error: null });
  const patch = (p: Partial<FirstRunState>) => store.set((s) => ({ ...s, ...p }));

  // Decided once, when the studio's state first arrives.
  let decided = false;
  const decide = () => {
    const { loaded, project } = studio.session.get();
    if (decided || !loaded) return;
    decided = true;
    if (options.landedWithoutWorkspace && project && demoTours(project.manifest)) patch({ welcome: true });
  };
  studio.session.subscribe(decide);
  decide();

  return {
    store,
    showWelcome: () => patch({ welcome: true, error: null }),
    hideWelcome: () => patch({ welcome: false, error: null }),
    async start(tour) {
      if (store.get().running) return false;
      patch({ running: tour, error: null });
      try {
        await runTour(studio, tour);
        patch({ running: null, welcome: false });
        return true;
      } catch (error) {
        patch({ running: null, error: describeError(error) });
        // The start page that showed the tour may be gone (the demo opened): a toast stays.
        studio.reportError(error, 'The tour could not start');
        return false;
      }
    },
  };
}

const instances = new WeakMap<Studio, FirstRun>();

/**
 * One per studio. Created on the first render, before the shell writes the workspace
 * into the address, so it can tell a fresh landing from a reload.
 */
export function firstRunFor(studio: Studio, hash: string = globalThis.location?.hash ?? ''): FirstRun {
  let f = instances.get(studio);
  if (!f) {
    f = createFirstRun(studio, { landedWithoutWorkspace: workspaceFromHash(hash) === undefined });
    instances.set(studio, f);
  }
  return f;
}
