/**
 * The class palette beside the canvas: each class with its colour and key; a click makes
 * it the active class. Custom palettes (names, colours, keys 1–9) are edited in a dialog
 * and saved with the project.
 */
import { useState } from 'react';
import { parsePalette, type LabelClass, type Palette } from '../../../../shared/palettes';
import type { LabelEditor } from '../../canvas/label-editor';
import { Dialog } from '../../shell/Dialog';
import { useStore } from '../../state/store';
import type { DatasetController } from './controller';
import { useEditor } from './LabelCanvas';

export function PalettePanel({ controller, editor }: { controller: DatasetController; editor: LabelEditor }) {
  const palette = useEditor(editor, (e) => e.palette);
  const active = useEditor(editor, (e) => e.activeClass);
  const [editing, setEditing] = useState<Palette | null>(null);
  const custom = useStore(controller.store, (s) => s.palettes.custom);

  return (
    <aside className="palette-panel" aria-label="Classes">
      <h3 className="palette-panel__title">{palette.name}</h3>
      <ul className="palette-panel__list" role="listbox" aria-label="Label classes">
        {palette.classes.map((c) => (
          <li
            key={c.id}
            role="option"
            aria-selected={c.id === active}
            className={`palette-panel__class${c.id === active ? ' palette-panel__class--active' : ''}`}
            onClick={() => editor.setActiveClass(c.id)}
            title={`${c.name} (class ${c.id}${c.key ? `, key ${c.key}` : ''})`}
          >
            <span className="swatch" style={{ background: c.color }} aria-hidden="true" />
            <span className="palette-panel__name">
              {c.name}
              {c.id === palette.background && <span className="muted"> · background</span>}
            </span>
            {c.key && <kbd className="kbd">{c.key}</kbd>}
          </li>
        ))}
      </ul>
      <button
        type="button"
        className="button button--small"
        onClick={() =>
          setEditing(
            custom.some((p) => p.id === palette.id)
              ? palette
              : { ...palette, id: uniqueId(`${palette.id}-custom`, custom), name: `${palette.name} (custom)` },
          )
        }
      >
        Edit palette…
      </button>
      {editing && <PaletteEditor controller={controller} initial={editing} onClose={() => setEditing(null)} />}
    </aside>
  );
}

function uniqueId(base: string, taken: readonly Palette[]): string {
  let id = base.slice(0, 60);
  for (let k = 2; taken.some((p) => p.id === id); k++) id = `${base.slice(0, 58)}-${k}`;
  return id;
}

function PaletteEditor({ controller, initial, onClose }: { controller: DatasetController; initial: Palette; onClose: () => void }) {
  const [name, setName] = useState(initial.name);
  const [classes, setClasses] = useState<LabelClass[]>(initial.classes.map((c) => ({ ...c })));
  const [background, setBackground] = useState(initial.background);
  const [error, setError] = useState<string | null>(null);
  const view = useStore(controller.store, (s) => s.view);
  const inUse = view?.paletteId === initial.id;
  const canSwitch = !view?.items.some((i) => i.label);

  const update = (i: number, patch: Partial<LabelClass>) => setClasses((cs) => cs.map((c, k) => (k === i ? { ...c, ...patch } : c)));

  async function save(use: boolean) {
    let p: Palette;
    try {
      p = parsePalette({ id: initial.id, name, background, classes: classes.map((c) => (c.key ? c : { ...c, key: undefined })) });
    } catch (e) {
      setError((e as Error).message);
      return;
    }
    await controller.savePalette(p);
    if (use && !inUse) await controller.configure({ paletteId: p.id });
    onClose();
  }

  return (
    <Dialog title="Edit palette" onClose={onClose} className="dialog dialog--wide">
      <div className="form">
        <label className="field">
          <span className="field__label">Name</span>
          <input className="input" value={name} onChange={(e) => setName(e.target.value)} data-autofocus />
        </label>
        <table className="palette-table">
          <thead>
            <tr>
              <th>Id</th>
              <th>Name</th>
              <th>Colour</th>
              <th>Key</th>
              <th>Background</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {classes.map((c, i) => (
              <tr key={i}>
                <td>
                  <input
                    className="input input--narrow"
                    type="number"
                    min={0}
                    max={255}
                    value={c.id}
                    aria-label={`Class ${i + 1} id`}
                    onChange={(e) => update(i, { id: Number(e.target.value) })}
                  />
                </td>
                <td>
                  <input className="input" value={c.name} aria-label={`Class ${i + 1} name`} onChange={(e) => update(i, { name: e.target.value })} />
                </td>
                <td>
                  <input type="color" value={c.color} aria-label={`Class ${i + 1} colour`} onChange={(e) => update(i, { color: e.target.value })} />
                </td>
                <td>
                  <select
                    className="input"
                    value={c.key ?? ''}
                    aria-label={`Class ${i + 1} key`}
                    onChange={(e) => update(i, { key: (e.target.value || undefined) as LabelClass['key'] })}
                  >
                    <option value="">—</option>
                    {['1', '2', '3', '4', '5', '6', '7', '8', '9'].map((k) => (
                      <option key={k} value={k}>
                        {k}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <input type="radio" name="background" checked={background === c.id} aria-label={`Class ${i + 1} is the background`} onChange={() => setBackground(c.id)} />
                </td>
                <td>
                  <button type="button" className="button button--small" onClick={() => setClasses((cs) => cs.filter((_, k) => k !== i))} aria-label={`Remove class ${i + 1}`}>
                    ✕
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <button
          type="button"
          className="button button--small"
          onClick={() =>
            setClasses((cs) => [...cs, { id: Math.min(255, Math.max(-1, ...cs.map((c) => c.id)) + 1), name: `class ${cs.length + 1}`, color: '#808080' }])
          }
        >
          Add class
        </button>
        {error && <p className="form-error">{error}</p>}
        <div className="dialog__buttons">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button" onClick={() => void save(false)}>
            Save
          </button>
          {!inUse && canSwitch && (
            <button type="button" className="button button--primary" onClick={() => void save(true)}>
              Save and use for this dataset
            </button>
          )}
        </div>
      </div>
    </Dialog>
  );
}
