/**
 * Every run of the project: its state, model and size, duration, last losses. Selecting a
 * run shows it; the checkbox draws it on the charts of the run on screen, for comparison.
 */
import type { RunState, RunSummary } from '../../../../shared/api/train';
import { useStore } from '../../state/store';
import type { TrainController } from './controller';
import { formatDuration, formatValue } from './format';

export const STATE_LABELS: Record<RunState, string> = {
  queued: 'queued',
  running: 'running',
  paused: 'paused',
  stopping: 'stopping…',
  finished: 'finished',
  stopped: 'stopped',
  failed: 'failed',
  interrupted: 'interrupted',
};

const STATE_TONES: Record<RunState, string> = {
  queued: 'busy',
  running: 'ok',
  paused: 'warn',
  stopping: 'busy',
  finished: 'ok',
  stopped: 'warn',
  failed: 'error',
  interrupted: 'error',
};

export function RunStateBadge({ state }: { state: RunState }) {
  return (
    <span className={`run-state run-state--${STATE_TONES[state]}`} data-state={state}>
      <span className={`dot dot--${STATE_TONES[state]}`} aria-hidden="true" />
      {STATE_LABELS[state]}
    </span>
  );
}

function describeOptions(r: RunSummary): string {
  const o = r.options;
  return `${o.model === 'pix2pix' ? 'pix2pix' : 'CycleGAN'} · ${o.netG} · ${o.crop_size}px · ${o.n_epochs}+${o.n_epochs_decay} epochs`;
}

export function RunList({ controller }: { controller: TrainController }) {
  const runs = useStore(controller.store, (s) => s.runs);
  const broken = useStore(controller.store, (s) => s.broken);
  const view = useStore(controller.store, (s) => s.view);
  const compare = useStore(controller.store, (s) => s.compare);
  const loading = useStore(controller.store, (s) => s.runsLoading);
  const error = useStore(controller.store, (s) => s.runsError);
  const current = view.kind === 'run' ? view.name : null;

  return (
    <nav className="run-list" aria-label="Runs">
      <div className="run-list__header">
        <h2>Runs</h2>
        <button type="button" className="button button--small button--primary" aria-pressed={view.kind === 'new'} onClick={() => controller.showNew()}>
          New run
        </button>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}{' '}
          <button type="button" className="button button--small" onClick={() => void controller.refreshRuns()}>
            Retry
          </button>
        </p>
      )}
      {runs.length === 0 && !loading && !error && <p className="run-list__empty">No runs yet.</p>}
      <ul className="run-list__items">
        {runs.map((r) => {
          const losses = Object.entries(r.lastLosses).slice(0, 4);
          return (
            <li key={r.name} className={`run-item ${r.name === current ? 'run-item--current' : ''}`}>
              <button type="button" className="run-item__main" aria-current={r.name === current ? 'true' : undefined} onClick={() => controller.showRun(r.name)}>
                <span className="run-item__name">{r.name}</span>
                <RunStateBadge state={r.state} />
                <span className="run-item__meta">{describeOptions(r)}</span>
                <span className="run-item__meta">
                  step {r.step}
                  {r.totalSteps ? ` / ${r.totalSteps}` : ''} · epoch {r.epoch} · {formatDuration(r.durationSeconds)} · {r.checkpoints.length}{' '}
                  {r.checkpoints.length === 1 ? 'checkpoint' : 'checkpoints'}
                </span>
                {losses.length > 0 && (
                  <span className="run-item__losses mono">{losses.map(([k, v]) => `${k} ${formatValue(v)}`).join('  ')}</span>
                )}
              </button>
              {current !== null && r.name !== current && (
                <label className="run-item__compare" title="Draw this run on the charts too">
                  <input type="checkbox" checked={compare.includes(r.name)} onChange={() => controller.toggleCompare(r.name)} />
                  Compare
                </label>
              )}
            </li>
          );
        })}
      </ul>
      {broken.length > 0 && (
        <details className="run-list__broken">
          <summary>{broken.length} unreadable</summary>
          <ul>
            {broken.map((b) => (
              <li key={b.name}>
                <strong>{b.name}</strong>: {b.error}
              </li>
            ))}
          </ul>
        </details>
      )}
    </nav>
  );
}
