/**
 * The Train workspace's state and commands: the run list, the run on screen and the runs
 * overlaid on it, live progress, previews, chart settings, and the new-run form with its
 * validation. Components render this store and call these commands; only this module
 * talks to the API. No React here.
 */
import {
  LIVE_RUN_STATES,
  RESUMABLE_RUN_STATES,
  type PreviewEntry,
  type RunState,
  type RunSummary,
  type TrainProgress,
  type ValidateResult,
  type ValidationIssue,
} from '../../../../shared/api/train';
import type { TrainOptionsInput } from '../../../../shared/train-options';
import type { AtelierClient } from '../../api/client';
import { describeError } from '../../api/errors';
import { createStore, type Store } from '../../state/store';
import type { Studio } from '../../state/studio';
import { translateControllerFor } from '../translate/controller';
import type { XAxis } from './chart-model';
import { checkForm, formFromOptions, formToOptions, hasErrors, presetForm, suggestName, type FormState } from './form-model';
import { MetricsFeed } from './metrics-feed';

export type TrainView = { kind: 'new' } | { kind: 'run'; name: string };

export interface ChartSettings {
  /** EMA weight, 0 … 0.999 (TensorBoard's slider). */
  smoothing: number;
  logScale: boolean;
  xAxis: XAxis;
}

export interface ServerCheck {
  /** The options it checked, serialised: a stale answer is ignored. */
  key: string;
  checking: boolean;
  issues: ValidationIssue[];
  dataset: ValidateResult['dataset'];
  error: string | null;
}

export interface TrainUiState {
  runs: RunSummary[];
  broken: { name: string; error: string }[];
  runsLoading: boolean;
  runsError: string | null;
  view: TrainView;
  /** Other runs drawn on the same charts as the one on screen. */
  compare: string[];
  /** The latest train:progress of each run seen live. */
  progress: Record<string, TrainProgress>;
  previews: { run: string; entries: PreviewEntry[] } | null;
  /** The preview shown; null follows the newest. */
  previewIndex: number | null;
  chart: ChartSettings;
  form: FormState;
  formIssues: ValidationIssue[];
  serverCheck: ServerCheck | null;
  /** An action in flight per run ('start', 'pause', …), to disable its buttons. */
  pending: Record<string, string>;
  /** The last CSV export. */
  csv: { run: string; rel: string; rows: number } | null;
}

export interface Notifier {
  error(error: unknown, title: string): void;
  notify(kind: 'info' | 'success' | 'error', title: string, message?: string): void;
}

/** Notes the outcome of a run, once, when it changes state to one of these. */
const OUTCOMES: Partial<Record<RunState, { kind: 'success' | 'info' | 'error'; verb: string }>> = {
  finished: { kind: 'success', verb: 'finished' },
  stopped: { kind: 'info', verb: 'stopped (checkpoint saved)' },
  failed: { kind: 'error', verb: 'failed' },
  interrupted: { kind: 'error', verb: 'was interrupted' },
};

const VALIDATE_DELAY_MS = 300;

export function createTrainController(api: AtelierClient, notify: Notifier, env: { navigateToTranslate?: (modelId: string) => Promise<void> | void } = {}) {
  const initialForm = presetForm('pix2pix');
  const store: Store<TrainUiState> = createStore<TrainUiState>({
    runs: [],
    broken: [],
    runsLoading: false,
    runsError: null,
    view: { kind: 'new' },
    compare: [],
    progress: {},
    previews: null,
    previewIndex: null,
    chart: { smoothing: 0.6, logScale: false, xAxis: 'step' },
    form: initialForm,
    formIssues: checkForm(initialForm),
    serverCheck: null,
    pending: {},
    csv: null,
  });
  const patch = (p: Partial<TrainUiState>) => store.set((s) => ({ ...s, ...p }));
  const feeds = new Map<string, MetricsFeed>();
  const listedOnce = new Set<string>();
  let validateTimer: ReturnType<typeof setTimeout> | undefined;
  let previewsLoading: Promise<void> | null = null;
  let previewsAgain = false;

  // ---- runs -------------------------------------------------------------------------------

  async function refreshRuns(): Promise<void> {
    patch({ runsLoading: true });
    try {
      const { runs, broken } = await api.invoke('runs:list', undefined);
      store.set((s) => ({ ...s, runs, broken, runsLoading: false, runsError: null }));
      const s = store.get();
      if (s.form.values.name === '') setForm({ ...s.form, values: { ...s.form.values, name: suggestName(s.form.model, runs.map((r) => r.name)) } });
    } catch (error) {
      patch({ runsLoading: false, runsError: describeError(error) });
    }
  }

  function runOf(name: string): RunSummary | undefined {
    return store.get().runs.find((r) => r.name === name);
  }

  /** The run's state as the freshest source says: a live event, else the list. */
  function stateOf(name: string): RunState | undefined {
    return store.get().progress[name]?.state ?? runOf(name)?.state;
  }

  function feedFor(name: string): MetricsFeed {
    let feed = feeds.get(name);
    if (!feed) {
      feed = new MetricsFeed(api, name);
      feeds.set(name, feed);
      void feed.poll();
    }
    return feed;
  }

  /** Feeds of runs no longer on screen are dropped (their data goes with them). */
  function pruneFeeds(): void {
    const s = store.get();
    const keep = new Set([...(s.view.kind === 'run' ? [s.view.name] : []), ...s.compare]);
    for (const [name, feed] of feeds) {
      if (!keep.has(name)) {
        feed.close();
        feeds.delete(name);
      }
    }
  }

  async function loadPreviews(): Promise<void> {
    if (previewsLoading) {
      previewsAgain = true;
      return previewsLoading;
    }
    previewsLoading = (async () => {
      do {
        previewsAgain = false;
        const view = store.get().view;
        if (view.kind !== 'run') return;
        try {
          const { entries } = await api.invoke('runs:previews', { name: view.name });
          const now = store.get().view;
          if (now.kind === 'run' && now.name === view.name) patch({ previews: { run: view.name, entries } });
        } catch (error) {
          notify.error(error, `Could not read the previews of “${view.name}”`);
          return;
        }
      } while (previewsAgain);
    })().finally(() => {
      previewsLoading = null;
    });
    return previewsLoading;
  }

  // ---- live progress ----------------------------------------------------------------------

  function onProgress(p: TrainProgress): void {
    const before = stateOf(p.name);
    store.set((s) => ({
      ...s,
      progress: { ...s.progress, [p.name]: p },
      runs: s.runs.map((r) =>
        r.name === p.name
          ? {
              ...r,
              state: p.state,
              step: p.step,
              epoch: p.epoch,
              totalSteps: p.totalSteps,
              lr: p.lr,
              lastLosses: Object.keys(p.losses).length ? p.losses : r.lastLosses,
              durationSeconds: p.elapsedSeconds,
              jobId: p.jobId,
              ...(p.error ? { error: p.error } : {}),
            }
          : r,
      ),
    }));
    feeds.get(p.name)?.poll();
    const s = store.get();
    if (s.view.kind === 'run' && s.view.name === p.name && p.previewStep !== undefined) void loadPreviews();
    if (before !== p.state) {
      const outcome = OUTCOMES[p.state];
      if (outcome) {
        notify.notify(outcome.kind, `Run “${p.name}” ${outcome.verb}`, p.error ?? (p.state === 'finished' ? `${p.step} steps` : undefined));
        // Checkpoints and previews were written on the way out.
        void refreshRuns();
        if (s.view.kind === 'run' && s.view.name === p.name) void loadPreviews();
      } else if (!runOf(p.name) && !listedOnce.has(p.name)) {
        // A run this list has not seen (started elsewhere): read the list once for it.
        listedOnce.add(p.name);
        void refreshRuns();
      }
    }
  }

  // ---- form -------------------------------------------------------------------------------

  function setForm(form: FormState): void {
    patch({ form, formIssues: checkForm(form) });
    clearTimeout(validateTimer);
    validateTimer = setTimeout(() => void validateOnServer(), VALIDATE_DELAY_MS);
  }

  async function validateOnServer(): Promise<ServerCheck | null> {
    const s = store.get();
    const options = formToOptions(s.form);
    // Without a name and a folder there is nothing the server can add.
    if (!options.dataroot || !options.name) {
      patch({ serverCheck: null });
      return null;
    }
    const key = JSON.stringify(options);
    if (s.serverCheck?.key === key && !s.serverCheck.checking) return s.serverCheck;
    patch({ serverCheck: { key, checking: true, issues: s.serverCheck?.issues ?? [], dataset: s.serverCheck?.dataset ?? null, error: null } });
    try {
      const result = await api.invoke('train:validate', { options });
      const check: ServerCheck = { key, checking: false, issues: result.issues, dataset: result.dataset, error: null };
      if (store.get().serverCheck?.key === key) patch({ serverCheck: check });
      return check;
    } catch (error) {
      const check: ServerCheck = { key, checking: false, issues: [], dataset: null, error: describeError(error) };
      if (store.get().serverCheck?.key === key) patch({ serverCheck: check });
      return check;
    }
  }

  async function withPending<T>(name: string, action: string, task: () => Promise<T>): Promise<T> {
    store.set((s) => ({ ...s, pending: { ...s.pending, [name]: action } }));
    try {
      return await task();
    } finally {
      store.set((s) => {
        const { [name]: _done, ...rest } = s.pending;
        return { ...s, pending: rest };
      });
    }
  }

  function applyState(result: { name: string; state: RunState; jobId: string | null }): void {
    store.set((s) => {
      const p = s.progress[result.name];
      return p ? { ...s, progress: { ...s.progress, [result.name]: { ...p, state: result.state, jobId: result.jobId } } } : s;
    });
    store.set((s) => ({ ...s, runs: s.runs.map((r) => (r.name === result.name ? { ...r, state: result.state, jobId: result.jobId } : r)) }));
  }

  // Followed for the controller's whole life: a run's outcome is announced whichever
  // workspace is on screen.
  const offProgress = api.on('train:progress', onProgress);

  return {
    store,

    /** Load the run list (progress is followed from creation on); returns the disposer. */
    connect(): () => void {
      void refreshRuns();
      return () => undefined;
    },

    refreshRuns,
    stateOf,

    /** The metrics of a run, loaded and followed while it is on screen. */
    feed: feedFor,

    showNew() {
      patch({ view: { kind: 'new' }, compare: [], previews: null, previewIndex: null });
      pruneFeeds();
      void validateOnServer();
    },

    showRun(name: string) {
      const s = store.get();
      patch({ view: { kind: 'run', name }, compare: s.compare.filter((c) => c !== name), previews: null, previewIndex: null });
      pruneFeeds();
      void feedFor(name).poll();
      void loadPreviews();
    },

    /** Draw `name` on the charts of the run on screen too (or stop drawing it). */
    toggleCompare(name: string) {
      const s = store.get();
      if (s.view.kind === 'run' && s.view.name === name) return;
      const compare = s.compare.includes(name) ? s.compare.filter((c) => c !== name) : [...s.compare, name];
      patch({ compare });
      pruneFeeds();
      for (const c of compare) void feedFor(c).poll();
    },

    setChart(settings: Partial<ChartSettings>) {
      store.set((s) => ({ ...s, chart: { ...s.chart, ...settings } }));
    },

    setPreviewIndex(index: number | null) {
      patch({ previewIndex: index });
    },

    refreshPreviews: loadPreviews,

    setForm,

    /** Show the new-run form filled with `options` (the model's defaults for the rest). */
    prefillNewRun(options: TrainOptionsInput) {
      const s = store.get();
      const form = formFromOptions(options);
      if (!options.name) form.values.name = suggestName(form.model, s.runs.map((r) => r.name));
      patch({ view: { kind: 'new' }, compare: [], previews: null, previewIndex: null });
      pruneFeeds();
      setForm(form);
    },

    /** Switch the form to another model's defaults (the reference's), keeping name, data and schedule. */
    applyPreset(model: FormState['model']) {
      setForm(presetForm(model, store.get().form.values));
    },

    validateOnServer,

    /** Start the run the form describes; shows it on success. */
    async start(): Promise<boolean> {
      const s = store.get();
      if (hasErrors(s.formIssues)) {
        notify.notify('error', 'The run cannot start', s.formIssues.filter((i) => i.severity === 'error').map((i) => `${i.path}: ${i.message}`).join('\n'));
        return false;
      }
      const options = formToOptions(s.form);
      const name = options.name!;
      try {
        const result = await withPending(name, 'start', () => api.invoke('train:start', { options }));
        await refreshRuns();
        applyState(result);
        this.showRun(result.name);
        return true;
      } catch (error) {
        const issues = (error as { details?: { issues?: ValidationIssue[] } }).details?.issues;
        if (issues) patch({ serverCheck: { key: JSON.stringify(options), checking: false, issues, dataset: null, error: null } });
        notify.error(error, 'The run could not start');
        return false;
      }
    },

    async pause(name: string) {
      try {
        applyState(await withPending(name, 'pause', () => api.invoke('train:pause', { name })));
      } catch (error) {
        notify.error(error, `Could not pause “${name}”`);
      }
    },

    async resume(name: string) {
      try {
        applyState(await withPending(name, 'resume', () => api.invoke('train:resume', { name })));
        if (!LIVE_RUN_STATES.has(stateOf(name) ?? 'stopped')) await refreshRuns();
      } catch (error) {
        notify.error(error, `Could not resume “${name}”`);
      }
    },

    async stop(name: string) {
      try {
        applyState(await withPending(name, 'stop', () => api.invoke('train:stop', { name })));
      } catch (error) {
        notify.error(error, `Could not stop “${name}”`);
      }
    },

    canResume(name: string): boolean {
      const state = stateOf(name);
      return state !== undefined && RESUMABLE_RUN_STATES.has(state);
    },

    isLive(name: string): boolean {
      const state = stateOf(name);
      return state !== undefined && LIVE_RUN_STATES.has(state);
    },

    /** Whether any run of this project trains now (the page asks before it is closed). */
    anyLive(): boolean {
      const s = store.get();
      const names = new Set([...s.runs.map((r) => r.name), ...Object.keys(s.progress)]);
      return [...names].some((n) => this.isLive(n));
    },

    async exportCsv(name: string) {
      try {
        const result = await withPending(name, 'export', () => api.invoke('runs:exportCsv', { name }));
        patch({ csv: { run: name, rel: result.rel, rows: result.rows } });
        notify.notify('success', `Metrics of “${name}” exported`, `${result.rows} rows → ${result.path}`);
      } catch (error) {
        notify.error(error, `Could not export the metrics of “${name}”`);
      }
    },

    /** Translate with the run's latest checkpoint in the Translate workspace. */
    async openInTranslate(name: string) {
      const run = runOf(name);
      if (!run?.modelId) {
        notify.notify('error', `“${name}” has no checkpoint yet`, 'The first checkpoint is saved after save_latest_freq images or at the end of an epoch.');
        return;
      }
      try {
        await env.navigateToTranslate?.(run.modelId);
      } catch (error) {
        notify.error(error, `Could not open “${name}” in Translate`);
      }
    },

    dispose() {
      offProgress();
      clearTimeout(validateTimer);
      for (const feed of feeds.values()) feed.close();
      feeds.clear();
    },
  };
}

export type TrainController = ReturnType<typeof createTrainController>;

const controllers = new WeakMap<object, TrainController>();

/** One controller per studio, so the workspace keeps its state when the user switches away and back. */
export function trainControllerFor(studio: Studio): TrainController {
  let c = controllers.get(studio);
  if (!c) {
    const controller = createTrainController(
      studio.api,
      {
        error: (e, t) => studio.reportError(e, t),
        notify: (kind, title, message) => studio.toasts.push({ kind, title, message }),
      },
      {
        navigateToTranslate: async (modelId) => {
          const translate = translateControllerFor(studio);
          await translate.refreshModels();
          translate.selectModel(modelId);
          studio.navigate('translate');
        },
      },
    );
    if (studio.api.platform === 'browser' && typeof window !== 'undefined') {
      // Electron asks in main before the window closes (electron/quit-guard.ts); a browser tab asks here.
      window.addEventListener('beforeunload', (event) => {
        if (!controller.anyLive()) return;
        event.preventDefault();
        event.returnValue = '';
      });
    }
    controllers.set(studio, controller);
    c = controller;
  }
  return c;
}
