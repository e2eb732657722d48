/**
 * One run on screen: its controls (pause, resume, stop), live status, curves, previews,
 * options and checkpoints, with CSV export and "translate with it".
 */
import { useMemo } from 'react';
import type { RunSummary, TrainProgress } from '../../../../shared/api/train';
import { backendLabel } from '../../shell/backend-label';
import { useStudio } from '../../shell/context';
import { useStore } from '../../state/store';
import type { TrainController } from './controller';
import { Dashboard } from './Dashboard';
import { formatDate, formatDuration, formatMiB, formatRate, formatValue } from './format';
import { PreviewPanel } from './PreviewPanel';
import { RunStateBadge } from './RunList';

export function RunView({ controller, name }: { controller: TrainController; name: string }) {
  const run = useStore(controller.store, (s) => s.runs.find((r) => r.name === name));
  const progress = useStore(controller.store, (s) => s.progress[name]);
  const compare = useStore(controller.store, (s) => s.compare);
  const chart = useStore(controller.store, (s) => s.chart);
  const previews = useStore(controller.store, (s) => (s.previews?.run === name ? s.previews.entries : null));
  const previewIndex = useStore(controller.store, (s) => s.previewIndex);
  const series = useMemo(() => [name, ...compare].map((n) => controller.feed(n).series), [controller, name, compare]);

  if (!run) {
    return (
      <section className="run-view" aria-label={`Run ${name}`}>
        <p className="muted">Loading run “{name}”…</p>
      </section>
    );
  }
  const state = progress?.state ?? run.state;
  return (
    <section className="run-view" aria-labelledby="run-view-title">
      <header className="run-view__header">
        <h2 id="run-view-title">{name}</h2>
        <RunStateBadge state={state} />
        <RunControls controller={controller} run={run} />
      </header>
      {(progress?.error ?? run.error) && state !== 'running' && (
        <p className="run-view__error" role="alert">
          {progress?.error ?? run.error}
        </p>
      )}
      <StatusPanel run={run} progress={progress} />
      <Dashboard runs={series} settings={chart} onSettings={(p) => controller.setChart(p)} />
      <PreviewPanel entries={previews ?? []} index={previewIndex} onIndex={(i) => controller.setPreviewIndex(i)} />
      <RunDetails controller={controller} run={run} />
    </section>
  );
}

function RunControls({ controller, run }: { controller: TrainController; run: RunSummary }) {
  const state = useStore(controller.store, (s) => s.progress[run.name]?.state ?? run.state);
  const pending = useStore(controller.store, (s) => s.pending[run.name]);
  const busy = pending !== undefined;
  const canPause = state === 'running';
  const canResume = controller.canResume(run.name) || state === 'paused';
  const canStop = state === 'running' || state === 'paused' || state === 'queued';
  return (
    <div className="run-controls" role="group" aria-label="Run controls">
      {canPause && (
        <button type="button" className="button" disabled={busy} onClick={() => void controller.pause(run.name)}>
          Pause
        </button>
      )}
      {canResume && (
        <button type="button" className="button button--primary" disabled={busy} onClick={() => void controller.resume(run.name)}>
          Resume
        </button>
      )}
      {canStop && (
        <button type="button" className="button" disabled={busy} onClick={() => void controller.stop(run.name)} title="Saves a checkpoint, then stops">
          Stop
        </button>
      )}
    </div>
  );
}

function StatusPanel({ run, progress }: { run: RunSummary; progress: TrainProgress | undefined }) {
  const { studio } = useStudio();
  const backend = useStore(studio.session, (s) => s.engine?.backend ?? s.info?.backend ?? null);
  const step = progress?.step ?? run.step;
  const total = progress?.totalSteps ?? run.totalSteps;
  const epoch = progress?.epoch ?? run.epoch;
  const epochs = progress?.totalEpochs ?? run.options.n_epochs + run.options.n_epochs_decay;
  const live = progress && ['running', 'paused', 'queued', 'stopping'].includes(progress.state);
  const items: [string, string][] = [
    ['Step', total ? `${step} / ${total}` : String(step)],
    ['Epoch', `${epoch} / ${epochs}`],
    ['Speed', live ? formatRate(progress.itPerSec) : '–'],
    ['ETA', live ? formatDuration(progress.etaSeconds) : '–'],
    ['Elapsed', formatDuration(progress?.elapsedSeconds ?? run.durationSeconds)],
    ['Learning rate', formatValue(progress?.lr ?? run.lr)],
    ['Backend', backend ? backendLabel(backend) : '–'],
    ['Device', backend?.device ?? '–'],
    ['Memory', progress?.memory ? [formatMiB(progress.memory.rssMiB), progress.memory.tensorMiB !== undefined ? `${formatMiB(progress.memory.tensorMiB)} in tensors` : null].filter(Boolean).join(' · ') : '–'],
  ];
  const fraction = total ? Math.min(1, step / total) : 0;
  return (
    <section className="run-status" aria-label="Run status">
      <dl className="run-status__items">
        {items.map(([k, v]) => (
          <div key={k} className="run-status__item">
            <dt>{k}</dt>
            <dd className="mono" data-status={k.toLowerCase()}>
              {v}
            </dd>
          </div>
        ))}
      </dl>
      {total ? (
        <span className="progress run-status__progress" role="progressbar" aria-label="Run progress" aria-valuemin={0} aria-valuemax={total} aria-valuenow={step}>
          <span className="progress__bar" style={{ width: `${fraction * 100}%` }} />
        </span>
      ) : null}
      {progress?.message && live && <p className="run-status__message muted">{progress.message}</p>}
    </section>
  );
}

function RunDetails({ controller, run }: { controller: TrainController; run: RunSummary }) {
  const { studio } = useStudio();
  const csv = useStore(controller.store, (s) => (s.csv?.run === run.name ? s.csv : null));
  const pending = useStore(controller.store, (s) => s.pending[run.name]);
  const o = run.options;
  const summary: [string, string][] = [
    ['Model', `${o.model} · ${o.netG} / ${o.netD}${o.netD === 'n_layers' ? ` (${o.n_layers_D})` : ''} · ${o.norm} norm · ${o.gan_mode}`],
    ['Filters', `ngf ${o.ngf} · ndf ${o.ndf}`],
    ['Data', `${o.dataroot} (${o.dataset_mode}, ${o.direction}) · ${o.preprocess} ${o.load_size}→${o.crop_size}${o.no_flip ? ' · no flip' : ''}`],
    ['Schedule', `${o.n_epochs} + ${o.n_epochs_decay} epochs · batch ${o.batch_size} · lr ${o.lr} (${o.lr_policy}) · β1 ${o.beta1}`],
    [
      'Weights',
      o.model === 'pix2pix' ? `λ L1 ${o.lambda_L1}` : `λ A ${o.lambda_A} · λ B ${o.lambda_B} · identity ${o.lambda_identity} · pool ${o.pool_size}`,
    ],
    ['Seed', String(o.seed)],
    ['Created', formatDate(run.created)],
  ];
  return (
    <section className="run-details" aria-label="Run details">
      <div className="run-details__actions">
        <button type="button" className="button" disabled={pending !== undefined} onClick={() => void controller.exportCsv(run.name)}>
          Export metrics (CSV)
        </button>
        {csv && (
          <a className="button button--small" href={studio.api.projectFileUrl(csv.rel)} download={`${run.name}-metrics.csv`}>
            Download {csv.rows} rows
          </a>
        )}
        <button type="button" className="button" disabled={!run.modelId} onClick={() => void controller.openInTranslate(run.name)}>
          Translate with latest checkpoint
        </button>
      </div>
      <dl className="run-details__options">
        {summary.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      <h3>Checkpoints</h3>
      {run.checkpoints.length === 0 ? (
        <p className="muted">None yet.</p>
      ) : (
        <table className="run-details__checkpoints">
          <thead>
            <tr>
              <th>Tag</th>
              <th>Epoch</th>
              <th>Step</th>
              <th>Saved</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {run.checkpoints.map((c) => (
              <tr key={c.tag}>
                <td className="mono">{c.tag}</td>
                <td>{c.epoch ?? '–'}</td>
                <td>{c.step ?? '–'}</td>
                <td>{formatDate(c.savedAt)}</td>
                <td>
                  {c.tag === 'latest' && run.modelId && (
                    <button type="button" className="button button--small" onClick={() => void controller.openInTranslate(run.name)}>
                      Open in Translate
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
