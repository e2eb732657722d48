/**
 * The training dashboard on synthetic data, for the `monitor_plot_100k` benchmark: a
 * CycleGAN-like run with 8 losses (and the learning rate) of `points` logged steps each,
 * then a live stream of `rate` updates per second of `perUpdate` steps each, as a run's
 * metrics arrive. `window.atelierBench.run(ms)` streams for `ms` and returns the chart
 * work of every frame that redrew (ms) and the intervals between animation frames.
 *
 * Query: ?points=100000&rate=20&perUpdate=5&smoothing=0.6
 */
import { createRoot } from 'react-dom/client';
import '../../../theme.css';
import '../train.css';
import { Dashboard, type DashboardSettings } from '../Dashboard';
import { chartFrames } from '../frame-scheduler';
import { RunSeries } from '../run-series';

const params = new URLSearchParams(location.search);
const num = (key: string, fallback: number) => {
  const v = Number(params.get(key));
  return params.has(key) && Number.isFinite(v) ? v : fallback;
};
const POINTS = num('points', 100_000);
const RATE = num('rate', 20);
const PER_UPDATE = num('perUpdate', 5);
const SMOOTHING = num('smoothing', 0.6);

const LOSSES = ['D_A', 'G_A', 'cycle_A', 'idt_A', 'D_B', 'G_B', 'cycle_B', 'idt_B'];
const ITERS_PER_EPOCH = 1000;
const T0 = Date.UTC(2026, 0, 1) / 1000;

/** A deterministic noisy decaying curve per loss (xorshift noise), like a GAN's losses. */
let noise = 0x9e3779b9;
function rand(): number {
  noise ^= noise << 13;
  noise ^= noise >>> 17;
  noise ^= noise << 5;
  return (noise >>> 0) / 2 ** 32;
}

function row(step: number) {
  const losses: Record<string, number> = {};
  LOSSES.forEach((name, k) => {
    const base = 0.2 + (k % 4) * 0.15;
    losses[name] = base + 1.5 * Math.exp(-step / (20_000 + k * 5000)) + 0.25 * (rand() - 0.5) * (1 + Math.sin(step / 900 + k));
  });
  const epoch = Math.floor((step - 1) / ITERS_PER_EPOCH) + 1;
  return {
    step,
    epoch,
    epochProgress: (step - 1) / ITERS_PER_EPOCH,
    time: T0 + step * 0.35,
    lr: step < POINTS / 2 ? 2e-4 : 2e-4 * (1 - (step - POINTS / 2) / POINTS),
    losses,
  };
}

const series = new RunSeries('bench-run');
for (let step = 1; step <= POINTS; step++) series.appendRow(row(step));
let next = POINTS + 1;

let settings: DashboardSettings = { smoothing: SMOOTHING, logScale: false, xAxis: 'step' };
const root = createRoot(document.getElementById('root')!);
function render() {
  root.render(
    <div style={{ padding: 12 }}>
      <Dashboard
        runs={[series]}
        settings={settings}
        onSettings={(p) => {
          settings = { ...settings, ...p };
          render();
        }}
      />
    </div>,
  );
}
render();

function run(ms: number): Promise<{ work: number[]; intervals: number[]; charts: number[]; points: number }> {
  return new Promise((resolve) => {
    const work: number[] = [];
    const charts: number[] = [];
    const intervals: number[] = [];
    chartFrames.onFrame = (duration, count) => {
      work.push(duration);
      charts.push(count);
    };
    let last = performance.now();
    let stop = false;
    const tick = (t: number) => {
      intervals.push(t - last);
      last = t;
      if (!stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    const timer = setInterval(() => {
      for (let k = 0; k < PER_UPDATE; k++) series.appendRow(row(next++));
    }, 1000 / RATE);
    setTimeout(() => {
      stop = true;
      clearInterval(timer);
      chartFrames.onFrame = null;
      resolve({ work, intervals: intervals.slice(1), charts, points: series.length });
    }, ms);
  });
}

/** Resolves once every chart has drawn the prefilled data. */
function ready(): Promise<number> {
  return new Promise((resolve) => {
    const check = () => {
      const plots = document.querySelectorAll('.loss-chart canvas').length;
      if (plots >= LOSSES.length + 1) resolve(plots);
      else setTimeout(check, 50);
    };
    check();
  });
}

(window as unknown as { atelierBench: unknown }).atelierBench = { run, ready, points: () => series.length };
