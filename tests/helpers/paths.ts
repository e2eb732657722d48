import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in tests/helpers). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** shared/ (data, fixtures): `../shared` beside the clone, or $ATELIER_SHARED. */
export const sharedDir = resolve(process.env.ATELIER_SHARED ?? join(repoRoot, '..', 'shared'));

/** The PyTorch reference fixtures: `<shared>/fixtures/torch-ref`, or $ATELIER_TORCH_FIXTURES. */
export const torchFixturesDir = resolve(
  process.env.ATELIER_TORCH_FIXTURES ?? join(sharedDir, 'fixtures', 'torch-ref'),
);

/** The real test images of shared/data (see its SOURCES.md). */
export const dataDir = join(sharedDir, 'data');

/** A path under shared/data, failing loudly when the shared folder is missing. */
export function sharedData(...parts: string[]): string {
  const p = join(dataDir, ...parts);
  if (!existsSync(p)) {
    throw new Error(`shared test data not found: ${p} (set ATELIER_SHARED to the shared/ folder)`);
  }
  return p;
}
