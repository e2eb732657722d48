import { useEffect } from 'react';
import { useStore } from '../state/store';
import { useStudio } from './context';
import { DemoTours } from './first-run/DemoTours';
import { RecentProjects } from './RecentProjects';

/** Shown while no project is open: create one, open one, or pick up a recent one. */
export function StartPage() {
  const { studio, actions } = useStudio();
  const recent = useStore(studio.session, (s) => s.recent);
  useEffect(() => {
    void studio.loadRecent();
  }, [studio]);
  return (
    <section className="empty" aria-labelledby="start-title">
      <h1 id="start-title">Welcome to Atelier</h1>
      <p>
        A project is a folder that holds your image datasets, label maps, trained models and translations. Create one
        or open one to begin.
      </p>
      <DemoTours />
      <div className="empty__actions">
        <button type="button" className="button button--primary" onClick={() => void actions.perform('project.new', studio)}>
          New project… <span className="kbd">{actions.shortcutLabels('project.new')[0]}</span>
        </button>
        <button type="button" className="button" onClick={() => void actions.perform('project.open', studio)}>
          Open project… <span className="kbd">{actions.shortcutLabels('project.open')[0]}</span>
        </button>
      </div>
      {recent.length > 0 && (
        <>
          <h2 className="field__label">Recent projects</h2>
          <RecentProjects
            projects={recent}
            onOpen={(path) => studio.openProject(path).catch((e) => studio.reportError(e, 'Could not open the project'))}
          />
        </>
      )}
    </section>
  );
}
