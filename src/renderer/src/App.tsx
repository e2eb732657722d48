import { useEffect } from 'react';
import type { ActionRegistry } from './actions/registry';
import { CommandPalette } from './shell/CommandPalette';
import { StudioProvider } from './shell/context';
import { EngineDialog } from './shell/EngineDialog';
import { WelcomeDialog } from './shell/first-run/WelcomeDialog';
import { LoadFailed } from './shell/LoadFailed';
import { Nav } from './shell/Nav';
import { ProjectDialog } from './shell/ProjectDialog';
import { StartPage } from './shell/StartPage';
import { StatusBar } from './shell/StatusBar';
import { Toasts } from './shell/Toasts';
import { useShortcuts } from './shell/useShortcuts';
import { useStore } from './state/store';
import type { Studio } from './state/studio';
import { workspaceFromHash, workspaceHash, type WorkspaceId } from './state/workspaces';
import { DatasetWorkspace } from './workspaces/dataset';
import { TrainWorkspace } from './workspaces/train';
import { TranslateWorkspace } from './workspaces/translate';

const WORKSPACE_VIEWS: Record<WorkspaceId, () => React.JSX.Element> = {
  dataset: DatasetWorkspace,
  translate: TranslateWorkspace,
  train: TrainWorkspace,
};

/** Keeps the URL hash and the current workspace in step, both ways (reload and Back land where expected). */
function useWorkspaceHash(studio: Studio) {
  const workspace = useStore(studio.ui, (ui) => ui.workspace);
  useEffect(() => {
    const onHashChange = () => {
      const fromHash = workspaceFromHash(window.location.hash);
      if (fromHash) studio.navigate(fromHash);
    };
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, [studio]);
  useEffect(() => {
    if (window.location.hash !== workspaceHash(workspace)) window.location.hash = workspaceHash(workspace);
  }, [workspace]);
  return workspace;
}

export function App({ studio, actions }: { studio: Studio; actions: ActionRegistry<Studio> }) {
  const workspace = useWorkspaceHash(studio);
  const dialog = useStore(studio.ui, (ui) => ui.dialog);
  const loaded = useStore(studio.session, (s) => s.loaded);
  const loadError = useStore(studio.session, (s) => s.loadError);
  const hasProject = useStore(studio.session, (s) => s.project !== null);
  useShortcuts(actions, studio);
  const Workspace = WORKSPACE_VIEWS[workspace];

  return (
    <StudioProvider studio={studio} actions={actions}>
      <div className="app">
        <Nav />
        <main className="main" aria-label="Workspace">
          {loaded ? (
            hasProject ? <Workspace /> : <StartPage />
          ) : (
            loadError && <LoadFailed message={loadError} onRetry={() => void studio.refresh()} />
          )}
        </main>
        <StatusBar />
      </div>
      {dialog?.kind === 'palette' && <CommandPalette />}
      {dialog?.kind === 'project' && <ProjectDialog key={dialog.mode} mode={dialog.mode} />}
      {dialog?.kind === 'engine' && <EngineDialog />}
      <WelcomeDialog />
      <Toasts />
    </StudioProvider>
  );
}
