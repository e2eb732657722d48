/**
 * Backend selection as the app runs it: bundled by Vite into one ES module with TF.js
 * inside (as electron-vite builds out/main), run by plain Node. The wasm backend must find
 * its binaries, start its threads, train (the registered kernels), and let the process
 * exit by itself.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadConfigFromFile } from 'electron-vite';
import { build } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths';

const dir = join(repoRoot, '.atelier-tmp', `backends-bundle-${process.pid}`);

/** What electron.vite.config.ts bundles into out/main instead of leaving in node_modules. */
async function bundledDependencies(): Promise<string[]> {
  const { config } = await loadConfigFromFile({ command: 'build', mode: 'production' }, undefined, repoRoot, 'silent');
  const externalize = config.main?.build?.externalizeDeps;
  return typeof externalize === 'object' ? (externalize.exclude ?? []) : [];
}

const ENTRY = `
import { initBackend } from '${relative(dir, join(repoRoot, 'src/main/engine/backends/select')).replaceAll('\\\\', '/')}';
import * as tf from '${relative(dir, join(repoRoot, 'src/main/engine/tf')).replaceAll('\\\\', '/')}';

function gradients() {
  const x = tf.variable(tf.reshape(tf.sin(tf.range(0, 2 * 12 * 12 * 3)), [2, 12, 12, 3]));
  const w = tf.variable(tf.reshape(tf.cos(tf.range(0, 4 * 4 * 3 * 5)), [4, 4, 3, 5]));
  const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.conv2d(x, w, 2, 1))), [x, w]);
  return [x, w].map((v) => Array.from(grads[v.name].dataSync()));
}

const lines = [];
const info = await initBackend({ threads: 2, log: (l) => lines.push(l) });
const onBackend = gradients();
await tf.setBackend('cpu');
const onCpu = gradients();
let worst = 0;
onBackend.forEach((g, i) => g.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - onCpu[i][j]) / (1 + Math.abs(onCpu[i][j]))); }));
console.log(JSON.stringify({ info, lines, worst }));
`;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the bundled engine', () => {
  it('runs wasm with threads, trains like cpu, and exits by itself', async () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'entry.ts'), ENTRY);
    await build({
      configFile: false,
      root: repoRoot,
      logLevel: 'warn',
      ssr: { noExternal: await bundledDependencies() },
      build: {
        ssr: join(dir, 'entry.ts'),
        outDir: join(dir, 'out'),
        emptyOutDir: true,
        minify: false,
        target: 'node20',
        rollupOptions: { output: { format: 'es', entryFileNames: 'entry.js' } },
      },
    });
    const started = Date.now();
    const stdout = await new Promise<string>((resolve, reject) => {
      const env: NodeJS.ProcessEnv = { ...process.env, ATELIER_BACKEND: 'wasm' };
      delete env.ATELIER_THREADS;
      execFile(process.execPath, [join(dir, 'out', 'entry.js')], { timeout: 60_000, env }, (err, out, errOut) =>
        err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out),
      );
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      info: { name: string; threads: number; device: string };
      lines: string[];
      worst: number;
    };
    expect(result.info).toMatchObject({ name: 'wasm', threads: 2 });
    expect(result.info.device).toMatch(/^CPU, 2 threads, WebAssembly SIMD \(XNNPACK\); convolutions on ONNX Runtime, \d+ threads?$/);
    expect(result.lines.filter((l) => l.startsWith('wasm:'))).toEqual([]);
    expect(result.worst).toBeLessThan(1e-4);
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
