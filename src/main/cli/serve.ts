import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { LogEntry } from '../../shared/api/app';
import { isLoopback } from '../headless/host-check';
import { openBrowser } from '../headless/open-browser';
import { startHeadlessServer } from '../headless/server';
import { createAppServices } from '../services/app-services';
import { shippedDemoDir } from '../services/demo';
import { forkEngineSpawner } from '../services/engine-spawner-fork';
import { CliUsageError, type CliCommand, type CliContext } from './command';

export interface ServeOptions {
  host: string;
  port: number;
  project?: string;
  /** Open the built-in demo project (copied to the user's data folder on first use). */
  demo: boolean;
  open: boolean;
}

const USAGE = `Usage: atelier serve [--port N] [--host H] [--project DIR | --demo] [--no-open]

Serve the studio to a browser on this machine (headless mode).
  --port N        port to listen on (default: a free port)
  --host H        interface to bind (default 127.0.0.1); anything else exposes the studio
                  to the network and prints a warning
  --project DIR   open this project folder at start
  --demo          open the built-in demo project (your copy of it, made on first use);
                  \`npm start\` passes it when no project is named
  --no-open       do not open a browser; just print the URL`;

export function parseServeArgs(args: string[]): ServeOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        project: { type: 'string' },
        demo: { type: 'boolean' },
        'no-open': { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || values.port?.trim() === '') {
    throw new CliUsageError(`--port must be an integer from 0 to 65535, got ${JSON.stringify(values.port)}`);
  }
  const host = values.host ?? '127.0.0.1';
  if (host.trim() === '') throw new CliUsageError('--host must not be empty');
  if (values.project !== undefined && values.demo) throw new CliUsageError('--project and --demo cannot be used together');
  return { host, port, project: values.project, demo: Boolean(values.demo), open: !values['no-open'] };
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'serve the studio to a browser (headless mode)',
  usage: USAGE,
  async run(args, context) {
    const options = parseServeArgs(args);
    return serve(options, context);
  },
};

async function serve(options: ServeOptions, context: CliContext): Promise<number> {
  const debug = Boolean(process.env.ATELIER_DEBUG);
  const logSink = (entry: LogEntry) => {
    if (entry.level === 'debug' && !debug) return;
    if (entry.level === 'info' && entry.message.startsWith('[engine]') && !debug) return;
    context.err(`${entry.level === 'info' ? '' : `${entry.level}: `}${entry.message}`);
  };
  const services = createAppServices({
    platform: 'browser',
    version: context.version,
    spawner: forkEngineSpawner(join(context.mainDir, 'engine.js')),
    logSink,
    demoDir: shippedDemoDir(join(context.mainDir, '..', '..')),
  });

  if (options.project) {
    try {
      await services.projects.open(resolve(options.project));
    } catch (err) {
      await services.dispose();
      context.err(`Cannot open project: ${(err as Error).message}`);
      return 1;
    }
  } else if (options.demo) {
    try {
      await services.demo?.open();
    } catch (err) {
      await services.dispose();
      context.err(`Cannot open the demo project: ${(err as Error).message}`);
      return 1;
    }
  }

  const rendererDir = join(context.mainDir, '..', 'renderer');
  if (!existsSync(join(rendererDir, 'index.html'))) {
    context.err(`warning: the renderer is not built (${rendererDir}/index.html missing); run \`npm run build\``);
  }
  if (!isLoopback(options.host)) {
    context.err(
      `warning: --host ${options.host} makes Atelier reachable from other machines. Anyone with the URL's token ` +
        'can read the open project and run jobs; use it only on a network you trust.',
    );
  }

  let server;
  try {
    server = await startHeadlessServer({
      api: services.api,
      rendererDir,
      projectRoot: () => services.projects.current()?.root ?? null,
      host: options.host,
      port: options.port,
    });
  } catch (err) {
    await services.dispose();
    context.err(`Cannot start the server on ${options.host}:${options.port}: ${(err as Error).message}`);
    return 1;
  }

  context.out(`Atelier is running at ${server.url}`);
  if (options.open) openBrowser(server.url, (message) => context.err(message));

  // Ctrl+C reaches this process twice when a wrapper (npm, scripts/start.mjs) forwards it
  // too: the first signal starts the shutdown, later ones are ignored while it completes.
  await new Promise<void>((done) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      context.err(`Received ${signal}; stopping (cancelling jobs, stopping the engine)`);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await services.dispose();
  await server.close();
  return 0;
}
