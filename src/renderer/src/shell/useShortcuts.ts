import { useEffect } from 'react';
import type { ActionRegistry } from '../actions/registry';
import type { Studio } from '../state/studio';

/** Whether keys typed now are text: bare-key shortcuts then stay out of the way. */
function isTextEntry(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !['button', 'checkbox', 'radio', 'range', 'submit', 'reset', 'color', 'file'].includes(target.type);
}

/** Routes every keydown in the window through the action registry. */
export function useShortcuts(actions: ActionRegistry<Studio>, studio: Studio) {
  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (event.defaultPrevented || event.isComposing) return;
      const hit = actions.handleKeyDown(event, studio, isTextEntry(event.target));
      if (hit) event.preventDefault();
    }
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [actions, studio]);
}
