import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createActionRegistry } from './actions';
import { isMacPlatform } from './actions/keys';
import { createApi } from './api/client';
import { App } from './App';
import { createStudio } from './state/studio';
import { workspaceFromHash } from './state/workspaces';
import './theme.css';

/**
 * Headless mode opens the page as /?token=…; the server answered with the session
 * cookie, so the token has done its job. Drop it from the address bar, where it would
 * end up in history, bookmarks and screenshots.
 */
function forgetLaunchToken() {
  const url = new URL(window.location.href);
  if (!url.searchParams.has('token')) return;
  url.searchParams.delete('token');
  window.history.replaceState(window.history.state, '', url);
}

forgetLaunchToken();
const studio = createStudio(createApi(), { workspace: workspaceFromHash(window.location.hash) });
const actions = createActionRegistry(isMacPlatform(navigator));

// Errors nothing else caught still reach the user, with their message.
window.addEventListener('error', (event) => studio.reportError(event.error ?? event.message, 'Unexpected error'));
window.addEventListener('unhandledrejection', (event) => studio.reportError(event.reason, 'Unexpected error'));

studio.connect();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App studio={studio} actions={actions} />
  </StrictMode>,
);
