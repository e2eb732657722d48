/**
 * How the contract travels. Both transports carry the same requests and events
 * (src/shared/contract.ts); only the framing differs.
 */
import type { ApiErrorShape } from './api/errors';

/** A request's outcome as main returns it: errors are values, never thrown across IPC. */
export type ApiResult = { ok: true; value: unknown } | { ok: false; error: ApiErrorShape };

/** Electron IPC channel names (ipcMain.handle / webContents.send). */
export const IPC_INVOKE = 'atelier:invoke';
export const IPC_EVENT = 'atelier:event';

/** What the preload exposes as window.atelier. */
export interface AtelierBridge {
  invoke(name: string, input: unknown): Promise<unknown>;
  on(name: string, listener: (payload: unknown) => void): () => void;
  readonly platform: 'electron';
}

/** Headless mode: the WebSocket endpoint, and the JSON text frames it carries. */
export const WS_PATH = '/api/ws';
/** Largest frame the server accepts; bigger ones close the socket with 1009. */
export const WS_MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

export interface WsInvokeFrame {
  id: number;
  type: 'invoke';
  name: string;
  input?: unknown;
}

/** A reply to an invoke; id is null when the frame could not be read (not JSON, no id). */
export type WsResultFrame = { id: number | null; type: 'result' } & ApiResult;

export interface WsEventFrame {
  type: 'event';
  name: string;
  payload: unknown;
}

export type WsServerFrame = WsResultFrame | WsEventFrame;

/** Headless mode: how the token travels. */
export const TOKEN_COOKIE = 'atelier_token';
export const TOKEN_QUERY = 'token';
/** Project files are served under this prefix (headless) / host (Electron protocol). */
export const PROJECT_FILE_PREFIX = '/project-file/';
export const APP_SCHEME = 'atelier';
