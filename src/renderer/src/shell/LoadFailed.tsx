/** Shown in place of the workspace when the studio's state could not be read at all. */
export function LoadFailed({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <section className="empty" aria-labelledby="load-failed-title">
      <h1 id="load-failed-title">Atelier could not load</h1>
      <p className="form-error" role="alert">
        {message}
      </p>
      <div className="empty__actions">
        <button type="button" className="button button--primary" onClick={onRetry}>
          Try again
        </button>
      </div>
    </section>
  );
}
