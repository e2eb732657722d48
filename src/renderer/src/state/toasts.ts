import { createStore, type Store } from './store';

export type ToastKind = 'error' | 'info' | 'success';

export interface Toast {
  id: number;
  kind: ToastKind;
  /** What happened, e.g. "Could not open the project". */
  title: string;
  /** Why, in the words of the error. */
  message?: string;
  /** How many times the same toast was raised while visible. */
  count: number;
}

export interface Toasts {
  store: Store<Toast[]>;
  push(toast: { kind: ToastKind; title: string; message?: string }): number;
  dismiss(id: number): void;
}

export interface ToastOptions {
  /** How long info and success toasts stay; errors stay until dismissed, so none is missed. */
  timeoutMs?: number;
  /** Most toasts shown at once; the oldest goes first. */
  limit?: number;
}

export function createToasts({ timeoutMs = 6000, limit = 5 }: ToastOptions = {}): Toasts {
  const store = createStore<Toast[]>([]);
  const timers = new Map<number, ReturnType<typeof setTimeout>>();
  let nextId = 1;

  function dismiss(id: number) {
    clearTimeout(timers.get(id));
    timers.delete(id);
    store.set((toasts) => toasts.filter((toast) => toast.id !== id));
  }

  function arm(toast: Toast) {
    clearTimeout(timers.get(toast.id));
    if (toast.kind !== 'error') timers.set(toast.id, setTimeout(() => dismiss(toast.id), timeoutMs));
  }

  return {
    store,
    dismiss,
    push({ kind, title, message }) {
      const same = store.get().find((t) => t.kind === kind && t.title === title && t.message === message);
      if (same) {
        // Repeats (a retry failing again) bump a counter instead of stacking copies.
        const bumped = { ...same, count: same.count + 1 };
        store.set((toasts) => toasts.map((t) => (t.id === same.id ? bumped : t)));
        arm(bumped);
        return same.id;
      }
      const toast: Toast = { id: nextId++, kind, title, message, count: 1 };
      const next = [...store.get(), toast];
      for (const dropped of next.splice(0, Math.max(0, next.length - limit))) {
        clearTimeout(timers.get(dropped.id));
        timers.delete(dropped.id);
      }
      store.set(next);
      arm(toast);
      return toast.id;
    },
  };
}
