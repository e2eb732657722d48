// Runs one of the demo scripts. They are TypeScript and use Atelier's own modules (the
// project and dataset services, the trainer), so they are bundled first the way the app's
// main process is (electron.vite.config.ts: TF.js and seedrandom inlined, other packages
// left in node_modules), into out/demo-scripts/, then run.
//
//   node scripts/demo/run.mjs make-data      generate the demo data and project
//   node scripts/demo/run.mjs train-models   train the shipped models, save them, keep their runs
//   node scripts/demo/run.mjs check          sizes of resources/demo against the budget
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const scripts = ['make-data', 'train-models', 'check'];
const [name, ...args] = process.argv.slice(2);
if (!scripts.includes(name)) {
  console.error(`usage: node scripts/demo/run.mjs <${scripts.join('|')}> [args]`);
  process.exit(2);
}
const outDir = join(root, 'out', 'demo-scripts', name);
await build({
  configFile: false,
  root,
  logLevel: 'warn',
  ssr: { noExternal: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm', 'seedrandom'] },
  build: {
    ssr: join(here, `${name}.ts`),
    outDir,
    emptyOutDir: true,
    minify: false,
    target: 'node20',
    rollupOptions: { output: { format: 'es', entryFileNames: 'main.js' } },
  },
});
const module = await import(pathToFileURL(join(outDir, 'main.js')).href);
try {
  await module.main(...args);
} catch (err) {
  console.error(`demo ${name}: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
