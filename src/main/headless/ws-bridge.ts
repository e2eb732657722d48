import type { RawData, WebSocket } from 'ws';
import type { ApiErrorShape } from '../../shared/api/errors';
import type { WsServerFrame } from '../../shared/transport';
import type { ApiHost } from '../services/api-host';

/**
 * Serve the API over one WebSocket: each JSON text frame `{ id, type: 'invoke', name,
 * input }` is dispatched through the same host as Electron's IPC and answered with a
 * result frame; every event is pushed as an event frame.
 */
export function bridgeSocket(socket: WebSocket, api: ApiHost, clientId: string): void {
  const send = (frame: WsServerFrame) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
  };
  const reject = (id: number | null, message: string) => {
    const error: ApiErrorShape = { code: 'invalid-payload', message };
    send({ id, type: 'result', ok: false, error });
  };

  const unsubscribe = api.subscribe((name, payload) => send({ type: 'event', name, payload }));
  socket.on('close', unsubscribe);
  // ws already closes the socket on a protocol error (1009 for a frame over the size
  // limit, 1002 for bad framing); unhandled, the 'error' event would crash the server.
  socket.on('error', () => undefined);

  socket.on('message', (data: RawData, isBinary: boolean) => {
    if (isBinary) {
      reject(null, 'Binary frames are not accepted: send JSON text frames');
      return;
    }
    let frame: unknown;
    try {
      frame = JSON.parse(data.toString());
    } catch (err) {
      reject(null, `Frame is not valid JSON: ${(err as Error).message}`);
      return;
    }
    const f = (typeof frame === 'object' && frame !== null ? frame : {}) as Record<string, unknown>;
    const id = typeof f.id === 'number' && Number.isSafeInteger(f.id) ? f.id : null;
    if (id === null) {
      reject(null, 'Frame needs a numeric "id"');
      return;
    }
    if (f.type !== 'invoke' || typeof f.name !== 'string') {
      reject(id, 'Frame must be { id, type: "invoke", name, input }');
      return;
    }
    void api.dispatch(f.name, f.input, { transport: 'ws', clientId }).then((result) => send({ id, type: 'result', ...result }));
  });
}
