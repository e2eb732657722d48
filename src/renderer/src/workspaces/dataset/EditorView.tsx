/**
 * The label editor: toolbar (tools, brush, history, view), the canvas, and the class
 * palette. Every button runs the same action the keyboard shortcut does (actions.ts), so
 * the tooltips show the shortcuts the registry holds.
 */
import { useEffect, useMemo, useState } from 'react';
import type { LabelEditor } from '../../canvas/label-editor';
import type { ToolId } from '../../canvas/tools';
import { useStudio } from '../../shell/context';
import { useStore } from '../../state/store';
import { filterItems, type DatasetController, type EditorSession, type SaveStatus } from './controller';
import { LabelCanvas, useEditor } from './LabelCanvas';
import { PalettePanel } from './PalettePanel';

const TOOLS: { id: ToolId; label: string; icon: string }[] = [
  { id: 'brush', label: 'Brush', icon: '●' },
  { id: 'eraser', label: 'Eraser', icon: '⌫' },
  { id: 'fill', label: 'Fill', icon: '▣' },
  { id: 'polygon', label: 'Polygon', icon: '⬠' },
  { id: 'rectangle', label: 'Rectangle', icon: '▭' },
  { id: 'eyedropper', label: 'Eyedropper', icon: '⊙' },
  { id: 'pan', label: 'Pan', icon: '✥' },
];

function usePhoto(url: string): { image: HTMLImageElement | null; error: string | null } {
  const [state, setState] = useState<{ image: HTMLImageElement | null; error: string | null }>({ image: null, error: null });
  useEffect(() => {
    const img = new Image();
    let live = true;
    setState({ image: null, error: null });
    img.onload = () => live && setState({ image: img, error: null });
    img.onerror = () => live && setState({ image: null, error: `The photo could not be loaded (${url})` });
    img.src = url;
    return () => {
      live = false;
    };
  }, [url]);
  return state;
}

function ActionButton({ id, label, children, pressed, disabled }: { id: string; label: string; children: React.ReactNode; pressed?: boolean; disabled?: boolean }) {
  const { studio, actions } = useStudio();
  const keys = actions.get(id) ? actions.shortcutLabels(id) : [];
  return (
    <button
      type="button"
      className={`tool-button${pressed ? ' tool-button--active' : ''}`}
      aria-label={label}
      aria-pressed={pressed}
      title={keys.length ? `${label} (${keys.join(', ')})` : label}
      disabled={disabled}
      onClick={() => void actions.perform(id, studio)}
    >
      {children}
    </button>
  );
}

function saveText(s: SaveStatus): string {
  switch (s.kind) {
    case 'saved':
      return s.at ? 'Saved' : 'No changes';
    case 'unsaved':
      return 'Unsaved changes';
    case 'saving':
      return 'Saving…';
    case 'error':
      return 'Save failed';
  }
}

function Toolbar({ controller, editor }: { controller: DatasetController; editor: LabelEditor }) {
  const toolId = useEditor(editor, (e) => e.toolId);
  const brushSize = useEditor(editor, (e) => e.brushSize);
  const brushTip = useEditor(editor, (e) => e.brushTip);
  const canUndo = useEditor(editor, (e) => e.history.canUndo);
  const canRedo = useEditor(editor, (e) => e.history.canRedo);
  const zoom = useEditor(editor, (e) => e.view.scale);
  const display = useStore(controller.store, (s) => s.display);

  return (
    <div className="label-toolbar" role="toolbar" aria-label="Label tools">
      <div className="label-toolbar__group">
        {TOOLS.map((t) => (
          <ActionButton key={t.id} id={`label.tool.${t.id}`} label={t.label} pressed={toolId === t.id}>
            <span aria-hidden="true">{t.icon}</span>
          </ActionButton>
        ))}
      </div>
      <label className="label-toolbar__field">
        <span>Size</span>
        <input
          type="range"
          min={1}
          max={256}
          value={Math.min(256, brushSize)}
          aria-label="Brush size"
          onChange={(e) => editor.setBrushSize(Number(e.target.value))}
        />
        <input
          type="number"
          className="input input--narrow"
          min={1}
          max={512}
          value={brushSize}
          aria-label="Brush size in pixels"
          onChange={(e) => editor.setBrushSize(Number(e.target.value) || 1)}
        />
      </label>
      <div className="label-toolbar__group" role="radiogroup" aria-label="Brush tip">
        {(['round', 'square'] as const).map((tip) => (
          <button
            key={tip}
            type="button"
            role="radio"
            aria-checked={brushTip === tip}
            className={`tool-button${brushTip === tip ? ' tool-button--active' : ''}`}
            onClick={() => editor.setBrushTip(tip)}
            title={`${tip === 'round' ? 'Round' : 'Square'} tip`}
          >
            {tip === 'round' ? '○' : '□'}
          </button>
        ))}
      </div>
      <div className="label-toolbar__group">
        <ActionButton id="label.undo" label="Undo" disabled={!canUndo}>
          ↶
        </ActionButton>
        <ActionButton id="label.redo" label="Redo" disabled={!canRedo}>
          ↷
        </ActionButton>
      </div>
      <div className="label-toolbar__group">
        <ActionButton id="label.view.fit" label="Fit to window">
          ⤢
        </ActionButton>
        <ActionButton id="label.view.actual" label="Actual size (1:1)">
          1:1
        </ActionButton>
        <span className="label-toolbar__zoom" aria-label="Zoom">
          {Math.round(zoom * 100)}%
        </span>
      </div>
      <div className="label-toolbar__group">
        <ActionButton id="label.overlay.toggle" label="Show label map" pressed={display.overlay}>
          ◐
        </ActionButton>
        <label className="label-toolbar__field">
          <span>Opacity</span>
          <input
            type="range"
            min={0}
            max={100}
            value={Math.round(display.opacity * 100)}
            aria-label="Label opacity"
            onChange={(e) => controller.setDisplay({ opacity: Number(e.target.value) / 100 })}
          />
        </label>
        <ActionButton id="label.view.sideBySide" label="Side by side" pressed={display.layout === 'side-by-side'}>
          ◫
        </ActionButton>
      </div>
    </div>
  );
}

function StatusLine({ controller, session }: { controller: DatasetController; session: EditorSession }) {
  const save = useStore(controller.store, (s) => s.save);
  const view = useStore(controller.store, (s) => s.view);
  const filter = useStore(controller.store, (s) => s.filter);
  const items = useMemo(() => (view ? filterItems(view.items, filter).filter((i) => !i.target) : []), [view, filter]);
  const at = items.findIndex((i) => i.id === session.item.id);
  return (
    <div className="label-status">
      <ActionButton id="label.close" label="Back to the grid">
        ← Grid
      </ActionButton>
      <ActionButton id="label.prev" label="Previous image">
        ‹
      </ActionButton>
      <span className="label-status__name" title={session.item.name}>
        {session.item.name} <span className="muted">{at >= 0 ? `${at + 1} / ${items.length}` : ''}</span>
      </span>
      <ActionButton id="label.next" label="Next image">
        ›
      </ActionButton>
      <span className={`badge badge--${session.item.state}`}>{session.item.state}</span>
      <span className={`save-indicator save-indicator--${save.kind}`} role="status" aria-label="Save status" title={save.kind === 'error' ? save.message : undefined}>
        {save.kind === 'unsaved' && <span aria-hidden="true">● </span>}
        {saveText(save)}
      </span>
      <ActionButton id="label.save" label="Save">
        Save
      </ActionButton>
      <ActionButton id="label.markLabelled" label="Mark labelled and go to the next image">
        Done ✓
      </ActionButton>
    </div>
  );
}

export function EditorView({ controller, session }: { controller: DatasetController; session: EditorSession }) {
  const photo = usePhoto(session.photoUrl);
  const display = useStore(controller.store, (s) => s.display);
  const editor = session.editor;
  // Saving on the way out of the page: the browser may still allow the request to go.
  useEffect(() => {
    const onUnload = (e: BeforeUnloadEvent) => {
      if (controller.store.get().session?.editor?.dirty) {
        void controller.save();
        e.preventDefault();
      }
    };
    window.addEventListener('beforeunload', onUnload);
    return () => window.removeEventListener('beforeunload', onUnload);
  }, [controller]);

  // Keys a tool consumes mid-gesture (Enter, Backspace, Escape) and space held for panning.
  // Capture phase: they must reach the tool before any shortcut sees them.
  useEffect(() => {
    if (!editor) return;
    const typing = (t: EventTarget | null) =>
      t instanceof HTMLElement && (t.isContentEditable || t instanceof HTMLTextAreaElement || (t instanceof HTMLInputElement && !['range', 'checkbox', 'radio', 'button', 'color'].includes(t.type)));
    const onDown = (e: KeyboardEvent) => {
      if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey || document.querySelector('[role="dialog"]')) return;
      const midGesture = editor.tool.state !== 'idle';
      if (e.key === ' ' || (midGesture && ['Enter', 'Backspace', 'Escape'].includes(e.key))) {
        if (editor.keyDown(e.key)) {
          e.preventDefault();
          e.stopPropagation();
        }
      }
    };
    const onUp = (e: KeyboardEvent) => editor.keyUp(e.key);
    const onBlur = () => editor.keyUp(' ');
    window.addEventListener('keydown', onDown, true);
    window.addEventListener('keyup', onUp, true);
    window.addEventListener('blur', onBlur);
    return () => {
      window.removeEventListener('keydown', onDown, true);
      window.removeEventListener('keyup', onUp, true);
      window.removeEventListener('blur', onBlur);
    };
  }, [editor]);

  return (
    <section className="label-editor" aria-label="Label editor" data-item={session.item.id}>
      <StatusLine controller={controller} session={session} />
      {editor && <Toolbar controller={controller} editor={editor} />}
      <div className="label-editor__body">
        {session.error ? (
          <p className="form-error">{session.error}</p>
        ) : photo.error ? (
          <p className="form-error">{photo.error}</p>
        ) : editor ? (
          <LabelCanvas editor={editor} photo={photo.image} display={display} />
        ) : (
          <p className="muted label-editor__loading">Loading {session.item.name}…</p>
        )}
        {editor && <PalettePanel controller={controller} editor={editor} />}
      </div>
    </section>
  );
}
