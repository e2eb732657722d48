import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { EngineToMain } from '../engine/jobs';
import { nativeMemoryEnv } from '../util/native-memory';
import type { EngineExit, EngineProcess, EngineSpawner } from './engine-host';

export interface ForkSpawnerOptions {
  /** Node flags for the engine (e.g. --max-old-space-size). */
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts the engine (the built out/main/engine.js) as a forked Node process: headless mode,
 * the CLI and the tests. Its stdout/stderr (TF.js notices, native warnings) become log
 * messages instead of mixing into the CLI's own output.
 */
export function forkEngineSpawner(entry: string, options: ForkSpawnerOptions = {}): EngineSpawner {
  return {
    spawn(): EngineProcess {
      if (!existsSync(entry)) {
        throw new Error(`the engine entry ${entry} does not exist; run \`npm run build\` first`);
      }
      const child = fork(entry, [], {
        execArgv: options.execArgv ?? [],
        env: nativeMemoryEnv(options.env ?? process.env),
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        serialization: 'json',
      });
      const messageListeners: ((m: EngineToMain) => void)[] = [];
      const forward = (stream: Readable | null, level: 'info' | 'warn') => {
        if (!stream) return;
        createInterface({ input: stream }).on('line', (line) => {
          if (line.trim() === '') return;
          for (const l of messageListeners) l({ type: 'log', level, message: `[engine] ${line}` });
        });
      };
      forward(child.stdout, 'info');
      forward(child.stderr, 'warn');
      child.on('message', (m) => {
        for (const l of messageListeners) l(m as EngineToMain);
      });
      // 'error' fires when the process cannot be spawned or signalled; 'exit' follows or
      // has already fired, so it is only kept from becoming an uncaught exception here.
      child.on('error', () => undefined);
      return {
        get pid() {
          return child.pid;
        },
        send(message) {
          if (child.connected) child.send(message);
        },
        onMessage(listener) {
          messageListeners.push(listener);
        },
        onExit(listener) {
          if (child.exitCode !== null || child.signalCode !== null) {
            listener({ code: child.exitCode, signal: child.signalCode });
            return;
          }
          child.once('exit', (code, signal) => listener({ code, signal } satisfies EngineExit));
        },
        kill() {
          child.kill();
        },
      };
    },
  };
}
