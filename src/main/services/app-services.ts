import type { LogEntry } from '../../shared/api/app';
import type { EventName, EventPayload } from '../../shared/contract';
import { ApiError } from './api-error';
import { createApiHost, type ApiHost, type Handlers } from './api-host';
import { userConfigDir } from './config-dir';
import { createDatasetHandlers } from './dataset-handlers';
import { demoCopyDir, DemoService } from './demo';
import { TranslateService } from './translate';
import { EngineHost, type EngineHostOptions, type EngineSpawner } from './engine-host';
import { JobRunner } from './job-runner';
import { createLogger, type Logger } from './log';
import { ProjectService } from './projects';
import { RecentProjects } from './recent-projects';
import { RunsService } from './runs';

export interface AppServicesOptions {
  platform: 'electron' | 'browser';
  version: string;
  spawner: EngineSpawner;
  /** Per-user state folder; userConfigDir() when absent. */
  configDir?: string;
  /** The native folder picker (Electron); absent in the browser. */
  pickDirectory?: (options: { title?: string; defaultPath?: string }) => Promise<string | null>;
  /** Where log lines go besides the `log` event (stderr in headless mode). */
  logSink?: (entry: LogEntry) => void;
  engine?: Omit<EngineHostOptions, 'spawner'>;
  /** The shipped demo project (shippedDemoDir()); copied to <configDir>/demo on first use. */
  demoDir?: string;
}

/** The main-process services, wired to one API host that both transports share. */
export interface AppServices {
  api: ApiHost;
  projects: ProjectService;
  engine: EngineHost;
  jobs: JobRunner;
  log: Logger;
  /** The built-in demo project (null when no demoDir was given). */
  demo: DemoService | null;
  /** Cancel jobs and stop the engine. */
  dispose(): Promise<void>;
}

export function createAppServices(options: AppServicesOptions): AppServices {
  // Services emit through the host created below; events only flow once it exists.
  let api: ApiHost | undefined;
  const emit = <E extends EventName>(name: E, payload: EventPayload<E>) => api?.emit(name, payload);

  const log = createLogger((entry) => emit('log', entry), ...(options.logSink ? [options.logSink] : []));
  const configDir = options.configDir ?? userConfigDir();
  const projects = new ProjectService({
    recent: new RecentProjects(configDir, (level, message) => log.write(level, message)),
    onChange: (project) => emit('project:changed', project),
  });
  const engine = new EngineHost({ spawner: options.spawner, ...options.engine });
  engine.onStatus((status) => emit('engine:status', status));
  engine.onLog((level, message) => log.write(level, message));
  const jobs = new JobRunner(engine, emit);
  const demo = options.demoDir
    ? new DemoService({ projects, shippedDir: options.demoDir, copyDir: demoCopyDir(configDir), log: (level, message) => log.write(level, message) })
    : null;

  const handlers: Handlers = {
    'app:info': () => ({
      version: options.version,
      platform: options.platform,
      backend: engine.status().backend,
      engineState: engine.status().state,
      project: projects.current(),
    }),
    'dialog:pickDirectory': async (input) => {
      if (!options.pickDirectory) {
        throw new ApiError(
          'not-available',
          'The folder dialog is only available in the desktop app; type the folder path instead',
        );
      }
      return { path: await options.pickDirectory(input ?? {}) };
    },
    'project:create': ({ dir, name }) => projects.create(dir, name),
    'project:open': ({ dir }) => projects.open(dir),
    'project:current': () => projects.current(),
    'project:recent': () => projects.recent(),
    'engine:status': () => engine.status(),
    'engine:selftest': (params) => jobs.start('selftest', params ?? {}),
    'job:cancel': ({ jobId }) => ({ cancelled: jobs.cancel(jobId) }),
    ...createDatasetHandlers({ projects, emit }),
    ...new TranslateService({ projects, engine, jobs }).handlers(),
    'demo:open': (input) => {
      if (!demo) throw new ApiError('not-available', 'This build of Atelier has no demo project');
      return demo.open(input ?? {});
    },
    ...new RunsService({ projects, engine, jobs, emit, log: (level, message) => log.write(level, message) }).handlers(),
  };
  api = createApiHost(handlers);
  engine.start();

  return {
    api,
    projects,
    engine,
    jobs,
    log,
    demo,
    dispose: () => engine.stop(),
  };
}
