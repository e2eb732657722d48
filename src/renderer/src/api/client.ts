import { events, type AtelierApi, type EventName } from '../../../shared/contract';
import type { EventDef } from '../../../shared/api/define';
import { WS_PATH, type AtelierBridge } from '../../../shared/transport';
import type { Readable } from '../state/store';
import { createIpcTransport } from './ipc-transport';
import { projectFileUrl } from './project-file-url';
import type { ConnectionState, Transport } from './transport';
import { createWsTransport, type WebSocketFactory } from './ws-transport';

/** The contract's API plus what the renderer needs to know about the link itself. */
export interface AtelierClient extends AtelierApi {
  readonly platform: 'electron' | 'browser';
  /** Always "open" under Electron; follows the socket in the browser. */
  readonly connection: Readable<ConnectionState>;
  /** URL of a file in the open project, for <img> and canvas images. */
  projectFileUrl(relativePath: string): string;
  close(): void;
}

/** Wraps a transport with the contract: typed channels, and event payloads checked against their schemas. */
export function createClient(transport: Transport): AtelierClient {
  const eventDefs: Record<string, EventDef | undefined> = events;
  return {
    platform: transport.platform,
    connection: transport.connection,
    invoke: (name, input) => transport.invoke(name, input) as never,
    on(name: EventName, listener: (payload: never) => void) {
      const def = eventDefs[name];
      if (!def) throw new Error(`Unknown event "${String(name)}": it is not in the API contract`);
      return transport.on(name, (payload) => {
        const parsed = def.payload.safeParse(payload);
        if (!parsed.success) {
          // A payload main should never send: drop it rather than let the UI render garbage.
          console.warn(`Atelier: dropped a malformed "${String(name)}" event`, parsed.error.issues);
          return;
        }
        listener(parsed.data as never);
      });
    },
    projectFileUrl: (relativePath) => projectFileUrl(transport.platform, relativePath),
    close: () => transport.close(),
  };
}

export interface ApiEnvironment {
  /** `window.atelier`, present when the Electron preload ran. */
  bridge?: AtelierBridge;
  /** The page's location (headless mode connects to the same origin). */
  location?: { protocol: string; host: string };
  createSocket?: WebSocketFactory;
}

function browserEnvironment(): ApiEnvironment {
  const g = globalThis as { atelier?: AtelierBridge; location?: Location; WebSocket?: typeof WebSocket };
  return {
    bridge: g.atelier,
    location: g.location,
    createSocket: g.WebSocket ? (url) => new g.WebSocket!(url) : undefined,
  };
}

/**
 * The renderer's one API client. Under Electron it talks IPC through the preload; in a
 * browser (headless mode) it opens a WebSocket to /api/ws on the page's own origin.
 */
export function createApi(environment: ApiEnvironment = browserEnvironment()): AtelierClient {
  if (environment.bridge) return createClient(createIpcTransport(environment.bridge));
  const { location, createSocket } = environment;
  if (!location || !createSocket) {
    throw new Error('Atelier cannot reach its engine: no Electron preload and no WebSocket in this environment');
  }
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return createClient(createWsTransport({ url: `${scheme}//${location.host}${WS_PATH}`, createSocket }));
}
