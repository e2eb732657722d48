import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

// Main-side bundles: the Electron entry, the CLI (headless server, train, translate,
// bench) and the engine process. All three share src/main; only index.ts imports electron.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // Dependencies stay in node_modules, except TF.js: its ESM files import each other
      // without extensions (Node cannot load them), and the engine imports some of them
      // directly (tfjs-core/dist/register_all_gradients), so the bundler resolves them.
      // seedrandom goes with them: tfjs-core reaches into its CommonJS submodules
      // (seedrandom.alea), which only resolve when bundled together.
      externalizeDeps: {
        exclude: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm', 'seedrandom'],
      },
      rollupOptions: {
        input: {
          index: resolve('src/main/electron/index.ts'),
          cli: resolve('src/main/cli/index.ts'),
          engine: resolve('src/main/engine/worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        // Sandboxed preloads must be CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    plugins: [
      react(),
      {
        // The dev server injects CSS as <style> elements, which index.html's CSP blocks;
        // the built app links CSS files, so only `electron-vite dev` relaxes style-src.
        name: 'atelier-dev-inline-styles',
        apply: 'serve',
        transformIndexHtml: (html: string) => html.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
      },
    ],
    build: {
      outDir: 'out/renderer',
      rollupOptions: {
        input: {
          index: resolve('src/renderer/index.html'),
          // The training dashboard on synthetic data, for `atelier bench --case monitor_plot_100k`.
          'monitor-bench': resolve('src/renderer/src/workspaces/train/bench/monitor.html'),
        },
      },
    },
  },
});
