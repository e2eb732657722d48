import { isIP } from 'node:net';

/**
 * DNS-rebinding guard: a page on evil.example that rebinds its name to 127.0.0.1 still
 * sends `Host: evil.example`. Accepted: `localhost`, IP literals, and the host the server
 * was explicitly bound to — always with the server's own port.
 */
export function isAllowedHost(hostHeader: string | undefined, port: number, boundHost: string): boolean {
  if (!hostHeader) return false;
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader.trim().toLowerCase());
  if (!match) return false;
  const [, rawName, rawPort] = match;
  if (Number(rawPort ?? 80) !== port) return false;
  const name = rawName.startsWith('[') ? rawName.slice(1, -1) : rawName;
  return name === 'localhost' || isIP(name) !== 0 || name === boundHost.toLowerCase();
}

/** Whether a WebSocket's Origin is the server's own origin as the browser reached it. */
export function isSameOrigin(origin: string | undefined, hostHeader: string | undefined): boolean {
  if (!origin || !hostHeader) return false;
  return origin.toLowerCase() === `http://${hostHeader.toLowerCase()}`;
}

/** Loopback addresses: binding anything else exposes the studio to the network. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
