// After `npm install`: fetch the native binaries npm's script policy skipped, or say in one
// line each why they are missing and what still works. Never fails the install: Atelier runs
// (headless, WebAssembly/CPU backend) without either binary.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const say = (line) => console.log(`atelier: ${line}`);

/** Electron's own install.js downloads the binary; package.json's allowScripts denies it
 *  there so that a failed download cannot fail `npm install`, and it runs here instead. */
function installElectron() {
  let dir;
  try {
    dir = dirname(require.resolve('electron/package.json'));
  } catch {
    say('Electron is not installed (devDependency omitted); `npm start` runs the headless mode.');
    return;
  }
  if (electronBinaryPresent(dir)) return;
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    say('Electron binary download skipped (ELECTRON_SKIP_BINARY_DOWNLOAD); `npm start` runs the headless mode.');
    return;
  }
  const run = spawnSync(process.execPath, [join(dir, 'install.js')], { cwd: dir, encoding: 'utf8', timeout: 10 * 60_000 });
  if (run.status === 0 && electronBinaryPresent(dir)) return;
  say(
    `Electron's binary could not be downloaded (${reasonOf(run)}); \`npm start\` will run the headless mode. ` +
      'To get the desktop app, run `npm install` again with internet access, or set ELECTRON_MIRROR to a reachable mirror.',
  );
}

function electronBinaryPresent(dir) {
  try {
    const exe = readFileSync(join(dir, 'path.txt'), 'utf8').trim();
    return exe !== '' && existsSync(join(dir, 'dist', exe));
  } catch {
    return false;
  }
}

/** One short reason from a failed install.js run (its stderr is a full stack trace). */
function reasonOf(run) {
  if (run.error) return run.error.code === 'ETIMEDOUT' ? 'download timed out' : run.error.message;
  if (run.signal) return `installer killed by ${run.signal}`;
  const lines = `${run.stderr ?? ''}\n${run.stdout ?? ''}`.split('\n').map((l) => l.trim()).filter(Boolean);
  const line = lines.find((l) => /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ECONNRESET|HTTPError|Error:/.test(l));
  return (line ?? lines[0] ?? `installer exited with code ${run.status}`).replace(/^Error:\s*/, '').slice(0, 160);
}

/** @tensorflow/tfjs-node is an optional dependency: its install script downloads
 *  libtensorflow, and npm drops the package when that fails. */
function checkTensorflow() {
  const missing = [];
  for (const name of ['@tensorflow/tfjs-node']) {
    try {
      require.resolve(`${name}/package.json`);
    } catch {
      missing.push(name);
    }
  }
  if (missing.length === 0) return;
  say(
    `libtensorflow could not be fetched (${missing.join(', ')} is not installed); the engine will use the ` +
      'WebAssembly or CPU backend. Run `npm install` with internet access to get the native TensorFlow backend.',
  );
}

try {
  installElectron();
} catch (err) {
  say(`Electron's binary could not be installed (${err.message}); \`npm start\` will run the headless mode.`);
}
try {
  checkTensorflow();
} catch (err) {
  say(`could not check for @tensorflow/tfjs-node (${err.message}).`);
}
