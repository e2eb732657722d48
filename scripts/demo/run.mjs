// Runs one of the demo scripts. They are TypeScript and use Atelier's own modules
// (palettes, project and dataset services), so they go through Vite's module runner, the
// same transform the app's build uses; nothing is bundled to disk.
//
//   node scripts/demo/run.mjs make-data      generate the demo data and project
//   node scripts/demo/run.mjs train-models   train the shipped models (needs `npm run build`)
//   node scripts/demo/run.mjs check          sizes and contents of resources/demo
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const scripts = ['make-data', 'train-models', 'check'];
const [name, ...args] = process.argv.slice(2);
if (!scripts.includes(name)) {
  console.error(`usage: node scripts/demo/run.mjs <${scripts.join('|')}> [args]`);
  process.exit(2);
}
const { module } = await runnerImport(join(here, `${name}.ts`), {
  root: resolve(here, '..', '..'),
  configFile: false,
  logLevel: 'warn',
});
try {
  await module.main(...args);
} catch (err) {
  console.error(`demo ${name}: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
