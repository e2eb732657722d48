/**
 * Train: configure a run, start, pause, resume and stop it, and watch it — live curves of
 * every loss the model declares, its previews, its status — beside every other run of the
 * project.
 */
import { useEffect } from 'react';
import { useStudio } from '../../shell/context';
import { useStore } from '../../state/store';
import { trainControllerFor } from './controller';
import { NewRunForm } from './NewRunForm';
import { RunList } from './RunList';
import { RunView } from './RunView';
import './train.css';

export function TrainWorkspace() {
  const { studio } = useStudio();
  const controller = trainControllerFor(studio);
  const project = useStore(studio.session, (s) => s.project?.root ?? null);
  useEffect(() => controller.connect(), [controller]);
  useEffect(() => {
    if (project) void controller.refreshRuns();
  }, [controller, project]);
  const view = useStore(controller.store, (s) => s.view);

  return (
    <section className="train-workspace" aria-labelledby="train-title">
      <h1 id="train-title" className="train-workspace__title">
        Train
      </h1>
      <RunList controller={controller} />
      <div className="train-workspace__main">
        {view.kind === 'new' ? <NewRunForm controller={controller} /> : <RunView key={view.name} controller={controller} name={view.name} />}
      </div>
    </section>
  );
}
