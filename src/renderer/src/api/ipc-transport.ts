import { createStore } from '../state/store';
import { ApiError } from './errors';
import type { ConnectionState, Transport } from './transport';

/** What the Electron preload exposes on `window.atelier`. */
export interface PreloadBridge {
  invoke(name: string, input: unknown): Promise<unknown>;
  on(name: string, listener: (payload: unknown) => void): () => void;
  platform: 'electron';
}

// ipcRenderer.invoke prefixes the message of an error thrown in main.
const IPC_PREFIX = /^Error invoking remote method '[^']*': (?:[A-Za-z]*Error: )?/;

export function createIpcTransport(bridge: PreloadBridge): Transport {
  return {
    platform: 'electron',
    // IPC has no connection to lose: main and this window live and die together.
    connection: createStore<ConnectionState>({ status: 'open' }),
    async invoke(name, input) {
      try {
        return await bridge.invoke(name, input);
      } catch (error) {
        const e = error as { code?: unknown; message?: unknown; details?: unknown };
        const message = typeof e?.message === 'string' ? e.message.replace(IPC_PREFIX, '') : String(error);
        throw new ApiError(typeof e?.code === 'string' ? e.code : 'failed', message, name, e?.details);
      }
    },
    on: (name, listener) => bridge.on(name, listener),
    close() {},
  };
}
