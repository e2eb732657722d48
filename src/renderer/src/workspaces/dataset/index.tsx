/**
 * Dataset & Label: the project's images in a virtualised grid with states, filters and the
 * split; imports and exports in the reference's layouts; and the label editor.
 */
import { useEffect, useState } from 'react';
import { useStudio } from '../../shell/context';
import { useStore } from '../../state/store';
import { datasetControllerFor } from './controller';
import { DatasetGrid } from './DatasetGrid';
import { DatasetToolbar, type DatasetDialog } from './DatasetToolbar';
import { ExportDialog, ImportFolderDialog, LargeImagesDialog, SettingsDialog, SplitDialog } from './dialogs';
import { EditorView } from './EditorView';
import './dataset.css';

export function DatasetWorkspace() {
  const { studio } = useStudio();
  const controller = datasetControllerFor(studio);
  useEffect(() => controller.connect(), [controller]);
  const mode = useStore(controller.store, (s) => s.mode);
  const session = useStore(controller.store, (s) => s.session);
  const view = useStore(controller.store, (s) => s.view);
  const [dialog, setDialog] = useState<DatasetDialog>(null);
  const close = () => setDialog(null);

  return (
    <section className="dataset-workspace" aria-labelledby="dataset-title">
      <header className="dataset-workspace__header">
        <h1 id="dataset-title">Dataset & Label</h1>
        {view && (
          <span className="muted">
            {view.kind === 'paired' ? 'Paired' : `Unpaired: ${view.domainNames.A} ↔ ${view.domainNames.B}`} · {view.counts.total} images
          </span>
        )}
      </header>
      {mode === 'editor' && session ? (
        <EditorView controller={controller} session={session} />
      ) : (
        <>
          <DatasetToolbar controller={controller} openDialog={setDialog} />
          <DatasetGrid controller={controller} />
        </>
      )}
      {dialog === 'import-folder' && <ImportFolderDialog controller={controller} onClose={close} />}
      {dialog === 'split' && <SplitDialog controller={controller} onClose={close} />}
      {dialog === 'export' && <ExportDialog controller={controller} onClose={close} />}
      {dialog === 'settings' && <SettingsDialog controller={controller} onClose={close} />}
      <LargeImagesDialog controller={controller} />
    </section>
  );
}
