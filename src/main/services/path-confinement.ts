import { realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { ApiError } from './api-error';

/**
 * Split a relative path into safe segments, or throw `forbidden`. Rejected: NUL bytes,
 * absolute paths (POSIX, drive letters, UNC), `.`/`..` segments and backslashes (a
 * separator on Windows). Callers decode URL segments before calling, so `%2e%2e` arrives
 * here as `..` and is rejected like it.
 */
export function safeSegments(rel: string): string[] {
  if (rel.includes('\0')) throw forbidden(rel, 'contains a NUL byte');
  if (rel.includes('\\')) throw forbidden(rel, 'contains a backslash');
  if (isAbsolute(rel) || /^[A-Za-z]:/.test(rel)) throw forbidden(rel, 'is absolute');
  const segments = rel.split('/').filter((s) => s !== '');
  if (segments.length === 0) throw forbidden(rel, 'is empty');
  for (const s of segments) {
    if (s === '.' || s === '..') throw forbidden(rel, `has a "${s}" segment`);
  }
  return segments;
}

/**
 * Resolve `rel` inside `root` and return the real path of the existing file, refusing
 * anything that lands outside `root` — including through symlinks, which are followed and
 * must resolve inside the root's own real path. Throws ApiError `forbidden` or `not-found`.
 * The same function confines the Electron protocol and the headless HTTP routes.
 */
export async function resolveInProject(root: string, rel: string): Promise<string> {
  const segments = safeSegments(rel);
  const realRoot = await realpath(root).catch(() => {
    throw new ApiError('not-found', `Folder ${root} does not exist`);
  });
  const target = join(realRoot, ...segments);
  let realTarget: string;
  try {
    realTarget = await realpath(target);
  } catch {
    throw new ApiError('not-found', `No file ${rel} in ${root}`, { path: rel });
  }
  if (!isInside(realRoot, realTarget)) {
    throw forbidden(rel, `resolves outside ${root}`);
  }
  return realTarget;
}

/** Whether `child` is `root` itself or below it (both absolute and normalised). */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Decode a URL path (after the route prefix) into a relative path, segment by segment,
 * so encoded separators and dots are seen for what they are.
 */
export function decodeUrlPath(encoded: string): string {
  const segments = encoded.split('/').map((s) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(s);
    } catch {
      throw forbidden(encoded, 'is not valid percent-encoding');
    }
    // An encoded "/" inside one segment would smuggle a separator past the split.
    if (decoded.includes('/')) throw forbidden(encoded, 'has an encoded "/"');
    return decoded;
  });
  return segments.join('/');
}

function forbidden(rel: string, why: string): ApiError {
  return new ApiError('forbidden', `Path ${JSON.stringify(rel)} ${why}`, { path: rel });
}
