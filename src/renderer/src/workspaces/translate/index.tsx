/**
 * Translate: pick a model and the domains to translate between, open a photo (or paint a
 * label map for a label→photo model), see the result live, restrict it with a painted
 * mask, and export it at full resolution — or translate a whole folder.
 */
import { useEffect, useRef, useState } from 'react';
import type { DatasetItem } from '../../../../shared/api/dataset';
import { BUILTIN_PALETTES } from '../../../../shared/palettes';
import { describeError } from '../../api/errors';
import { useEditor } from '../../canvas/editor-pane';
import type { LabelEditor } from '../../canvas/label-editor';
import type { ToolId } from '../../canvas/tools';
import { useStudio } from '../../shell/context';
import { useStore } from '../../state/store';
import { translateControllerFor, type TranslateController } from './controller';
import { BatchDialog, ExportDialog, ImportModelDialog } from './dialogs';
import { TranslateCanvas } from './TranslateCanvas';
import './translate.css';

type TranslateDialog = 'export' | 'batch' | 'import' | null;

export function TranslateWorkspace() {
  const { studio } = useStudio();
  const controller = translateControllerFor(studio);
  const project = useStore(studio.session, (s) => s.project?.root ?? null);
  useEffect(() => controller.setProject(project), [controller, project]);
  const source = useStore(controller.store, (s) => s.source);
  const [dialog, setDialog] = useState<TranslateDialog>(null);
  const close = () => setDialog(null);

  return (
    <section className="translate-workspace" aria-labelledby="translate-title">
      <header className="translate-workspace__header">
        <h1 id="translate-title">Translate</h1>
        <LatencyReadout controller={controller} />
      </header>
      <div className="translate-workspace__body">
        <aside className="translate-panel" aria-label="Translation settings">
          <ModelSection controller={controller} onImport={() => setDialog('import')} />
          <SourceSection controller={controller} />
          {source?.kind === 'photo' && <MaskSection controller={controller} />}
          {source?.kind === 'labels' && <LabelSection controller={controller} />}
          <ViewSection controller={controller} />
          <section className="translate-panel__section">
            <div className="field__row">
              <button type="button" className="button button--primary" disabled={source?.kind !== 'photo'} onClick={() => setDialog('export')}>
                Export…
              </button>
              <button type="button" className="button" onClick={() => setDialog('batch')}>
                Batch…
              </button>
            </div>
          </section>
        </aside>
        <div className="translate-workspace__canvas">
          {source ? <TranslateCanvas controller={controller} /> : <EmptyState />}
          <PreviewStatus controller={controller} />
        </div>
      </div>
      {dialog === 'export' && <ExportDialog controller={controller} onClose={close} />}
      {dialog === 'batch' && <BatchDialog controller={controller} onClose={close} />}
      {dialog === 'import' && <ImportModelDialog controller={controller} onClose={close} />}
    </section>
  );
}

function EmptyState() {
  return (
    <div className="empty">
      <p>Open a photo to translate it, or paint a label map for a label → photo model.</p>
      <p className="muted">The result follows every change; paint a mask to translate only part of the photo.</p>
    </div>
  );
}

function ModelSection({ controller, onImport }: { controller: TranslateController; onImport: () => void }) {
  const models = useStore(controller.store, (s) => s.models);
  const broken = useStore(controller.store, (s) => s.broken);
  const modelId = useStore(controller.store, (s) => s.modelId);
  const direction = useStore(controller.store, (s) => s.direction);
  const error = useStore(controller.store, (s) => s.modelsError);
  const evalMode = useStore(controller.store, (s) => s.evalMode);
  const model = models.find((m) => m.id === modelId);
  const chosen = model?.directions.find((d) => d.direction === direction);
  return (
    <section className="translate-panel__section" aria-label="Model">
      <h2>Model</h2>
      {models.length === 0 ? (
        <p className="field__hint">No models yet: train one, or import a reference checkpoint.</p>
      ) : (
        <label className="field">
          <span className="field__label">Model</span>
          <select className="input" aria-label="Model" value={modelId ?? ''} onChange={(e) => controller.selectModel(e.target.value)}>
            {models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name} ({m.kind === 'cycle_gan' ? 'CycleGAN' : 'pix2pix'}, {m.origin})
              </option>
            ))}
          </select>
        </label>
      )}
      {model && (
        <div className="field__row translate-domains">
          <label className="field">
            <span className="field__label">From</span>
            <select
              className="input"
              aria-label="Source domain"
              value={direction ?? ''}
              onChange={(e) => controller.setDirection(e.target.value as 'AtoB' | 'BtoA')}
            >
              {model.directions.map((d) => (
                <option key={d.direction} value={d.direction}>
                  {d.from}
                </option>
              ))}
            </select>
          </label>
          <span className="translate-domains__arrow" aria-hidden="true">
            →
          </span>
          <div className="field">
            <span className="field__label">To</span>
            <output className="input" aria-label="Target domain">
              {chosen?.to ?? ''}
            </output>
          </div>
        </div>
      )}
      {chosen && (
        <p className="field__hint">
          {chosen.generator.netG}, ngf {chosen.generator.ngf}, {chosen.generator.norm} norm
        </p>
      )}
      <label className="field field--inline" title="BatchNorm with running statistics and dropout off, as the reference's --eval">
        <input type="checkbox" checked={evalMode} onChange={(e) => controller.setEvalMode(e.target.checked)} />
        <span>Eval mode (--eval)</span>
      </label>
      <button type="button" className="button button--small" onClick={onImport}>
        Import .pth…
      </button>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {broken.length > 0 && (
        <details className="field__hint">
          <summary>{broken.length} unreadable</summary>
          <ul>
            {broken.map((b) => (
              <li key={b.id}>
                <code>{b.id}</code>: {b.error}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

function SourceSection({ controller }: { controller: TranslateController }) {
  const { studio } = useStudio();
  const file = useRef<HTMLInputElement>(null);
  const [path, setPath] = useState('');
  const [items, setItems] = useState<DatasetItem[]>([]);
  const [error, setError] = useState<string | null>(null);
  const run = async (task: () => Promise<void>) => {
    setError(null);
    try {
      await task();
    } catch (err) {
      setError(describeError(err));
    }
  };
  useEffect(() => {
    studio.api.invoke('dataset:get', undefined).then(
      (view) => setItems(view.items.filter((i) => i.state !== 'excluded')),
      () => setItems([]),
    );
  }, [studio]);
  return (
    <section className="translate-panel__section" aria-label="Source">
      <h2>Source</h2>
      <div className="field__row">
        <button type="button" className="button" onClick={() => file.current?.click()}>
          Open photo…
        </button>
        <button type="button" className="button" onClick={() => controller.paintLabels(BUILTIN_PALETTES[0])}>
          Paint labels
        </button>
      </div>
      <input
        ref={file}
        type="file"
        accept="image/*"
        aria-label="Photo file"
        hidden
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void run(() => controller.openPhotoFile(f));
        }}
      />
      <form
        className="field__row"
        onSubmit={(e) => {
          e.preventDefault();
          if (path.trim()) void run(() => controller.openPhotoPath(path.trim()));
        }}
      >
        <input className="input" aria-label="Photo path" placeholder="/path/to/photo.jpg" value={path} onChange={(e) => setPath(e.target.value)} />
        <button type="submit" className="button button--small" disabled={!path.trim()}>
          Open
        </button>
      </form>
      {items.length > 0 && (
        <label className="field">
          <span className="field__label">From the dataset</span>
          <select
            className="input"
            value=""
            onChange={(e) => {
              const item = items.find((i) => i.id === e.target.value);
              if (item) void run(() => controller.openPhotoPath(item.file));
            }}
          >
            <option value="">Choose an image…</option>
            {items.map((i) => (
              <option key={i.id} value={i.id}>
                {i.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

const PAINT_TOOLS: [ToolId, string, string][] = [
  ['brush', 'Brush', 'B'],
  ['eraser', 'Eraser', 'E'],
  ['fill', 'Fill', 'G'],
  ['polygon', 'Polygon', 'P'],
  ['pan', 'Pan', 'H'],
];

function ToolButtons({ editor }: { editor: LabelEditor }) {
  const tool = useEditor(editor, (e) => e.toolId);
  const size = useEditor(editor, (e) => e.brushSize);
  const history = useEditor(editor, (e) => `${e.history.canUndo}:${e.history.canRedo}:${e.revision}`);
  const [canUndo, canRedo] = history.split(':').map((v) => v === 'true');
  return (
    <>
      <div className="translate-tools" role="toolbar" aria-label="Painting tools">
        {PAINT_TOOLS.map(([id, name, key]) => (
          <button
            key={id}
            type="button"
            className="button button--small"
            aria-pressed={tool === id}
            title={`${name} (${key})`}
            onClick={() => editor.setTool(id)}
          >
            {name}
          </button>
        ))}
      </div>
      <label className="field">
        <span className="field__label">Brush size: {size} px</span>
        <input type="range" aria-label="Brush size in pixels" min={1} max={256} value={size} onChange={(e) => editor.setBrushSize(Number(e.target.value))} />
      </label>
      <div className="field__row">
        <button type="button" className="button button--small" disabled={!canUndo} onClick={() => editor.undo()}>
          Undo
        </button>
        <button type="button" className="button button--small" disabled={!canRedo} onClick={() => editor.redo()}>
          Redo
        </button>
      </div>
    </>
  );
}

function MaskSection({ controller }: { controller: TranslateController }) {
  const editor = controller.maskEditor!;
  const feather = useStore(controller.store, (s) => s.feather);
  const strength = useStore(controller.store, (s) => s.strength);
  const showMask = useStore(controller.store, (s) => s.showMask);
  const painted = useEditor(editor, (e) => e.map.ids.includes(1));
  return (
    <section className="translate-panel__section" aria-label="Mask">
      <h2>Mask</h2>
      <p className="field__hint">{painted ? 'Only the painted area is translated.' : 'Nothing painted: the whole photo is translated.'}</p>
      <ToolButtons editor={editor} />
      <div className="field__row">
        <button type="button" className="button button--small" onClick={() => controller.invertMask()}>
          Invert
        </button>
        <button type="button" className="button button--small" onClick={() => controller.clearMask()}>
          Clear
        </button>
        <label className="field--inline">
          <input type="checkbox" checked={showMask} onChange={(e) => controller.setShowMask(e.target.checked)} />
          <span>Show</span>
        </label>
      </div>
      <label className="field">
        <span className="field__label">Feather: {feather} px</span>
        <input type="range" aria-label="Feather radius" min={0} max={200} value={feather} onChange={(e) => controller.setFeather(Number(e.target.value))} />
      </label>
      <label className="field">
        <span className="field__label">Strength: {Math.round(strength * 100)}%</span>
        <input
          type="range"
          aria-label="Strength"
          min={0}
          max={100}
          value={Math.round(strength * 100)}
          onChange={(e) => controller.setStrength(Number(e.target.value) / 100)}
        />
      </label>
    </section>
  );
}

function LabelSection({ controller }: { controller: TranslateController }) {
  const editor = controller.labelEditor!;
  const active = useEditor(editor, (e) => e.activeClass);
  return (
    <section className="translate-panel__section" aria-label="Label map">
      <h2>Label map</h2>
      <ToolButtons editor={editor} />
      <div className="translate-classes" role="radiogroup" aria-label="Class">
        {editor.palette.classes.map((c) => (
          <button
            key={c.id}
            type="button"
            role="radio"
            aria-checked={active === c.id}
            className="translate-classes__item"
            onClick={() => editor.setActiveClass(c.id)}
            title={c.key ? `${c.name} (${c.key})` : c.name}
          >
            <span className="translate-classes__swatch" style={{ background: c.color }} />
            {c.name}
          </button>
        ))}
      </div>
    </section>
  );
}

function ViewSection({ controller }: { controller: TranslateController }) {
  const layout = useStore(controller.store, (s) => s.layout);
  const slider = useStore(controller.store, (s) => s.slider);
  return (
    <section className="translate-panel__section" aria-label="View">
      <h2>View</h2>
      <div className="field__row" role="radiogroup" aria-label="Layout">
        <label className="field--inline">
          <input type="radio" name="translate-layout" checked={layout === 'side-by-side'} onChange={() => controller.setLayout('side-by-side')} />
          <span>Side by side</span>
        </label>
        <label className="field--inline">
          <input type="radio" name="translate-layout" checked={layout === 'slider'} onChange={() => controller.setLayout('slider')} />
          <span>Before / after</span>
        </label>
      </div>
      {layout === 'slider' && (
        <input
          type="range"
          aria-label="Before/after split"
          min={0}
          max={1000}
          value={Math.round(slider * 1000)}
          onChange={(e) => controller.setSlider(Number(e.target.value) / 1000)}
        />
      )}
    </section>
  );
}

function LatencyReadout({ controller }: { controller: TranslateController }) {
  const latency = useStore(controller.store, (s) => s.latency);
  const busy = useStore(controller.store, (s) => s.busy);
  const ms = (v: number | undefined) => (v === undefined ? '–' : `${Math.round(v)} ms`);
  return (
    <div
      className="translate-latency"
      role="status"
      aria-label="Preview latency"
      data-draft-ms={latency.draft ?? ''}
      data-full-ms={latency.full ?? ''}
      data-busy={busy}
      title={latency.engineName ? `Inference: ${latency.engineName}` : undefined}
    >
      {busy && <span className="dot dot--busy" aria-hidden="true" />}
      <span>Draft {ms(latency.draft)}</span>
      <span>Full {ms(latency.full)}</span>
      {latency.engine && <span className="muted">engine {ms(latency.engine.infer)}{latency.engine.load > 0 ? `, load ${ms(latency.engine.load)}` : ''}</span>}
    </div>
  );
}

function PreviewStatus({ controller }: { controller: TranslateController }) {
  const error = useStore(controller.store, (s) => s.previewError);
  const ready = useStore(controller.store, (s) => s.modelId !== null && s.direction !== null);
  const source = useStore(controller.store, (s) => s.source);
  if (error) {
    return (
      <p className="form-error translate-preview-error" role="alert">
        Preview failed: {error}
      </p>
    );
  }
  if (source && !ready) return <p className="field__hint">Pick a model to see the translation.</p>;
  return null;
}
