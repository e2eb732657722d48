import type { AtelierBridge } from '../../../shared/transport';
import { createStore } from '../state/store';
import { ApiError } from './errors';
import type { ConnectionState, Transport } from './transport';

/**
 * The Electron transport: `window.atelier` from the preload. Its rejections are plain
 * objects (contextBridge keeps only an Error's message), so code and details are read
 * off them and put back into an ApiError.
 */
export function createIpcTransport(bridge: AtelierBridge): Transport {
  return {
    platform: 'electron',
    // IPC has no connection to lose: main and this window live and die together.
    connection: createStore<ConnectionState>({ status: 'open' }),
    async invoke(name, input) {
      try {
        return await bridge.invoke(name, input);
      } catch (error) {
        const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown; details?: unknown };
        const message = typeof e.message === 'string' ? e.message : String(error);
        throw new ApiError(typeof e.code === 'string' ? e.code : 'failed', message, name, e.details);
      }
    },
    on: (name, listener) => bridge.on(name, listener),
    close() {},
  };
}
