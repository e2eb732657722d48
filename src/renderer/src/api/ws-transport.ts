import type { WsServerFrame } from '../../../shared/transport';
import { createStore } from '../state/store';
import { ApiError } from './errors';
import type { ConnectionState, Transport } from './transport';

/** The part of the browser's WebSocket the transport uses (the `ws` package's client matches it too). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

export type WebSocketFactory = (url: string) => WebSocketLike;

export interface WsTransportOptions {
  /** ws:// or wss:// URL of the headless server's /api/ws. */
  url: string;
  createSocket: WebSocketFactory;
  /** First reconnect delay; doubles per failed try up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

const OPEN = 1;

interface Pending {
  name: string;
  resolve: (value: unknown) => void;
  reject: (error: ApiError) => void;
}

/** A server frame with the fields the transport reads checked; undefined for anything else. */
function parseFrame(data: unknown): WsServerFrame | undefined {
  if (typeof data !== 'string') return undefined;
  let frame: unknown;
  try {
    frame = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof frame !== 'object' || frame === null) return undefined;
  const f = frame as Record<string, unknown>;
  if (f.type === 'event' && typeof f.name === 'string') return f as unknown as WsServerFrame;
  if (f.type === 'result' && typeof f.id === 'number' && typeof f.ok === 'boolean') {
    if (f.ok) return f as unknown as WsServerFrame;
    const error = f.error as Record<string, unknown> | undefined;
    if (error && typeof error.code === 'string' && typeof error.message === 'string') return f as unknown as WsServerFrame;
  }
  return undefined;
}

/**
 * The headless transport: JSON frames over one WebSocket. Authentication is the HttpOnly
 * cookie the server set when the page was opened with its token, so the socket just
 * connects. When it drops, it reconnects with exponential backoff; requests awaiting a
 * reply fail at once (the server may or may not have run them), and requests made while
 * disconnected fail instead of waiting silently.
 */
export function createWsTransport(options: WsTransportOptions): Transport {
  const initialDelay = options.initialDelayMs ?? 250;
  const maxDelay = options.maxDelayMs ?? 8000;
  const connection = createStore<ConnectionState>({ status: 'connecting' });
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const pending = new Map<number, Pending>();
  /** Requests made before the first connection opened: sent once it does. */
  let queued: string[] = [];
  let socket: WebSocketLike | undefined;
  let nextId = 1;
  let attempt = 0;
  let everOpened = false;
  let closed = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  function connect() {
    const ws = options.createSocket(options.url);
    socket = ws;
    ws.addEventListener('open', () => {
      if (socket !== ws) return;
      attempt = 0;
      everOpened = true;
      connection.set({ status: 'open' });
      for (const frame of queued) ws.send(frame);
      queued = [];
    });
    ws.addEventListener('message', (event) => {
      if (socket !== ws) return;
      const frame = parseFrame(event.data);
      if (!frame) {
        console.warn('Atelier: ignored a malformed frame from the server', event.data);
        return;
      }
      if (frame.type === 'event') {
        for (const listener of [...(listeners.get(frame.name) ?? [])]) listener(frame.payload);
        return;
      }
      if (frame.id === null) {
        // The server could not read one of our frames; nothing can be matched to it.
        console.warn('Atelier: the server rejected an unreadable frame', frame.ok ? undefined : frame.error.message);
        return;
      }
      const request = pending.get(frame.id);
      if (!request) return;
      pending.delete(frame.id);
      if (frame.ok) request.resolve(frame.value);
      else request.reject(new ApiError(frame.error.code, frame.error.message, request.name, frame.error.details));
    });
    // A failed handshake (e.g. 401 without the cookie) shows up as error then close; close
    // handles both. The error listener is still needed: Node clients throw unheard errors.
    ws.addEventListener('error', () => {});
    ws.addEventListener('close', () => {
      if (socket !== ws) return;
      socket = undefined;
      failPending();
      if (closed) return;
      attempt += 1;
      const delay = Math.min(maxDelay, initialDelay * 2 ** (attempt - 1));
      connection.set({ status: 'reconnecting', attempt, retryAt: Date.now() + delay });
      retryTimer = setTimeout(connect, delay);
    });
  }

  function failPending() {
    for (const [id, request] of pending) {
      pending.delete(id);
      request.reject(
        new ApiError(
          'disconnected',
          `The connection to Atelier was lost before it answered "${request.name}"; it may or may not have run.`,
          request.name,
        ),
      );
    }
    // Queued requests were in `pending` too and have just been rejected: never send them.
    queued = [];
  }

  connect();

  return {
    platform: 'browser',
    connection,
    invoke(name, input) {
      return new Promise((resolve, reject) => {
        if (closed) {
          reject(new ApiError('disconnected', `Cannot send "${name}": the connection to Atelier was closed.`, name));
          return;
        }
        const id = nextId++;
        const frame = JSON.stringify({ id, type: 'invoke', name, input });
        if (socket && socket.readyState === OPEN) {
          pending.set(id, { name, resolve, reject });
          socket.send(frame);
        } else if (!everOpened && connection.get().status === 'connecting') {
          pending.set(id, { name, resolve, reject });
          queued.push(frame);
        } else {
          reject(
            new ApiError(
              'disconnected',
              `Not connected to Atelier (reconnecting), so "${name}" was not sent. Try again once the status bar shows it is connected.`,
              name,
            ),
          );
        }
      });
    },
    on(name, listener) {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
    close() {
      closed = true;
      clearTimeout(retryTimer);
      connection.set({ status: 'closed' });
      const ws = socket;
      if (ws) ws.close(1000, 'client closed');
      else failPending();
    },
  };
}
