import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFromFile } from 'electron-vite';
import { build } from 'vite';
import { repoRoot } from './paths';

/** The packages electron.vite.config.ts bundles into out/main instead of leaving external. */
async function bundledDependencies(): Promise<string[]> {
  const { config } = await loadConfigFromFile({ command: 'build', mode: 'production' }, undefined, repoRoot, 'silent');
  const externalize = config.main?.build?.externalizeDeps;
  return typeof externalize === 'object' ? (externalize.exclude ?? []) : [];
}

/**
 * Bundle the engine process (src/main/engine/worker.ts) as electron-vite builds
 * out/main/engine.js — ESM, with the same dependencies bundled and the rest left in
 * node_modules — into a fresh folder under .atelier-tmp, so tests fork the real engine
 * without `npm run build`. Returns the bundle's path.
 */
export async function buildEngineForTests(): Promise<string> {
  removeOrphanedBuilds();
  const outDir = join(repoRoot, '.atelier-tmp', `engine-${process.pid}-${Date.now()}`);
  await build({
    configFile: false,
    root: repoRoot,
    logLevel: 'warn',
    ssr: { noExternal: await bundledDependencies() },
    build: {
      ssr: join(repoRoot, 'src/main/engine/worker.ts'),
      outDir,
      emptyOutDir: true,
      minify: false,
      target: 'node20',
      rollupOptions: { output: { format: 'es', entryFileNames: 'engine.js' } },
    },
  });
  // Removed when the test process ends (the forked engines have loaded it by then).
  process.once('exit', () => rmSync(outDir, { recursive: true, force: true }));
  const entry = join(outDir, 'engine.js');
  if (!existsSync(entry)) throw new Error(`engine build produced no ${entry}`);
  return entry;
}

/** Builds left by test processes that were killed before their exit hook ran. */
function removeOrphanedBuilds(): void {
  const tmp = join(repoRoot, '.atelier-tmp');
  if (!existsSync(tmp)) return;
  for (const name of readdirSync(tmp)) {
    const pid = Number(/^engine-(\d+)-\d+$/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      rmSync(join(tmp, name), { recursive: true, force: true });
    }
  }
}
