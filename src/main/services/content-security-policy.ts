/**
 * The Content-Security-Policy of the app's pages, sent as a header by the Electron
 * protocol handler and by the headless server alike: scripts and styles only from the app
 * itself (no inline code, no eval), images also from data:/blob: (canvas exports) and
 * atelier: (project files in Electron), connections only to the same origin (the headless
 * WebSocket), nothing may frame the app, and no plugins, <base> or form posts.
 */
export function contentSecurityPolicy(): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob: atelier:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers every app response carries besides the CSP. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
