// `npm start`: the desktop app when Electron's binary is installed, otherwise the same
// studio in the browser (headless mode), with one line saying why.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
// With nothing else named, the studio opens on the built-in demo project and its tours.
const given = process.argv.slice(2);
const args = given.some((a) => a === '--project' || a.startsWith('--project=') || a === '--demo') ? given : [...given, '--demo'];

function electronBinary() {
  try {
    const dir = dirname(require.resolve('electron/package.json'));
    const exe = readFileSync(join(dir, 'path.txt'), 'utf8').trim();
    const path = process.env.ELECTRON_OVERRIDE_DIST_PATH
      ? join(process.env.ELECTRON_OVERRIDE_DIST_PATH, exe)
      : join(dir, 'dist', exe);
    return exe && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

function run(command, commandArgs) {
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
}

if (!existsSync(join(root, 'out', 'main', 'cli.js'))) {
  console.error('atelier: the app is not built; run `npm run build` (npm start does this) first.');
  process.exit(1);
}

const electron = electronBinary();
if (electron) {
  // The app folder: Electron reads package.json (name, version, main → out/main/index.js).
  run(electron, [root, ...args]);
} else {
  console.log(
    "atelier: Electron's binary is missing (its download failed or was skipped during npm install; run `npm install` " +
      'with internet access or set ELECTRON_MIRROR), so Atelier starts in headless mode: open the URL below.',
  );
  run(process.execPath, [join(root, 'out', 'main', 'cli.js'), 'serve', ...args]);
}
