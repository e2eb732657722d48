/** Above the grid: import, filters with counts, the selection's commands, split and export. */
import { useRef } from 'react';
import { splits, type ItemState } from '../../../../shared/api/dataset';
import { useStore } from '../../state/store';
import type { DatasetController } from './controller';
import { STATE_LABELS } from './DatasetGrid';

export type DatasetDialog = 'import-folder' | 'split' | 'export' | 'settings' | null;

export function DatasetToolbar({ controller, openDialog }: { controller: DatasetController; openDialog: (d: DatasetDialog) => void }) {
  const view = useStore(controller.store, (s) => s.view);
  const filter = useStore(controller.store, (s) => s.filter);
  const selection = useStore(controller.store, (s) => s.selection);
  const progress = useStore(controller.store, (s) => s.progress);
  const fileInput = useRef<HTMLInputElement>(null);
  if (!view) return null;
  const counts = view.counts;
  const domain = filter.domain === 'all' ? undefined : filter.domain;
  const states: ItemState[] = view.kind === 'paired' ? ['unlabelled', 'in-progress', 'labelled', 'ready', 'excluded'] : ['ready', 'excluded'];
  const selectedItems = view.items.filter((i) => selection.includes(i.id));
  const single = selectedItems.length === 1 ? selectedItems[0]! : null;

  return (
    <div className="dataset-toolbar">
      <div className="dataset-toolbar__row">
        <button type="button" className="button button--primary" onClick={() => fileInput.current?.click()}>
          Add photos…
        </button>
        <input
          ref={fileInput}
          type="file"
          multiple
          accept="image/*,.tif,.tiff,.ppm,.bmp"
          hidden
          aria-label="Photos to add"
          onChange={async (e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            if (files.length) await controller.importFiles(files, domain);
          }}
        />
        <button type="button" className="button" onClick={() => openDialog('import-folder')}>
          Import folder…
        </button>
        <span className="dataset-toolbar__spacer" />
        <button type="button" className="button" onClick={() => openDialog('split')} disabled={!counts.total}>
          Split…
        </button>
        <button type="button" className="button" onClick={() => openDialog('export')} disabled={!counts.total}>
          Export…
        </button>
        <button type="button" className="button" onClick={() => openDialog('settings')} aria-label="Dataset settings">
          ⚙
        </button>
      </div>
      <div className="dataset-toolbar__row" role="group" aria-label="Filters">
        <div className="chips" role="radiogroup" aria-label="State">
          <button type="button" role="radio" aria-checked={filter.state === 'all'} className="chip" onClick={() => controller.setFilter({ state: 'all' })}>
            All <span className="chip__count">{counts.total}</span>
          </button>
          {states.map((s) => (
            <button key={s} type="button" role="radio" aria-checked={filter.state === s} className={`chip chip--${s}`} onClick={() => controller.setFilter({ state: s })}>
              {STATE_LABELS[s]} <span className="chip__count">{counts.byState[s] ?? 0}</span>
            </button>
          ))}
        </div>
        <select className="input" aria-label="Split" value={filter.split} onChange={(e) => controller.setFilter({ split: e.target.value as typeof filter.split })}>
          <option value="all">All splits</option>
          {splits.map((s) => (
            <option key={s} value={s}>
              {s} ({counts.bySplit[s] ?? 0})
            </option>
          ))}
        </select>
        {view.kind === 'unpaired' && (
          <select className="input" aria-label="Domain" value={filter.domain} onChange={(e) => controller.setFilter({ domain: e.target.value as typeof filter.domain })}>
            <option value="all">Both domains</option>
            <option value="A">{view.domainNames.A}</option>
            <option value="B">{view.domainNames.B}</option>
          </select>
        )}
        <input className="input" type="search" placeholder="Search names" aria-label="Search names" value={filter.query} onChange={(e) => controller.setFilter({ query: e.target.value })} />
      </div>
      {selectedItems.length > 0 && (
        <div className="dataset-toolbar__row" role="group" aria-label="Selection">
          <span className="muted">{selectedItems.length} selected</span>
          {single && view.kind === 'paired' && !single.target && (
            <button type="button" className="button button--small" onClick={() => void controller.open(single.id)}>
              Label
            </button>
          )}
          {selectedItems.some((i) => i.state !== 'excluded') ? (
            <button type="button" className="button button--small" onClick={() => void controller.setState(selection, 'excluded')}>
              Exclude
            </button>
          ) : (
            <button
              type="button"
              className="button button--small"
              onClick={() =>
                void Promise.all(
                  (['unlabelled', 'in-progress', 'labelled', 'ready'] as const).map((st) => {
                    const ids = selectedItems.filter((i) => restoredState(i, view.kind) === st).map((i) => i.id);
                    return ids.length ? controller.setState(ids, st) : undefined;
                  }),
                )
              }
            >
              Include
            </button>
          )}
          {splits.map((s) => (
            <button key={s} type="button" className="button button--small" onClick={() => void controller.setSplit(selection, s)}>
              → {s}
            </button>
          ))}
          <button
            type="button"
            className="button button--small"
            onClick={() => {
              if (window.confirm(`Remove ${selectedItems.length} image(s) and their label maps from the project?`)) void controller.remove(selection);
            }}
          >
            Remove
          </button>
        </div>
      )}
      {progress && (
        <div className="dataset-toolbar__progress" role="progressbar" aria-valuemin={0} aria-valuemax={progress.total} aria-valuenow={progress.done} aria-label={`${progress.task === 'import' ? 'Importing' : 'Exporting'}`}>
          {progress.task === 'import' ? 'Importing' : 'Exporting'} {progress.done} / {progress.total}
          <span className="dataset-toolbar__bar" style={{ width: `${(100 * progress.done) / Math.max(1, progress.total)}%` }} />
        </div>
      )}
    </div>
  );
}

/** The state an excluded item returns to. */
function restoredState(item: { label?: unknown; target?: unknown }, kind: 'paired' | 'unpaired'): ItemState {
  if (kind === 'unpaired' || item.target) return 'ready';
  return item.label ? 'in-progress' : 'unlabelled';
}


