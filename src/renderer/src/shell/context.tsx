import { createContext, useContext, type ReactNode } from 'react';
import type { ActionRegistry } from '../actions/registry';
import type { Studio } from '../state/studio';

interface StudioContextValue {
  studio: Studio;
  actions: ActionRegistry<Studio>;
}

const StudioContext = createContext<StudioContextValue | null>(null);

export function StudioProvider({ studio, actions, children }: StudioContextValue & { children: ReactNode }) {
  return <StudioContext.Provider value={{ studio, actions }}>{children}</StudioContext.Provider>;
}

/** The studio's state and commands, and the action registry, for any component below App. */
export function useStudio(): StudioContextValue {
  const value = useContext(StudioContext);
  if (!value) throw new Error('useStudio() must be called inside <StudioProvider>');
  return value;
}
