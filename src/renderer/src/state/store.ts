import { useSyncExternalStore } from 'react';

/**
 * A minimal observable value. The renderer's state is a handful of these (session,
 * jobs, toasts, dialogs); components read them through `useStore`, and everything else
 * (actions, the api client's event handlers) reads and writes them directly, so state
 * logic stays testable without React.
 */
export interface Readable<T> {
  get(): T;
  subscribe(listener: () => void): () => void;
}

export interface Store<T> extends Readable<T> {
  set(next: T | ((previous: T) => T)): void;
}

export function createStore<T>(initial: T): Store<T> {
  let value = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => value,
    set(next) {
      const resolved = typeof next === 'function' ? (next as (previous: T) => T)(value) : next;
      if (Object.is(resolved, value)) return;
      value = resolved;
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Subscribes a component to a store; re-renders only when the selected slice changes identity. */
export function useStore<T, S = T>(store: Readable<T>, select: (value: T) => S = (v) => v as unknown as S): S {
  return useSyncExternalStore(
    store.subscribe,
    () => select(store.get()),
    () => select(store.get()),
  );
}
