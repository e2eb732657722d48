import type { Store } from '../state/store';

/** Where the renderer's link to main stands; shown in the status bar. */
export type ConnectionState =
  | { status: 'connecting' }
  | { status: 'open' }
  /** The socket dropped (or never opened); the next try is at `retryAt` (ms since epoch). */
  | { status: 'reconnecting'; attempt: number; retryAt: number }
  | { status: 'closed' };

/**
 * How requests and events travel: Electron IPC through the preload, or the headless
 * server's WebSocket. Untyped on purpose: the client above it applies the contract.
 */
export interface Transport {
  readonly platform: 'electron' | 'browser';
  readonly connection: Store<ConnectionState>;
  /** Resolves with the reply's value; rejects with an ApiError. */
  invoke(name: string, input: unknown): Promise<unknown>;
  on(name: string, listener: (payload: unknown) => void): () => void;
  close(): void;
}
