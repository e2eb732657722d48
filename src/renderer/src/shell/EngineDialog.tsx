import { jobLabel } from '../state/jobs';
import { useStore } from '../state/store';
import { backendLabel, backendName, engineStateLabel } from './backend-label';
import { Dialog } from './Dialog';
import { useStudio } from './context';

/** What the engine runs on and why: every backend tried, in order, with the reason a skipped one was skipped. */
export function EngineDialog() {
  const { studio, actions } = useStudio();
  const info = useStore(studio.session, (s) => s.info);
  const engine = useStore(studio.session, (s) => s.engine);
  const backend = engine?.backend ?? info?.backend ?? null;

  return (
    <Dialog title="Engine" onClose={() => studio.closeDialog()}>
      <dl className="details">
        <dt>Atelier</dt>
        <dd>
          {info ? `${info.version} · ${info.platform === 'electron' ? 'desktop window' : 'browser (headless server)'}` : '—'}
        </dd>
        <dt>State</dt>
        <dd>
          {engine ? engineStateLabel(engine.state) : '—'}
          {engine && engine.restarts > 0 && ` (restarted ${engine.restarts}×)`}
          {engine?.error && ` — ${engine.error}`}
        </dd>
        <dt>Backend</dt>
        <dd>{backend ? backendLabel(backend) : 'not known yet'}</dd>
        {backend && (
          <>
            <dt>Device</dt>
            <dd>{backend.device}</dd>
          </>
        )}
        {backend?.threads !== undefined && (
          <>
            <dt>Threads</dt>
            <dd>{backend.threads}</dd>
          </>
        )}
        {backend?.inference && (
          <>
            <dt>Inference</dt>
            <dd>
              {backend.inference.device}; execution providers: {backend.inference.providers.join(', ')}
            </dd>
          </>
        )}
        {engine && (
          <>
            <dt>Jobs</dt>
            <dd>
              {engine.job ? `running: ${jobLabel(engine.job.kind)}` : 'none running'}
              {engine.queued > 0 && `, ${engine.queued} queued`}
            </dd>
          </>
        )}
      </dl>
      {backend && backend.attempts.length > 0 && (
        <div className="field">
          <span className="field__label">Backends tried, in order</span>
          <ol className="attempts">
            {backend.attempts.map((attempt) => (
              <li key={attempt.backend}>
                {backendName(attempt.backend)}: {attempt.ok ? 'used' : `skipped — ${attempt.reason ?? 'no reason given'}`}
              </li>
            ))}
          </ol>
        </div>
      )}
      <div className="dialog__buttons">
        <button type="button" className="button" onClick={() => studio.closeDialog()}>
          Close
        </button>
        <button
          type="button"
          className="button button--primary"
          onClick={() => {
            studio.closeDialog();
            void actions.perform('engine.selftest', studio);
          }}
        >
          Run self-test
        </button>
      </div>
    </Dialog>
  );
}
