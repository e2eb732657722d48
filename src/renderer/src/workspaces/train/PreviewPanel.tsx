/**
 * The model's preview images (its declared visuals, e.g. real_A, fake_B, real_B) on the
 * run's fixed samples: the newest by default, and a scrubber to look back through every
 * preview the run saved.
 */
import { useId } from 'react';
import type { PreviewEntry } from '../../../../shared/api/train';
import { useStudio } from '../../shell/context';

export function PreviewPanel({
  entries,
  index,
  onIndex,
}: {
  entries: readonly PreviewEntry[];
  /** The preview shown; null follows the newest. */
  index: number | null;
  onIndex: (index: number | null) => void;
}) {
  const { studio } = useStudio();
  const scrubberId = useId();
  if (entries.length === 0) {
    return (
      <section className="previews" aria-label="Preview images">
        <h2 className="previews__title">Previews</h2>
        <p className="previews__empty">No preview yet: one is saved every preview_freq images.</p>
      </section>
    );
  }
  const shown = index === null ? entries.length - 1 : Math.min(index, entries.length - 1);
  const entry = entries[shown]!;
  const following = index === null;
  return (
    <section className="previews" aria-label="Preview images">
      <div className="previews__header">
        <h2 className="previews__title">Previews</h2>
        <label className="previews__scrubber" htmlFor={scrubberId}>
          <span>
            Step <span className="mono">{entry.step}</span>
            {entry.epoch !== undefined && <> · epoch {entry.epoch}</>} ({shown + 1}/{entries.length})
          </span>
          <input
            id={scrubberId}
            type="range"
            min={0}
            max={entries.length - 1}
            step={1}
            value={shown}
            aria-label="Preview history"
            aria-valuetext={`step ${entry.step}`}
            onChange={(e) => {
              const i = Number(e.target.value);
              onIndex(i === entries.length - 1 ? null : i);
            }}
          />
        </label>
        <button type="button" className="button button--small" disabled={following} onClick={() => onIndex(null)}>
          Newest
        </button>
      </div>
      <div className="previews__grid">
        {entry.visuals.map((v) => (
          <figure key={v.name} className="previews__image">
            <img src={studio.api.projectFileUrl(v.path)} alt={`${v.name} at step ${entry.step}`} draggable={false} />
            <figcaption>{v.name}</figcaption>
          </figure>
        ))}
      </div>
    </section>
  );
}
