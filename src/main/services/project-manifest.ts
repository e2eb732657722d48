import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  PROJECT_FORMAT,
  PROJECT_MANIFEST_VERSION,
  projectManifestSchema,
  type ProjectManifest,
} from '../../shared/api/projects';
import { writeFileAtomic } from '../util/atomic-write';
import { ApiError } from './api-error';
import { PROJECT_LAYOUT } from './project-layout';

export const manifestPath = (root: string): string => join(root, PROJECT_LAYOUT.manifest);

export function newManifest(name: string, now = new Date()): ProjectManifest {
  const time = now.toISOString();
  return { format: PROJECT_FORMAT, version: PROJECT_MANIFEST_VERSION, name, created: time, modified: time };
}

/**
 * Read and validate a project's manifest. Every failure names the file and says what is
 * wrong; nothing is written, so a manifest we cannot read is never replaced.
 */
export async function readManifest(root: string): Promise<ProjectManifest> {
  const path = manifestPath(root);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ApiError('not-found', `${root} is not an Atelier project: ${PROJECT_LAYOUT.manifest} is missing`, { path });
    }
    throw new ApiError('failed', `Cannot read ${path}: ${(err as Error).message}`, { path });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ApiError('failed', `${path} is corrupt (not valid JSON: ${(err as Error).message})`, { path });
  }
  const head = json as { format?: unknown; version?: unknown } | null;
  if (typeof head !== 'object' || head === null || head.format !== PROJECT_FORMAT) {
    throw new ApiError('failed', `${path} is not an Atelier project manifest (format must be "${PROJECT_FORMAT}")`, { path });
  }
  if (typeof head.version === 'number' && head.version > PROJECT_MANIFEST_VERSION) {
    throw new ApiError(
      'failed',
      `${path} was written by a newer Atelier (manifest version ${head.version}; this version reads up to ` +
        `${PROJECT_MANIFEST_VERSION}). Update Atelier to open this project.`,
      { path, version: head.version },
    );
  }
  const parsed = projectManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    throw new ApiError('failed', `${path} is corrupt: ${issues.join('; ')}`, { path, issues });
  }
  return parsed.data;
}

/** Validate and write the manifest atomically (a crash leaves the old or the new file). */
export async function writeManifest(root: string, manifest: ProjectManifest): Promise<void> {
  const checked = projectManifestSchema.parse(manifest);
  await writeFileAtomic(manifestPath(root), `${JSON.stringify(checked, null, 2)}\n`);
}
