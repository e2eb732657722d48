/**
 * The curves of a run (and of the runs compared with it): one chart per loss the model
 * declares, and the learning rate; smoothing, log scale and x axis for all of them, as
 * TensorBoard's scalar dashboard offers.
 */
import { useEffect, useId, useMemo, useState } from 'react';
import { LR_METRIC, X_AXES, X_AXIS_LABELS, type XAxis } from './chart-model';
import { LossChart } from './LossChart';
import type { RunSeries } from './run-series';
import { ZoomState } from './zoom';

export interface DashboardSettings {
  smoothing: number;
  logScale: boolean;
  xAxis: XAxis;
}

/** Run colours, in order: the run on screen first. */
export const RUN_COLORS = ['#4c9bf5', '#f2994a', '#49b07a', '#d16ba5', '#e0c33c', '#8f7ff2', '#4cc3c9', '#ec5f59'];

/** The losses of the runs, in the first run's order, then any only the others have. */
function lossNamesOf(runs: readonly RunSeries[]): string[] {
  const names: string[] = [];
  for (const run of runs) for (const name of run.lossNames) if (!names.includes(name)) names.push(name);
  return names;
}

/** Re-renders when the set of losses changes (a run's first records arrive); not on every point. */
function useLossNames(runs: readonly RunSeries[]): string[] {
  const [names, setNames] = useState(() => lossNamesOf(runs));
  useEffect(() => {
    const check = () => setNames((prev) => {
      const next = lossNamesOf(runs);
      return next.length === prev.length && next.every((n, i) => n === prev[i]) ? prev : next;
    });
    check();
    const offs = runs.map((r) => r.onChange(check));
    return () => offs.forEach((off) => off());
  }, [runs]);
  return names;
}

export function Dashboard({
  runs,
  settings,
  onSettings,
}: {
  runs: readonly RunSeries[];
  settings: DashboardSettings;
  onSettings: (patch: Partial<DashboardSettings>) => void;
}) {
  const lossNames = useLossNames(runs);
  const zoom = useMemo(() => new ZoomState(), []);
  const [zoomed, setZoomed] = useState(false);
  useEffect(() => zoom.subscribe((range) => setZoomed(range !== null)), [zoom]);
  // A new x axis means new x values: the old zoom range means nothing there.
  useEffect(() => zoom.set(null), [zoom, settings.xAxis]);
  const colors = useMemo(() => new Map(runs.map((r, i) => [r.name, RUN_COLORS[i % RUN_COLORS.length]!])), [runs]);
  const syncKey = useId();
  const smoothingId = useId();
  const axisId = useId();
  const metrics = [...lossNames, LR_METRIC];

  return (
    <section className="dashboard" aria-label="Training curves">
      <div className="dashboard__toolbar">
        <label className="dashboard__control" htmlFor={smoothingId}>
          Smoothing
          <input
            id={smoothingId}
            type="range"
            min={0}
            max={0.999}
            step={0.001}
            value={settings.smoothing}
            onChange={(e) => onSettings({ smoothing: Number(e.target.value) })}
          />
          <span className="mono dashboard__smoothing">{settings.smoothing.toFixed(3)}</span>
        </label>
        <label className="dashboard__control">
          <input type="checkbox" checked={settings.logScale} onChange={(e) => onSettings({ logScale: e.target.checked })} />
          Log scale
        </label>
        <label className="dashboard__control" htmlFor={axisId}>
          X axis
          <select id={axisId} className="input" value={settings.xAxis} onChange={(e) => onSettings({ xAxis: e.target.value as XAxis })}>
            {X_AXES.map((a) => (
              <option key={a} value={a}>
                {X_AXIS_LABELS[a]}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="button button--small" disabled={!zoomed} onClick={() => zoom.set(null)}>
          Reset zoom
        </button>
        <span className="dashboard__hint">Drag across a chart to zoom, double-click to reset.</span>
        {runs.length > 1 && (
          <ul className="dashboard__legend" aria-label="Runs on the charts">
            {runs.map((r) => (
              <li key={r.name}>
                <span className="dashboard__swatch" style={{ background: colors.get(r.name) }} aria-hidden="true" />
                {r.name}
              </li>
            ))}
          </ul>
        )}
      </div>
      {lossNames.length === 0 ? (
        <p className="dashboard__empty">No metrics logged yet: the curves appear with the first steps.</p>
      ) : (
        <div className="dashboard__grid">
          {metrics.map((metric) => (
            <figure key={metric} className="loss-chart" aria-label={`${metric === LR_METRIC ? 'Learning rate' : metric} chart`}>
              <figcaption className="loss-chart__title">{metric === LR_METRIC ? 'learning rate' : metric}</figcaption>
              <LossChart
                metric={metric}
                runs={runs}
                colors={colors}
                smoothing={settings.smoothing}
                logScale={settings.logScale}
                xAxis={settings.xAxis}
                zoom={zoom}
                syncKey={syncKey}
              />
            </figure>
          ))}
        </div>
      )}
    </section>
  );
}
