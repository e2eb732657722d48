/**
 * The welcome over an open project: the demo tours, shown when the studio lands on the
 * demo project (first start, `--demo`) and from the palette. Escape or "Close" leaves
 * the project as it is.
 */
import { useStore } from '../../state/store';
import { Dialog } from '../Dialog';
import { useStudio } from '../context';
import { DemoTours } from './DemoTours';
import { firstRunFor } from './state';

export function WelcomeDialog() {
  const { studio } = useStudio();
  const firstRun = firstRunFor(studio);
  const open = useStore(firstRun.store, (s) => s.welcome);
  const hasProject = useStore(studio.session, (s) => s.project !== null);
  // Without a project the start page shows the tours itself.
  if (!open || !hasProject) return null;
  return (
    <Dialog title="Welcome to Atelier" className="dialog dialog--welcome" onClose={() => firstRun.hideWelcome()}>
      <p className="field__hint">
        Atelier trains and runs image-to-image GANs (pix2pix and CycleGAN) on this computer. Pick a tour, or close this to
        look around the demo project.
      </p>
      <DemoTours />
      <div className="dialog__buttons">
        <button type="button" className="button" onClick={() => firstRun.hideWelcome()}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
