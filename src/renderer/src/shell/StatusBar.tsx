import { useStore } from '../state/store';
import { jobLabel, latestJob, type JobView } from '../state/jobs';
import { backendLabel, engineStateLabel, engineStateTone } from './backend-label';
import { useStudio } from './context';

function ConnectionItem() {
  const { studio } = useStudio();
  const connection = useStore(studio.api.connection);
  if (connection.status === 'open') return null;
  const text =
    connection.status === 'connecting'
      ? 'Connecting…'
      : connection.status === 'closed'
        ? 'Disconnected'
        : `Disconnected — reconnecting${connection.attempt > 1 ? ` (try ${connection.attempt})` : ''}`;
  return (
    <span className="statusbar__item statusbar__warn">
      <span className="dot dot--warn" aria-hidden="true" />
      {text}
    </span>
  );
}

function EngineItem() {
  const { studio } = useStudio();
  const engine = useStore(studio.session, (s) => s.engine);
  const fallback = useStore(studio.session, (s) => s.info?.backend ?? null);
  const backend = engine?.backend ?? fallback;
  const label = backend ? backendLabel(backend) : 'Engine';
  const state = engine ? engineStateLabel(engine.state) : 'connecting…';
  return (
    <button
      type="button"
      className="statusbar__item"
      onClick={() => studio.openDialog({ kind: 'engine' })}
      title="Engine details"
      aria-label={`Engine: ${backend ? `${label}, ` : ''}${state}. Show details`}
    >
      <span className={`dot ${engine ? `dot--${engineStateTone(engine.state)}` : ''}`} aria-hidden="true" />
      <span>{label}</span>
      <span className={engine?.state === 'crashed' ? 'statusbar__error' : undefined}>{state}</span>
    </button>
  );
}

const OUTCOME: Record<Exclude<JobView['state'], 'running'>, string> = {
  cancelling: 'cancelling…',
  succeeded: 'finished',
  failed: 'failed',
  cancelled: 'cancelled',
};

function JobItem() {
  const { studio } = useStudio();
  const job = useStore(studio.jobs, latestJob);
  if (!job) return null;
  const label = jobLabel(job.kind);
  if (job.state !== 'running') {
    return (
      <span className={`statusbar__item ${job.state === 'failed' ? 'statusbar__error' : ''}`} title={job.error}>
        {label} {OUTCOME[job.state]}
        {job.error && `: ${job.error}`}
      </span>
    );
  }
  const fraction = job.total > 0 ? Math.min(1, job.done / job.total) : 0;
  return (
    <span className="statusbar__item">
      <span>{label}</span>
      <span
        className="progress"
        role="progressbar"
        aria-label={`${label} progress`}
        aria-valuemin={0}
        aria-valuemax={job.total || undefined}
        aria-valuenow={job.total ? job.done : undefined}
        aria-valuetext={job.message}
      >
        <span className="progress__bar" style={{ width: `${fraction * 100}%` }} />
      </span>
      <span>{job.total > 0 ? `${job.done}/${job.total}` : job.message}</span>
      <button
        type="button"
        className="button button--small"
        aria-label={`Cancel ${label}`}
        onClick={() => studio.cancelJob(job.jobId).catch((e) => studio.reportError(e, `Could not cancel ${label}`))}
      >
        Cancel
      </button>
    </span>
  );
}

function ProjectItem() {
  const { studio } = useStudio();
  const project = useStore(studio.session, (s) => s.project);
  if (!project) return <span className="statusbar__item">No project open</span>;
  return (
    <span className="statusbar__item" title={project.root}>
      {project.manifest.name}
    </span>
  );
}

/** The bottom bar: link to main, engine backend and state, the current job, the open project. */
export function StatusBar() {
  return (
    <footer className="statusbar" role="status" aria-label="Status bar">
      <ConnectionItem />
      <EngineItem />
      <JobItem />
      <span className="statusbar__grow" />
      <ProjectItem />
    </footer>
  );
}
