/**
 * One metric of one or more runs as a uPlot line chart: the raw curve (faint) and its
 * smoothed curve, hover readout in the legend, drag to zoom (all charts of the dashboard
 * follow), double-click to see the whole run again. New points redraw the chart at most
 * once per animation frame, from a reduced copy of the data (chart-model.ts).
 */
import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { ChartModel, LR_METRIC, X_AXIS_LABELS, type XAxis } from './chart-model';
import { chartFrames } from './frame-scheduler';
import { formatDuration, formatValue } from './format';
import type { RunSeries } from './run-series';
import type { ZoomState } from './zoom';

export interface LossChartProps {
  metric: string;
  runs: readonly RunSeries[];
  /** Colour of each run, by name. */
  colors: ReadonlyMap<string, string>;
  smoothing: number;
  logScale: boolean;
  xAxis: XAxis;
  zoom: ZoomState;
  /** Charts with the same key share the hover cursor. */
  syncKey: string;
  height?: number;
}

const AXIS = { stroke: '#a0a0a5', grid: { stroke: '#333336', width: 1 }, ticks: { stroke: '#3a3a3d', width: 1 } };

function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return hex;
  return `rgba(${parseInt(m[1]!, 16)}, ${parseInt(m[2]!, 16)}, ${parseInt(m[3]!, 16)}, ${alpha})`;
}

function formatX(axis: XAxis, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  switch (axis) {
    case 'step':
      return String(Math.round(v));
    case 'epoch':
      return v.toFixed(2);
    case 'relative':
      return formatDuration(v);
    case 'wall':
      return new Date(v * 1000).toLocaleString();
  }
}

/** Finite (and, for a log axis, positive) min and max of the values drawn. */
function finiteExtent(u: uPlot, positive: boolean): [number, number] | null {
  let min = Infinity;
  let max = -Infinity;
  for (let s = 1; s < u.data.length; s++) {
    const ys = u.data[s] as ArrayLike<number | null>;
    for (let i = 0; i < ys.length; i++) {
      const v = ys[i];
      if (v !== null && v !== undefined && Number.isFinite(v) && (!positive || v > 0)) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
  }
  return min <= max ? [min, max] : null;
}

export function LossChart({ metric, runs, colors, smoothing, logScale, xAxis, zoom, syncKey, height = 180 }: LossChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const model = useMemo(() => new ChartModel(metric), [metric]);
  useEffect(() => () => model.dispose(), [model]);
  const smoothed = smoothing > 0 && metric !== LR_METRIC;
  const runsKey = runs.map((r) => `${r.name}:${colors.get(r.name)}`).join('|');
  // The frame task reads the current smoothing without recreating the chart.
  const smoothingRef = useRef(smoothing);
  smoothingRef.current = smoothing;
  const redraw = useRef<() => void>(() => undefined);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const single = runs.length === 1;
    const series: uPlot.Series[] = [{ label: X_AXIS_LABELS[xAxis], value: (_u, v) => formatX(xAxis, v) }];
    for (const run of runs) {
      const color = colors.get(run.name) ?? '#4c9bf5';
      const name = single ? metric : run.name;
      series.push({
        label: smoothed ? `${name} (raw)` : name,
        stroke: smoothed ? withAlpha(color, 0.28) : color,
        width: 1,
        spanGaps: true,
        points: { show: false },
        value: (_u, v) => formatValue(v),
      });
      if (smoothed) {
        series.push({ label: name, stroke: color, width: 1.5, spanGaps: true, points: { show: false }, value: (_u, v) => formatValue(v) });
      }
    }
    const width = Math.max(200, el.clientWidth);
    const opts: uPlot.Options = {
      width,
      height,
      series,
      legend: { live: true },
      scales: {
        x: { time: xAxis === 'wall' },
        y: {
          distr: logScale ? 3 : 1,
          range: (u, min, max) => {
            if (!Number.isFinite(min) || !Number.isFinite(max) || (logScale && !(min > 0))) {
              // uPlot's own scan met NaN at an edge, or (log) values ≤ 0, which a log axis leaves out.
              const extent = finiteExtent(u, logScale);
              if (!extent) return logScale ? [0.1, 10] : [0, 1];
              [min, max] = extent;
            }
            if (logScale) {
              const [lo, hi] = uPlot.rangeLog(min, max, 10, false);
              const low = lo ?? min;
              return [low, hi !== null && hi > low ? hi : low * 10];
            }
            return uPlot.rangeNum(min, max, 0.1, true);
          },
        },
      },
      axes: [
        {
          ...AXIS,
          values: xAxis === 'wall' ? undefined : (_u, splits) => splits.map((v) => (v == null ? '' : xAxis === 'relative' ? formatDuration(v) : formatValue(v))),
        },
        // A log axis passes null for the ticks it leaves unlabelled.
        { ...AXIS, size: 64, values: (_u, splits) => splits.map((v) => (v == null ? '' : formatValue(v))) },
      ],
      cursor: {
        drag: { x: true, y: false, setScale: false },
        sync: { key: syncKey },
        points: { size: 5 },
        bind: {
          dblclick: () => () => {
            zoom.set(null);
            return null;
          },
        },
      },
      hooks: {
        setSelect: [
          (u) => {
            const { left, width: w } = u.select;
            if (w > 3) zoom.set([u.posToVal(left, 'x'), u.posToVal(left + w, 'x')]);
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          },
        ],
      },
    };
    const u = new uPlot(opts, [[], ...series.slice(1).map(() => [])] as unknown as uPlot.AlignedData, el);

    const draw = () => {
      const range = zoom.range;
      const { data } = model.build(runs, {
        axis: xAxis,
        smoothing: metric === LR_METRIC ? 0 : smoothingRef.current,
        range,
        buckets: Math.max(64, Math.round(u.bbox.width / uPlot.pxRatio)),
      });
      u.batch(() => {
        u.setData(data as unknown as uPlot.AlignedData, range === null);
        if (range) u.setScale('x', { min: range[0], max: range[1] });
      });
      // How many steps the chart holds, for tests and accessibility tools.
      const steps = String(Math.max(0, ...runs.map((r) => r.length)));
      if (el.dataset.steps !== steps) el.dataset.steps = steps;
    };
    const schedule = () => chartFrames.request(u, draw);
    redraw.current = schedule;
    const offs = [...runs.map((r) => r.onChange(schedule)), zoom.subscribe(schedule)];
    const resize = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (Math.abs(w - u.width) >= 1) {
        u.setSize({ width: w, height });
        schedule();
      }
    });
    resize.observe(el);
    schedule();
    return () => {
      resize.disconnect();
      for (const off of offs) off();
      chartFrames.cancel(u);
      u.destroy();
    };
    // runsKey stands for `runs` and `colors`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [model, runsKey, smoothed, logScale, xAxis, zoom, syncKey, height, metric]);

  useEffect(() => {
    redraw.current();
  }, [smoothing]);

  return <div ref={host} className="loss-chart__plot" />;
}
