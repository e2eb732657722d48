import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { PROJECT_FILE_PREFIX, TOKEN_QUERY, WS_MAX_MESSAGE_BYTES, WS_PATH } from '../../shared/transport';
import { ApiError } from '../services/api-error';
import type { ApiHost } from '../services/api-host';
import { contentSecurityPolicy, SECURITY_HEADERS } from '../services/content-security-policy';
import { contentTypeFor } from '../services/content-types';
import { decodeUrlPath, resolveInProject } from '../services/path-confinement';
import { isAuthorized, newToken, tokenCookie } from './auth';
import { isAllowedHost, isSameOrigin } from './host-check';
import { bridgeSocket } from './ws-bridge';

export interface HeadlessServerOptions {
  api: ApiHost;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** The open project's folder, for /project-file/…; null when none is open. */
  projectRoot: () => string | null;
  /** Interface to bind; loopback unless the user asks otherwise. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** A fresh random token when absent. */
  token?: string;
  /** Largest WebSocket frame accepted (default WS_MAX_MESSAGE_BYTES). */
  maxMessageBytes?: number;
}

export interface HeadlessServer {
  /** The URL to open, with the token: http://127.0.0.1:PORT/?token=… */
  url: string;
  host: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const UNAUTHORIZED = 'Unauthorized: open the URL that `atelier serve` printed (it carries this session\'s token)\n';

/**
 * The headless mode: the renderer and the API over HTTP + WebSocket. Every request needs
 * the launch token (cookie, ?token= or Bearer); the Host header must name this server
 * (DNS rebinding) and a WebSocket's Origin must be the server's own.
 */
export async function startHeadlessServer(options: HeadlessServerOptions): Promise<HeadlessServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? newToken();
  let port = options.port ?? 0;
  const csp = contentSecurityPolicy();

  const server = createServer((req, res) => {
    handleHttp(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, `Internal error: ${(err as Error).message}\n`);
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? WS_MAX_MESSAGE_BYTES });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { path, query } = splitUrl(req.url ?? '/');
    if (!isAllowedHost(req.headers.host, port, host)) {
      send(res, 403, `Forbidden: Host ${JSON.stringify(req.headers.host ?? '')} is not this server\n`);
      return;
    }
    if (!isAuthorized(token, req, query)) {
      send(res, 401, UNAUTHORIZED);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, `Method ${req.method} not allowed\n`, { Allow: 'GET, HEAD' });
      return;
    }
    if (query.has(TOKEN_QUERY) && path === '/') {
      // First visit: keep the token in an HttpOnly cookie and take it out of the address bar.
      send(res, 302, '', { Location: '/', 'Set-Cookie': tokenCookie(token) });
      return;
    }
    if (path.startsWith(PROJECT_FILE_PREFIX)) {
      const root = options.projectRoot();
      if (!root) {
        send(res, 404, 'No project is open\n');
        return;
      }
      await serveFile(req, res, root, path.slice(PROJECT_FILE_PREFIX.length), 'private, no-cache');
      return;
    }
    if (path === WS_PATH) {
      send(res, 426, 'This endpoint takes WebSocket connections only\n');
      return;
    }
    const rel = path === '/' ? 'index.html' : path.slice(1);
    await serveFile(req, res, options.rendererDir, rel, rel === 'index.html' ? 'no-store' : 'no-cache');
  }

  async function serveFile(req: IncomingMessage, res: ServerResponse, root: string, encodedRel: string, cache: string) {
    let file: string;
    try {
      file = await resolveInProject(root, decodeUrlPath(encodedRel));
    } catch (err) {
      if (err instanceof ApiError) {
        send(res, err.code === 'forbidden' ? 403 : 404, `${err.code === 'forbidden' ? 'Forbidden' : 'Not found'}: ${err.message}\n`);
        return;
      }
      throw err;
    }
    const info = await stat(file);
    if (!info.isFile()) {
      send(res, 404, `Not found: ${encodedRel} is not a file\n`);
      return;
    }
    res.writeHead(200, {
      ...baseHeaders(),
      'Content-Type': contentTypeFor(file),
      'Content-Length': info.size,
      'Cache-Control': cache,
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file).on('error', () => res.destroy()).pipe(res);
  }

  function baseHeaders(): Record<string, string> {
    return { ...SECURITY_HEADERS, 'Content-Security-Policy': csp };
  }

  function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
    res.writeHead(status, {
      ...baseHeaders(),
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
      ...headers,
    });
    res.end(body);
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const { path, query } = splitUrl(req.url ?? '/');
    const refuse = (status: number, text: string, message: string) => {
      socket.end(
        `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
      );
    };
    if (path !== WS_PATH) return refuse(404, 'Not Found', 'No WebSocket endpoint here\n');
    if (!isAllowedHost(req.headers.host, port, host)) return refuse(403, 'Forbidden', 'Host is not this server\n');
    if (!isSameOrigin(req.headers.origin, req.headers.host)) {
      return refuse(403, 'Forbidden', `Origin ${JSON.stringify(req.headers.origin ?? '')} is not this server\n`);
    }
    if (!isAuthorized(token, req, query)) return refuse(401, 'Unauthorized', UNAUTHORIZED);
    wss.handleUpgrade(req, socket, head, (ws) => bridgeSocket(ws, options.api, randomUUID()));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/?${TOKEN_QUERY}=${token}`,
    host,
    port,
    token,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Path as sent (no normalisation: `..` and `%2e%2e` must reach the confinement check) and query. */
function splitUrl(url: string): { path: string; query: URLSearchParams } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, query: new URLSearchParams() } : { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
}
