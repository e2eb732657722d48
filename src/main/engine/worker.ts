/**
 * The engine process: initialises the compute backend, then runs jobs sent by main
 * (services/engine-host.ts) with progress and cancellation, off the main event loop. Runs
 * as an Electron utilityProcess in the app and as a forked Node process in headless mode,
 * the CLI and the tests; both speak the protocol in engine/jobs/index.ts.
 */
import type { BackendInfo } from '../../shared/backend';
import { initBackend } from './backends/select';
import { withInferenceEngine } from './onnx/engine';
import type { EngineToMain, JobErrorCode, MainToEngine } from './jobs';
import { PauseGate } from './jobs/pause-gate';
import { jobRegistry } from './jobs/registry';

/** The part of Electron's ParentPort the engine uses (typed here: the engine never imports electron). */
interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

interface MainPort {
  send(message: EngineToMain): void;
  onMessage(listener: (message: MainToEngine) => void): void;
}

/** Electron's utility process exposes process.parentPort; a forked Node child has process.send. */
function connectToMain(): MainPort {
  const parentPort = (process as { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    return {
      send: (message) => parentPort.postMessage(message),
      onMessage: (listener) => parentPort.on('message', (event) => listener(event.data as MainToEngine)),
    };
  }
  const send = process.send?.bind(process);
  if (!send) {
    throw new Error('The engine process must be started by Atelier (it has no channel to the main process)');
  }
  // The parent is gone (crashed or killed): nothing left to work for.
  process.on('disconnect', () => process.exit(0));
  return {
    send: (message) => {
      if (process.connected) send(message);
    },
    onMessage: (listener) => process.on('message', (message) => listener(message as MainToEngine)),
  };
}

const port = connectToMain();
const running = new Map<string, { controller: AbortController; gate: PauseGate }>();

function log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void {
  port.send({ type: 'log', level, message });
}

function fail(id: string, code: JobErrorCode, message: string): void {
  port.send({ type: 'error', id, error: { code, message } });
}

async function runJob(backendReady: Promise<BackendInfo>, id: string, kind: string, rawParams: unknown): Promise<void> {
  const definition = jobRegistry.get(kind);
  if (!definition) {
    fail(id, 'unknown-job', `Unknown job kind "${kind}" (known: ${[...jobRegistry.keys()].join(', ')})`);
    return;
  }
  const parsed = definition.params.safeParse(rawParams);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(params)'}: ${i.message}`);
    fail(id, 'invalid-payload', `Invalid parameters for job ${kind}: ${issues.join('; ')}`);
    return;
  }
  // Registered before waiting for the backend, so a cancel that arrives meanwhile counts.
  const controller = new AbortController();
  const gate = new PauseGate(controller.signal, (paused) => port.send({ type: 'paused', id, paused }));
  running.set(id, { controller, gate });
  try {
    let backend: BackendInfo;
    try {
      backend = await backendReady;
    } catch (err) {
      throw new Error(`The compute backend failed to initialise: ${(err as Error).message}`);
    }
    controller.signal.throwIfAborted();
    const result = await definition.run(parsed.data, {
      signal: controller.signal,
      backend,
      progress: (done, total, message = '', data) =>
        port.send({ type: 'progress', id, done, total, message, ...(data === undefined ? {} : { data }) }),
      log,
      pausePoint: () => gate.pausePoint(),
    });
    if (controller.signal.aborted) fail(id, 'cancelled', `Job ${kind} was cancelled`);
    else port.send({ type: 'result', id, result });
  } catch (err) {
    if (controller.signal.aborted) fail(id, 'cancelled', `Job ${kind} was cancelled`);
    else fail(id, 'failed', err instanceof Error ? err.message : String(err));
  } finally {
    running.delete(id);
  }
}

// Ctrl+C in a terminal signals the whole process group; the engine is stopped by its host
// (which cancels jobs first), not by the terminal.
process.on('SIGINT', () => undefined);

process.on('uncaughtException', (err) => {
  // stderr, not the IPC channel: it is written before exit, and the host logs it.
  console.error(`Engine crashed: ${err.stack ?? err.message}`);
  process.exit(1);
});

// Jobs may arrive while the backend initialises; they wait for it. The report names the
// inference engine too when ONNX Runtime runs inference.
const backendReady = initBackend({ log: (line) => log('info', line) }).then(withInferenceEngine);

port.onMessage((message) => {
  if (message.type === 'job') {
    void runJob(backendReady, message.id, message.kind, message.params);
  } else if (message.type === 'cancel') {
    running.get(message.id)?.controller.abort();
  } else if (message.type === 'pause') {
    running.get(message.id)?.gate.pause();
  } else if (message.type === 'resume') {
    running.get(message.id)?.gate.resume();
  }
});

backendReady.then(
  (backend) => port.send({ type: 'status', state: 'ready', backend }),
  (err: Error) => port.send({ type: 'status', state: 'failed', error: err.message }),
);
