import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TOKEN_COOKIE, TOKEN_QUERY } from '../../shared/transport';

/** A fresh token per launch: 32 random bytes, URL-safe. */
export const newToken = (): string => randomBytes(32).toString('base64url');

/**
 * Constant-time comparison. Both sides are hashed first, so neither the content nor the
 * length of the expected token leaks through timing.
 */
export function tokensEqual(expected: string, presented: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}

/** Where a request carries the token: `Authorization: Bearer`, the cookie, or `?token=`. */
export function presentedTokens(req: IncomingMessage, query: URLSearchParams): string[] {
  const tokens: string[] = [];
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) tokens.push(auth.slice('Bearer '.length).trim());
  const cookie = parseCookies(req.headers.cookie)[TOKEN_COOKIE];
  if (cookie) tokens.push(cookie);
  const fromQuery = query.get(TOKEN_QUERY);
  if (fromQuery) tokens.push(fromQuery);
  return tokens;
}

export function isAuthorized(token: string, req: IncomingMessage, query: URLSearchParams): boolean {
  // Every presented token is compared, so timing does not reveal which one matched.
  let ok = false;
  for (const t of presentedTokens(req, query)) ok = tokensEqual(token, t) || ok;
  return ok;
}

/** The cookie that keeps the token out of the address bar after the first visit. */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}
