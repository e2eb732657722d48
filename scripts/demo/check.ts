/**
 * The shipped demo's footprint: its size by top-level folder, against the budget.
 *
 *   node scripts/demo/run.mjs check
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { DEMO_DIR, DEMO_MAX_BYTES } from './config';

export interface Footprint {
  total: number;
  files: number;
  /** Bytes per top-level entry of the demo folder. */
  byFolder: Record<string, number>;
}

export async function demoFootprint(dir = DEMO_DIR): Promise<Footprint> {
  const out: Footprint = { total: 0, files: 0, byFolder: {} };
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else {
        const { size } = await stat(p);
        const top = relative(dir, p).split(/[\\/]/)[0]!;
        out.total += size;
        out.files++;
        out.byFolder[top] = (out.byFolder[top] ?? 0) + size;
      }
    }
  };
  await walk(dir);
  return out;
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MiB`;

export async function main(dir = DEMO_DIR): Promise<void> {
  const f = await demoFootprint(dir);
  for (const [name, bytes] of Object.entries(f.byFolder).sort((a, b) => b[1] - a[1])) console.log(`${mib(bytes).padStart(11)}  ${name}`);
  console.log(`${mib(f.total).padStart(11)}  total, ${f.files} files (budget ${mib(DEMO_MAX_BYTES)})`);
  if (f.total > DEMO_MAX_BYTES) throw new Error(`${dir} is ${mib(f.total)}, over the ${mib(DEMO_MAX_BYTES)} budget`);
}
