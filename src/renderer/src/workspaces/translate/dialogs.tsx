/**
 * The Translate workspace's dialogs: export at full resolution, translate a folder, and
 * import a reference checkpoint into the model library.
 */
import { useState, type ReactNode } from 'react';
import type { InspectResult } from '../../../../shared/api/translate';
import { describeError } from '../../api/errors';
import { Dialog } from '../../shell/Dialog';
import { useStore } from '../../state/store';
import type { JobPanel, TranslateController } from './controller';

function JobProgress({ job, label }: { job: JobPanel; label: string }) {
  const fraction = job.total > 0 ? job.done / job.total : 0;
  return (
    <div className="translate-job">
      <div
        className="translate-job__bar"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={job.total || 1}
        aria-valuenow={job.done}
      >
        <span style={{ width: `${Math.round(fraction * 100)}%` }} />
      </div>
      <span className="field__hint">{job.message}</span>
    </div>
  );
}

/**
 * A dialog that starts a job: its fields, the job's progress and what it left, why it could
 * not start or failed, and its buttons — Cancel while the job runs (the dialog cannot be
 * closed then), Close otherwise.
 */
function JobDialog(props: {
  title: string;
  job: JobPanel | null;
  progressLabel: string;
  start: () => Promise<unknown>;
  onCancel: () => void;
  onClose: () => void;
  labels: { cancel: string; submit: string; running: string };
  disabled: boolean;
  /** Shown under the progress bar: the finished job's outcome. */
  outcome: ReactNode;
  children: ReactNode;
}) {
  const { job, labels, onClose } = props;
  const [startError, setStartError] = useState<string | null>(null);
  const running = job?.state === 'running';
  const error = startError ?? job?.error;
  return (
    <Dialog title={props.title} onClose={() => !running && onClose()}>
      <form
        className="form"
        onSubmit={async (e) => {
          e.preventDefault();
          setStartError(null);
          try {
            await props.start();
          } catch (err) {
            setStartError(describeError(err));
          }
        }}
      >
        {props.children}
        {job && <JobProgress job={job} label={props.progressLabel} />}
        {props.outcome}
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog__buttons">
          <button type="button" className="button" onClick={running ? props.onCancel : onClose}>
            {running ? labels.cancel : 'Close'}
          </button>
          <button type="submit" className="button button--primary" disabled={running || props.disabled}>
            {running ? labels.running : labels.submit}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Source files with what became of each, as a labelled list; nothing when there are none. */
function SourceList({ label, items }: { label: string; items: [source: string, why: string][] }) {
  if (items.length === 0) return null;
  return (
    <ul aria-label={label}>
      {items.map(([source, why]) => (
        <li key={source}>
          <code>{source}</code>: {why}
        </li>
      ))}
    </ul>
  );
}

function stem(name: string): string {
  return name.replace(/\.[^.]*$/, '');
}

export function ExportDialog({ controller, onClose }: { controller: TranslateController; onClose: () => void }) {
  const source = useStore(controller.store, (s) => s.source);
  const job = useStore(controller.store, (s) => s.exportJob);
  const target = useStore(controller.store, (s) => {
    const model = s.models.find((m) => m.id === s.modelId);
    return model?.directions.find((d) => d.direction === s.direction)?.to ?? 'translated';
  });
  const photoName = source?.kind === 'photo' ? source.photo.name : 'image';
  const [format, setFormat] = useState<'png' | 'jpeg'>('png');
  const [name, setName] = useState(`${stem(photoName)}-${target.replace(/[^\w-]+/g, '_')}.png`);
  const [quality, setQuality] = useState(92);
  const [overwrite, setOverwrite] = useState(false);
  const running = job?.state === 'running';

  const changeFormat = (f: 'png' | 'jpeg') => {
    setFormat(f);
    setName((n) => `${stem(n)}.${f === 'png' ? 'png' : 'jpg'}`);
  };

  return (
    <JobDialog
      title="Export at full resolution"
      job={job}
      progressLabel="Export progress"
      start={() => controller.exportImage({ output: name.trim(), format, quality, overwrite })}
      onCancel={() => controller.cancelExport()}
      onClose={onClose}
      labels={{ cancel: 'Cancel export', submit: 'Export', running: 'Exporting…' }}
      disabled={!name.trim()}
      outcome={
        <>
          {job?.state === 'succeeded' && job.result && (
            <p className="field__hint" role="status">
              Exported {job.result.path} ({job.result.width}×{job.result.height}, {(job.result.ms / 1000).toFixed(1)} s)
            </p>
          )}
          {job?.state === 'cancelled' && (
            <p className="field__hint" role="status">
              Export cancelled; nothing was written.
            </p>
          )}
        </>
      }
    >
      {source?.kind === 'photo' && (
        <p className="field__hint">
          {source.photo.name}, {source.photo.width}×{source.photo.height} pixels, translated in tiles at full size.
        </p>
      )}
      <label className="field">
        <span className="field__label">File name (in the project's exports folder)</span>
        <input className="input" value={name} onChange={(e) => setName(e.target.value)} disabled={running} />
      </label>
      <label className="field">
        <span className="field__label">Format</span>
        <select className="input" value={format} onChange={(e) => changeFormat(e.target.value as 'png' | 'jpeg')} disabled={running}>
          <option value="png">PNG (lossless: untouched pixels stay exactly the photo's)</option>
          <option value="jpeg">JPEG</option>
        </select>
      </label>
      {format === 'jpeg' && (
        <label className="field">
          <span className="field__label">JPEG quality: {quality}</span>
          <input type="range" min={1} max={100} value={quality} onChange={(e) => setQuality(Number(e.target.value))} disabled={running} />
        </label>
      )}
      <label className="field field--inline">
        <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} disabled={running} />
        <span>Replace a file of that name</span>
      </label>
    </JobDialog>
  );
}

export function BatchDialog({ controller, onClose }: { controller: TranslateController; onClose: () => void }) {
  const job = useStore(controller.store, (s) => s.batchJob);
  const [folder, setFolder] = useState('');
  const [output, setOutput] = useState('batch');
  const [format, setFormat] = useState<'png' | 'jpeg'>('png');
  const [quality, setQuality] = useState(92);
  const [overwrite, setOverwrite] = useState(false);
  const running = job?.state === 'running';
  const result = job?.state === 'succeeded' ? job.result : undefined;

  return (
    <JobDialog
      title="Translate a folder"
      job={job}
      progressLabel="Batch progress"
      start={() => controller.batch({ folder: folder.trim(), output: output.trim(), format, quality, overwrite })}
      onCancel={() => controller.cancelBatch()}
      onClose={onClose}
      labels={{ cancel: 'Cancel batch', submit: 'Translate folder', running: 'Translating…' }}
      disabled={!folder.trim() || !output.trim()}
      outcome={
        <>
          {result && (
            <div role="status" className="translate-summary">
              <p>
                {result.written.length} written to {result.outputDir}; {result.failed.length} failed; {result.skipped.length} skipped.
              </p>
              <SourceList label="Failures" items={result.failed.map((f) => [f.source, f.error])} />
              <SourceList label="Skipped" items={result.skipped.map((f) => [f.source, f.reason])} />
            </div>
          )}
          {job?.state === 'cancelled' && <p role="status">Batch cancelled; the files written so far are kept.</p>}
        </>
      }
    >
      <label className="field">
        <span className="field__label">Folder of photos (a full path, or relative to the project)</span>
        <input className="input" value={folder} onChange={(e) => setFolder(e.target.value)} disabled={running} placeholder="/path/to/photos" />
      </label>
      <label className="field">
        <span className="field__label">Output folder (in the project's exports folder)</span>
        <input className="input" value={output} onChange={(e) => setOutput(e.target.value)} disabled={running} />
      </label>
      <div className="field__row">
        <label className="field">
          <span className="field__label">Format</span>
          <select className="input" value={format} onChange={(e) => setFormat(e.target.value as 'png' | 'jpeg')} disabled={running}>
            <option value="png">PNG</option>
            <option value="jpeg">JPEG</option>
          </select>
        </label>
        {format === 'jpeg' && (
          <label className="field">
            <span className="field__label">Quality: {quality}</span>
            <input type="range" min={1} max={100} value={quality} onChange={(e) => setQuality(Number(e.target.value))} disabled={running} />
          </label>
        )}
      </div>
      <label className="field field--inline">
        <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} disabled={running} />
        <span>Replace existing files</span>
      </label>
    </JobDialog>
  );
}

export function ImportModelDialog({ controller, onClose }: { controller: TranslateController; onClose: () => void }) {
  const [pathAB, setPathAB] = useState('');
  const [pathBA, setPathBA] = useState('');
  const [name, setName] = useState('');
  const [domainA, setDomainA] = useState('');
  const [domainB, setDomainB] = useState('');
  const [dropout, setDropout] = useState(false);
  const [found, setFound] = useState<Record<string, InspectResult | string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const inspect = async (path: string) => {
    if (!path.trim()) return;
    try {
      const r = await controller.inspect(path.trim());
      setFound((f) => ({ ...f, [path]: r }));
    } catch (err) {
      setFound((f) => ({ ...f, [path]: describeError(err) }));
    }
  };
  const describe = (path: string) => {
    const r = found[path];
    if (r === undefined) return null;
    return typeof r === 'string' ? (
      <span className="form-error">{r}</span>
    ) : (
      <span className="field__hint">{r.description}</span>
    );
  };
  const generators = [
    ...(pathAB.trim() ? [{ path: pathAB.trim(), direction: 'AtoB' as const }] : []),
    ...(pathBA.trim() ? [{ path: pathBA.trim(), direction: 'BtoA' as const }] : []),
  ];

  return (
    <Dialog title="Import a reference model" onClose={onClose}>
      <form
        className="form"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            await controller.importModel({
              generators,
              name: name.trim(),
              domains: { A: domainA.trim(), B: domainB.trim() },
              useDropout: dropout,
            });
            onClose();
          } catch (err) {
            setError(describeError(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <p className="field__hint">
          Generator checkpoints of pytorch-CycleGAN-and-pix2pix (e.g. latest_net_G_A.pth, or a pretrained model's .pth). The architecture is read from the
          file.
        </p>
        <div className="field__row">
          <label className="field">
            <span className="field__label">Domain A</span>
            <input className="input" value={domainA} onChange={(e) => setDomainA(e.target.value)} placeholder="photo" />
          </label>
          <label className="field">
            <span className="field__label">Domain B</span>
            <input className="input" value={domainB} onChange={(e) => setDomainB(e.target.value)} placeholder="Monet" />
          </label>
        </div>
        <label className="field">
          <span className="field__label">Generator A → B (.pth)</span>
          <input className="input" value={pathAB} onChange={(e) => setPathAB(e.target.value)} onBlur={() => void inspect(pathAB)} placeholder="/path/to/latest_net_G_A.pth" />
          {describe(pathAB.trim())}
        </label>
        <label className="field">
          <span className="field__label">Generator B → A (.pth, optional)</span>
          <input className="input" value={pathBA} onChange={(e) => setPathBA(e.target.value)} onBlur={() => void inspect(pathBA)} placeholder="/path/to/latest_net_G_B.pth" />
          {describe(pathBA.trim())}
        </label>
        <label className="field">
          <span className="field__label">Name in the library</span>
          <input className="input" value={name} onChange={(e) => setName(e.target.value)} placeholder="Photo ⇄ Monet" />
        </label>
        <label className="field field--inline">
          <input type="checkbox" checked={dropout} onChange={(e) => setDropout(e.target.checked)} />
          <span>Trained with dropout (pix2pix's default; not recorded in a .pth)</span>
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog__buttons">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="button button--primary"
            disabled={busy || generators.length === 0 || !name.trim() || !domainA.trim() || !domainB.trim()}
          >
            {busy ? 'Importing…' : 'Import'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
