/**
 * The new-run form: a preset per model (the reference's defaults), the options that
 * matter in groups, each problem shown at its field as the user types (and the dataset's,
 * from main, a moment later), the backend and device the run will use, and Start.
 */
import { useId, useState, type FormEvent } from 'react';
import type { ValidationIssue } from '../../../../shared/api/train';
import { optionDocs, type TrainOptionName } from '../../../../shared/train-options';
import { useStudio } from '../../shell/context';
import { backendLabel } from '../../shell/backend-label';
import { useStore } from '../../state/store';
import type { TrainController } from './controller';
import { FIELD_GROUPS, hasErrors, issuesByField, setField, visibleFields, type FieldSpec, type FormState } from './form-model';

const DOCS = new Map(optionDocs().map((d) => [d.name, d.doc]));

const PRESETS: { model: FormState['model']; title: string; summary: string }[] = [
  { model: 'pix2pix', title: 'pix2pix', summary: 'paired images · unet_256 · batch norm · vanilla GAN · λ L1 100' },
  { model: 'cycle_gan', title: 'CycleGAN', summary: 'unpaired images · resnet_9blocks · instance norm · LSGAN · λ 10 · identity 0.5 · pool 50' },
];

export function NewRunForm({ controller }: { controller: TrainController }) {
  const { studio } = useStudio();
  const form = useStore(controller.store, (s) => s.form);
  const local = useStore(controller.store, (s) => s.formIssues);
  const server = useStore(controller.store, (s) => s.serverCheck);
  const starting = useStore(controller.store, (s) => Object.values(s.pending).includes('start'));
  const engine = useStore(studio.session, (s) => s.engine);
  const [showAdvanced, setShowAdvanced] = useState(false);
  const byField = issuesByField(local, server?.issues ?? []);
  const all = [...byField.values()].flat();
  const blocked = hasErrors(all) || Boolean(server?.checking);
  // Issues of options the form does not show still need to be seen.
  const shown = new Set<string>(FIELD_GROUPS.flatMap((g) => visibleFields(g, form.model).map((f) => f.name)));
  const other = all.filter((i) => !shown.has(i.path));

  function submit(event: FormEvent) {
    event.preventDefault();
    void controller.start();
  }

  return (
    <form className="run-form" aria-labelledby="run-form-title" onSubmit={submit} noValidate>
      <header className="run-form__header">
        <h2 id="run-form-title">New run</h2>
        <p className="run-form__backend">
          Trains on <strong>{engine?.backend ? backendLabel(engine.backend) : 'the engine (starting…)'}</strong>
          {engine?.backend && <span className="muted"> — {engine.backend.device}</span>}
        </p>
      </header>
      <fieldset className="run-form__presets">
        <legend>Model</legend>
        {PRESETS.map((p) => (
          <label key={p.model} className={`preset ${form.model === p.model ? 'preset--active' : ''}`}>
            <input type="radio" name="model" value={p.model} checked={form.model === p.model} onChange={() => controller.applyPreset(p.model)} />
            <span className="preset__title">{p.title}</span>
            <span className="preset__summary">{p.summary}</span>
          </label>
        ))}
      </fieldset>
      {FIELD_GROUPS.map((group) => {
        const fields = visibleFields(group, form.model);
        const hasProblem = fields.some((f) => byField.has(f.name));
        if (group.advanced && !showAdvanced && !hasProblem) return null;
        return (
          <fieldset key={group.title} className="run-form__group">
            <legend>{group.title}</legend>
            <div className="run-form__fields">
              {fields.map((field) => (
                <Field
                  key={field.name}
                  field={field}
                  form={form}
                  issues={byField.get(field.name) ?? []}
                  onChange={(value) => controller.setForm(setField(form, field.name, value))}
                  onBrowse={
                    field.kind === 'path' && studio.api.platform === 'electron'
                      ? async () => {
                          const dir = await studio.pickDirectory('Folder of training images');
                          if (dir) controller.setForm(setField(form, field.name, dir));
                        }
                      : undefined
                  }
                />
              ))}
            </div>
          </fieldset>
        );
      })}
      <button type="button" className="button button--small run-form__more" onClick={() => setShowAdvanced((v) => !v)}>
        {showAdvanced ? 'Fewer options' : 'More options'}
      </button>
      {other.length > 0 && <IssueList issues={other} />}
      <footer className="run-form__footer">
        <DatasetSummary controller={controller} />
        <button type="submit" className="button button--primary" disabled={blocked || starting}>
          {starting ? 'Starting…' : 'Start training'}
        </button>
      </footer>
    </form>
  );
}

function DatasetSummary({ controller }: { controller: TrainController }) {
  const server = useStore(controller.store, (s) => s.serverCheck);
  if (!server) return <p className="run-form__dataset muted">Name the run and choose its images folder.</p>;
  if (server.checking) return <p className="run-form__dataset muted">Checking the dataset…</p>;
  if (server.error) return <p className="run-form__dataset form-error">{server.error}</p>;
  const d = server.dataset;
  if (!d) return <p className="run-form__dataset muted">The dataset could not be read (see above).</p>;
  return (
    <p className="run-form__dataset" aria-label="Dataset summary">
      {d.images} {d.images === 1 ? 'image' : 'images'} ({d.mode}) · network input {d.width}×{d.height} · {d.stepsPerEpoch} steps per epoch
    </p>
  );
}

function IssueList({ issues }: { issues: readonly ValidationIssue[] }) {
  return (
    <ul className="run-form__issues">
      {issues.map((i) => (
        <li key={`${i.path}:${i.message}`} className={i.severity === 'error' ? 'form-error' : 'run-form__warning'} role={i.severity === 'error' ? 'alert' : undefined}>
          <span className="mono">{i.path}</span>: {i.message}
        </li>
      ))}
    </ul>
  );
}

function Field({
  field,
  form,
  issues,
  onChange,
  onBrowse,
}: {
  field: FieldSpec;
  form: FormState;
  issues: readonly ValidationIssue[];
  onChange: (value: string | boolean) => void;
  onBrowse?: () => Promise<void>;
}) {
  const id = useId();
  const hintId = useId();
  const value = form.values[field.name as TrainOptionName];
  const doc = DOCS.get(field.name);
  const error = issues.some((i) => i.severity === 'error');
  const describedBy = issues.length ? hintId : undefined;
  if (field.kind === 'bool') {
    return (
      <div className="field run-form__field run-form__field--bool" title={doc}>
        <label htmlFor={id} className="field__row">
          <input id={id} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} aria-describedby={describedBy} />
          {field.label}
        </label>
        {issues.length > 0 && <FieldIssues id={hintId} issues={issues} />}
      </div>
    );
  }
  const text = typeof value === 'string' ? value : '';
  return (
    <div className={`field run-form__field ${field.kind === 'path' ? 'run-form__field--wide' : ''}`} title={doc}>
      <label htmlFor={id} className="field__label">
        {field.label} <span className="run-form__option mono">{field.name}</span>
      </label>
      <div className="field__row">
        {field.kind === 'enum' ? (
          <select id={id} className="input" value={text} onChange={(e) => onChange(e.target.value)} aria-invalid={error} aria-describedby={describedBy}>
            {!field.choices?.includes(text) && <option value={text}>{text}</option>}
            {field.choices?.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        ) : (
          <input
            id={id}
            className="input"
            type="text"
            inputMode={field.kind === 'int' ? 'numeric' : field.kind === 'float' ? 'decimal' : undefined}
            spellCheck={false}
            value={text}
            placeholder={field.optional ? (field.name === 'seed' ? 'random' : 'all') : field.kind === 'path' ? 'absolute path, or relative to the project' : undefined}
            onChange={(e) => onChange(e.target.value)}
            aria-invalid={error}
            aria-describedby={describedBy}
          />
        )}
        {onBrowse && (
          <button type="button" className="button button--small" onClick={() => void onBrowse()}>
            Browse…
          </button>
        )}
      </div>
      {issues.length > 0 && <FieldIssues id={hintId} issues={issues} />}
    </div>
  );
}

function FieldIssues({ id, issues }: { id: string; issues: readonly ValidationIssue[] }) {
  return (
    <div id={id} className="run-form__field-issues">
      {issues.map((i) => (
        <div key={i.message} className={i.severity === 'error' ? 'form-error' : 'run-form__warning'}>
          {i.message}
        </div>
      ))}
    </div>
  );
}
