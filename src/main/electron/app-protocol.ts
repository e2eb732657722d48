import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { ApiError } from '../services/api-error';
import { contentSecurityPolicy, SECURITY_HEADERS } from '../services/content-security-policy';
import { contentTypeFor } from '../services/content-types';
import { decodeUrlPath, resolveInProject } from '../services/path-confinement';

export interface AppProtocolRoots {
  /** The built renderer (out/renderer), served at atelier://app/. */
  rendererDir: string;
  /** The open project's folder, served at atelier://project/; null when none is open. */
  projectRoot: () => string | null;
}

/**
 * The handler behind `protocol.handle('atelier', …)`: the app's pages from atelier://app/
 * and the open project's files from atelier://project/, both through the same confinement
 * as the headless server. Electron-free (fetch's Request/Response), so it is tested in Node.
 */
export async function handleAppRequest(request: Request, roots: AppProtocolRoots): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, `Method ${request.method} not allowed`);
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return text(400, 'Bad URL');
  }
  // Dot segments are already resolved within the host by the URL parser; what is left is
  // decoded segment by segment and confined below.
  const rawPath = url.pathname;
  let root: string | null;
  let rel: string;
  if (url.host === 'app') {
    root = roots.rendererDir;
    rel = rawPath === '/' || rawPath === '' ? 'index.html' : rawPath.slice(1);
  } else if (url.host === 'project') {
    root = roots.projectRoot();
    if (!root) return text(404, 'No project is open');
    rel = rawPath.slice(1);
  } else {
    return text(404, `Unknown host ${url.host}`);
  }
  let file: string;
  try {
    file = await resolveInProject(root, decodeUrlPath(rel));
  } catch (err) {
    if (err instanceof ApiError) return text(err.code === 'forbidden' ? 403 : 404, err.message);
    throw err;
  }
  const info = await stat(file);
  if (!info.isFile()) return text(404, `${rel} is not a file`);
  const headers = {
    ...SECURITY_HEADERS,
    'Content-Security-Policy': contentSecurityPolicy(),
    'Content-Type': contentTypeFor(file),
    'Content-Length': String(info.size),
    'Cache-Control': url.host === 'app' ? 'no-cache' : 'private, no-cache',
  };
  if (request.method === 'HEAD') return new Response(null, { status: 200, headers });
  return new Response(Readable.toWeb(createReadStream(file)) as ReadableStream, { status: 200, headers });
}

function text(status: number, body: string): Response {
  return new Response(`${body}\n`, {
    status,
    headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
  });
}
