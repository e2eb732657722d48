import { useStore } from '../state/store';
import { useStudio } from './context';

/** Notifications, newest last. Errors are alerts and stay until dismissed; the rest fade after a few seconds. */
export function Toasts() {
  const { studio } = useStudio();
  const toasts = useStore(studio.toasts.store);
  return (
    <ul className="toasts" aria-label="Notifications">
      {toasts.map((toast) => (
        <li key={toast.id} className={`toast toast--${toast.kind}`} role={toast.kind === 'error' ? 'alert' : 'status'}>
          <div className="toast__body">
            <div className="toast__title">
              {toast.title}
              {toast.count > 1 && ` (×${toast.count})`}
            </div>
            {toast.message && <div className="toast__message">{toast.message}</div>}
          </div>
          <button type="button" className="toast__close" aria-label="Dismiss notification" onClick={() => studio.toasts.dismiss(toast.id)}>
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
