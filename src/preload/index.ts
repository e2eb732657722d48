/**
 * The renderer's only door to main: `window.atelier`, exactly the API contract's invoke and
 * on, over two IPC channels. Nothing else (no ipcRenderer, no Node) crosses the bridge.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { IPC_EVENT, IPC_INVOKE, type ApiResult, type AtelierBridge } from '../shared/transport';

const listeners = new Map<string, Set<(payload: unknown) => void>>();

ipcRenderer.on(IPC_EVENT, (_event, message: { name: string; payload: unknown }) => {
  for (const listener of [...(listeners.get(message.name) ?? [])]) listener(message.payload);
});

const bridge: AtelierBridge = {
  async invoke(name, input) {
    const result = (await ipcRenderer.invoke(IPC_INVOKE, name, input)) as ApiResult;
    if (result.ok) return result.value;
    // contextBridge copies only the message of an Error it passes to the page, so the
    // rejection is a plain Error-shaped object that keeps code and details.
    throw { name: 'ApiError', code: result.error.code, message: result.error.message, details: result.error.details };
  },
  on(name, listener) {
    let set = listeners.get(name);
    if (!set) listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  },
  platform: 'electron',
};

contextBridge.exposeInMainWorld('atelier', bridge);
