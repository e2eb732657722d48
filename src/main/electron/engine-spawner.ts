import { utilityProcess } from 'electron';
import { existsSync } from 'node:fs';
import type { EngineToMain } from '../engine/jobs';
import type { EngineProcess, EngineSpawner } from '../services/engine-host';
import { nativeMemoryEnv } from '../util/native-memory';

/**
 * Starts the engine as an Electron utility process (a Node process Electron manages, with
 * a message port to main) — the app's counterpart of services/engine-spawner-fork.ts,
 * speaking the same protocol.
 */
export function utilityEngineSpawner(entry: string, onOutput: (level: 'info' | 'warn', line: string) => void): EngineSpawner {
  return {
    spawn(): EngineProcess {
      if (!existsSync(entry)) throw new Error(`the engine entry ${entry} does not exist; rebuild the app`);
      const child = utilityProcess.fork(entry, [], { serviceName: 'Atelier engine', stdio: 'pipe', env: nativeMemoryEnv() });
      const forward = (stream: NodeJS.ReadableStream | null, level: 'info' | 'warn') => {
        stream?.on('data', (chunk: Buffer) => {
          for (const line of chunk.toString().split('\n')) if (line.trim()) onOutput(level, `[engine] ${line}`);
        });
      };
      forward(child.stdout, 'info');
      forward(child.stderr, 'warn');
      let exited: { code: number } | null = null;
      child.once('exit', (code) => {
        exited = { code };
      });
      return {
        get pid() {
          return child.pid;
        },
        send(message) {
          if (!exited) child.postMessage(message);
        },
        onMessage(listener) {
          child.on('message', (message) => listener(message as EngineToMain));
        },
        onExit(listener) {
          // Electron reports only a code; a crash shows as a non-zero one.
          if (exited) listener({ code: exited.code, signal: null });
          else child.once('exit', (code) => listener({ code, signal: null }));
        },
        kill() {
          child.kill();
        },
      };
    },
  };
}
