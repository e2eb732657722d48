import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { bindMenu, createActionRegistry } from './actions';
import { isMacPlatform } from './actions/keys';
import { createApi } from './api/client';
import { App } from './App';
import { createStudio } from './state/studio';
import { workspaceFromHash } from './state/workspaces';
import { trainControllerFor } from './workspaces/train/controller';
import './theme.css';

const studio = createStudio(createApi(), { workspace: workspaceFromHash(window.location.hash) });
const actions = createActionRegistry(isMacPlatform(navigator));

// Errors nothing else caught still reach the user, with their message.
window.addEventListener('error', (event) => studio.reportError(event.error ?? event.message, 'Unexpected error'));
window.addEventListener('unhandledrejection', (event) => studio.reportError(event.reason, 'Unexpected error'));

studio.connect();
// Training runs are followed from the start, so their outcome is announced whichever workspace is open.
trainControllerFor(studio);
bindMenu(studio.api, actions, studio);
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App studio={studio} actions={actions} />
  </StrictMode>,
);
