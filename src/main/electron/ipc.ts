import { BrowserWindow, ipcMain } from 'electron';
import { IPC_EVENT, IPC_INVOKE, type ApiResult } from '../../shared/transport';
import type { ApiHost } from '../services/api-host';
import { isTrustedSenderUrl } from './security';

/**
 * Bind the API host to Electron IPC: one invoke channel for every request (answered with
 * a result value — Electron mangles errors thrown across IPC) and one channel carrying
 * every event to every window. Requests from any frame that is not the app's page are
 * refused.
 */
export function bindIpc(api: ApiHost, devServerUrl?: string): () => void {
  ipcMain.handle(IPC_INVOKE, async (event, name: unknown, input: unknown): Promise<ApiResult> => {
    const url = event.senderFrame?.url;
    if (!isTrustedSenderUrl(url, devServerUrl)) {
      return { ok: false, error: { code: 'forbidden', message: `IPC from an untrusted frame (${url ?? 'unknown'}) refused` } };
    }
    return api.dispatch(String(name), input, { transport: 'ipc', clientId: String(event.sender.id) });
  });
  const unsubscribe = api.subscribe((name, payload) => {
    for (const win of BrowserWindow.getAllWindows()) {
      if (!win.isDestroyed()) win.webContents.send(IPC_EVENT, { name, payload });
    }
  });
  return () => {
    ipcMain.removeHandler(IPC_INVOKE);
    unsubscribe();
  };
}
