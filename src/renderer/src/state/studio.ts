/**
 * The renderer's application state and the commands that change it. Actions (shortcuts,
 * palette) and components call these; only this module talks to the API client, so the
 * shell never handles transport details, and the whole flow is testable without React.
 */
import type { AppInfo } from '../../../shared/api/app';
import { selftestResultSchema, type EngineStatus, type JobFinished, type SelftestParams } from '../../../shared/api/engine';
import type { ProjectInfo, RecentProject } from '../../../shared/api/projects';
import type { AtelierClient } from '../api/client';
import { describeError } from '../api/errors';
import type { ConnectionState } from '../api/transport';
import { announcesOwnOutcome, isBackgroundJob, jobCancelling, jobCancelRefused, jobFinished, jobLabel, jobProgressed, jobStarted, type Jobs } from './jobs';
import { createStore, type Store } from './store';
import { createToasts, type Toasts } from './toasts';
import { DEFAULT_WORKSPACE, type WorkspaceId } from './workspaces';

export interface Session {
  /** False until the first app:info answer: the shell shows a neutral state meanwhile. */
  loaded: boolean;
  /** Why the last full refresh failed, until one succeeds. */
  loadError: string | null;
  info: AppInfo | null;
  project: ProjectInfo | null;
  recent: RecentProject[];
  engine: EngineStatus | null;
}

export type Dialog = { kind: 'palette' } | { kind: 'project'; mode: 'new' | 'open' } | { kind: 'engine' } | null;

export interface Ui {
  workspace: WorkspaceId;
  dialog: Dialog;
}

/**
 * The self-test the studio runs: paced to last a few seconds, so its progress and its
 * Cancel button can be seen working (the engine's own default finishes in milliseconds).
 */
export const SELFTEST_DEMO: SelftestParams = { size: 64, steps: 40, stepDelayMs: 100 };

/** After this many failed reconnects in a row the user is told, not just the status bar. */
const RECONNECT_ATTEMPTS_BEFORE_TOAST = 4;

export function createStudio(api: AtelierClient, options: { workspace?: WorkspaceId; toasts?: Toasts } = {}) {
  const session = createStore<Session>({ loaded: false, loadError: null, info: null, project: null, recent: [], engine: null });
  const jobs = createStore<Jobs>([]);
  const ui = createStore<Ui>({ workspace: options.workspace ?? DEFAULT_WORKSPACE, dialog: null });
  const toasts = options.toasts ?? createToasts();

  const patchSession = (patch: Partial<Session>) => session.set((s) => ({ ...s, ...patch }));

  function reportError(error: unknown, title: string) {
    toasts.push({ kind: 'error', title, message: describeError(error) });
  }

  async function loadRecent() {
    try {
      const { projects } = await api.invoke('project:recent', undefined);
      patchSession({ recent: projects });
    } catch (error) {
      reportError(error, 'Could not refresh the recent projects');
    }
  }

  // Bumped whenever an event or a command changes the project or the engine, so a slower
  // refresh started earlier cannot overwrite newer state with what it read before.
  let projectEpoch = 0;
  let engineEpoch = 0;

  async function refresh() {
    const epochs = { project: projectEpoch, engine: engineEpoch };
    try {
      const [info, engine] = await Promise.all([api.invoke('app:info', undefined), api.invoke('engine:status', undefined)]);
      patchSession({
        loaded: true,
        loadError: null,
        info,
        ...(epochs.project === projectEpoch && { project: info.project }),
      });
      if (epochs.engine === engineEpoch) applyEngine(engine);
    } catch (error) {
      patchSession({ loadError: describeError(error) });
      reportError(error, 'Could not load the studio state');
    }
  }

  /** A project was opened or created (by this window's request or, as an event, by anyone). */
  function projectChanged(project: ProjectInfo | null) {
    projectEpoch += 1;
    patchSession({ project });
  }

  /** Takes a new engine status; a crash is also told as a toast, once per crash. */
  function applyEngine(engine: EngineStatus) {
    const previous = session.get().engine;
    patchSession({ engine });
    if (engine.state === 'crashed' && previous?.state !== 'crashed') {
      toasts.push({
        kind: 'error',
        title: 'The engine stopped unexpectedly',
        message: engine.error ?? 'Running jobs were lost; the engine is being restarted.',
      });
    }
  }

  function onEngineStatus(engine: EngineStatus) {
    engineEpoch += 1;
    applyEngine(engine);
  }

  function onJobFinished(finished: JobFinished) {
    jobs.set((all) => jobFinished(all, finished));
    if (announcesOwnOutcome(finished.kind)) return;
    const label = jobLabel(finished.kind);
    if (finished.ok) {
      toasts.push({ kind: 'success', title: `${label} finished`, message: describeResult(finished.result) });
    } else if (finished.error?.code === 'cancelled') {
      toasts.push({ kind: 'info', title: `${label} cancelled` });
    } else {
      toasts.push({ kind: 'error', title: `${label} failed`, message: finished.error?.message });
    }
  }

  let outageToast: number | undefined;
  let lastConnection: ConnectionState = api.connection.get();

  function onConnection() {
    const now = api.connection.get();
    const before = lastConnection;
    lastConnection = now;
    if (now.status === 'reconnecting' && now.attempt === RECONNECT_ATTEMPTS_BEFORE_TOAST) {
      outageToast = toasts.push({
        kind: 'error',
        title: 'Lost the connection to Atelier',
        message:
          'Still trying to reconnect. If the Atelier server was restarted, open the address it printed: every launch has a new token.',
      });
    }
    if (now.status === 'open' && before.status === 'reconnecting') {
      if (outageToast !== undefined) {
        toasts.dismiss(outageToast);
        outageToast = undefined;
        toasts.push({ kind: 'success', title: 'Reconnected to Atelier' });
      }
      // Events sent while the link was down are lost: read the state afresh.
      void refresh();
    }
  }

  return {
    api,
    session,
    jobs,
    ui,
    toasts,
    reportError,
    refresh,

    /** Subscribes to main's events and loads the initial state; returns the unsubscribe. */
    connect(): () => void {
      const offs = [
        api.on('project:changed', projectChanged),
        api.on('engine:status', onEngineStatus),
        api.on('job:progress', (progress) => !isBackgroundJob(progress.kind) && jobs.set((all) => jobProgressed(all, progress))),
        api.on('job:finished', (finished) => !isBackgroundJob(finished.kind) && onJobFinished(finished)),
        api.connection.subscribe(onConnection),
      ];
      void refresh();
      return () => offs.forEach((off) => off());
    },

    async createProject(dir: string, name?: string): Promise<ProjectInfo> {
      const project = await api.invoke('project:create', { dir, name: name || undefined });
      projectChanged(project);
      toasts.push({ kind: 'success', title: `Created project “${project.manifest.name}”`, message: project.root });
      return project;
    },

    async openProject(dir: string): Promise<ProjectInfo> {
      const project = await api.invoke('project:open', { dir });
      projectChanged(project);
      return project;
    },

    /** Re-reads the recent projects; views that list them call it when they appear. */
    loadRecent,

    /** The native folder dialog (Electron only); null when the user dismissed it. */
    async pickDirectory(title: string): Promise<string | null> {
      const { path } = await api.invoke('dialog:pickDirectory', { title });
      return path;
    },

    async runSelfTest(params: SelftestParams = SELFTEST_DEMO): Promise<string> {
      const { jobId } = await api.invoke('engine:selftest', params);
      jobs.set((all) => jobStarted(all, jobId, 'selftest'));
      return jobId;
    },

    async cancelJob(jobId: string): Promise<void> {
      jobs.set((all) => jobCancelling(all, jobId));
      try {
        const { cancelled } = await api.invoke('job:cancel', { jobId });
        // Not cancelled means it had already finished: its job:finished event says how.
        if (!cancelled) jobs.set((all) => jobCancelRefused(all, jobId));
      } catch (error) {
        jobs.set((all) => jobCancelRefused(all, jobId));
        throw error;
      }
    },

    navigate(workspace: WorkspaceId) {
      ui.set((state) => (state.workspace === workspace ? state : { ...state, workspace }));
    },

    openDialog(dialog: Exclude<Dialog, null>) {
      ui.set((state) => ({ ...state, dialog }));
    },

    /** Opens the dialog, or closes it when that very dialog is open (a shortcut pressed twice). */
    toggleDialog(dialog: Exclude<Dialog, null>) {
      ui.set((state) => ({ ...state, dialog: sameDialog(state.dialog, dialog) ? null : dialog }));
    },

    closeDialog() {
      ui.set((state) => (state.dialog ? { ...state, dialog: null } : state));
    },
  };
}

export type Studio = ReturnType<typeof createStudio>;

function sameDialog(a: Dialog, b: Dialog): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function describeResult(result: unknown): string | undefined {
  const selftest = selftestResultSchema.safeParse(result);
  if (selftest.success) {
    const { backend, size, steps, ms } = selftest.data;
    return `${steps} steps on a ${size}×${size} matrix, ${backend} backend, ${(ms / 1000).toFixed(2)} s`;
  }
  return undefined;
}
