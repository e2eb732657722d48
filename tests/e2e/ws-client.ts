/**
 * Talks to the headless server from the test process, as a client other than the page:
 * to set up state through the API, and to probe what the server refuses.
 */
import { request as httpRequest } from 'node:http';
import WebSocket from 'ws';
import { TOKEN_COOKIE, WS_PATH } from '../../src/shared/transport';
import type { StudioServer } from './studio';

const wsUrl = (studio: StudioServer) => `${studio.origin.replace(/^http/, 'ws')}${WS_PATH}`;

export const tokenCookie = (studio: StudioServer) => `${TOKEN_COOKIE}=${studio.token}`;

/**
 * The HTTP status of a WebSocket handshake with these headers: 101 when the server
 * accepts it, else the status it refused with.
 */
export function upgradeStatus(studio: StudioServer, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(studio), { headers });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    socket.once('error', reject);
  });
}

/** The status of a plain GET with a forged Host header (Node's fetch will not send one). */
export function getStatusWithHost(studio: StudioServer, host: string, path = '/'): Promise<number> {
  const { hostname, port } = new URL(studio.origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, headers: { Host: host, Cookie: tokenCookie(studio) } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });
}

/** One request over the API, authenticated like the page (cookie, same Origin). */
export function callApi(studio: StudioServer, name: string, input?: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(studio), { headers: { Origin: studio.origin, Cookie: tokenCookie(studio) } });
    socket.once('error', reject);
    socket.once('open', () => socket.send(JSON.stringify({ id: 1, type: 'invoke', name, input })));
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; id?: number; ok?: boolean; value?: unknown; error?: { message: string } };
      if (frame.type !== 'result' || frame.id !== 1) return;
      socket.close();
      if (frame.ok) resolve(frame.value);
      else reject(new Error(`${name} failed: ${frame.error?.message}`));
    });
  });
}
