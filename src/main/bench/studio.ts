/**
 * What the workspace cases need to measure the real renderer: the headless server as a user
 * runs it (`atelier serve`, a process of its own with its engine process beside it), the
 * API over its WebSocket to set a project up, and Chromium driving the page.
 *
 * Chromium is the system's (/usr/bin/chromium, or $ATELIER_CHROMIUM), driven with
 * playwright-core, a development tool loaded where the benchmark runs. Peak memory is read
 * from /proc (VmHWM), so these cases report it on Linux only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import type { RequestInput, RequestName, RequestOutput } from '../../shared/contract';
import { TOKEN_COOKIE, WS_PATH, type WsServerFrame } from '../../shared/transport';

/** The CLI bundle running this case (out/main/cli.js): the server is started from it. */
export function cliEntry(): string {
  const cli = process.argv[1] ? resolve(process.argv[1]) : '';
  if (!cli.endsWith('.js') || !existsSync(cli)) throw new Error(`cannot find the built CLI to serve the studio from (argv[1] is ${JSON.stringify(process.argv[1])})`);
  return cli;
}

export interface Studio {
  /** The URL `atelier serve` printed, with its token. */
  url: string;
  /** A scratch folder for this case's projects and files, removed by `stop`. */
  scratch: string;
  /** One API request, authenticated as the page is (token cookie, same origin). */
  call<N extends RequestName>(name: N, input?: RequestInput<N>): Promise<RequestOutput<N>>;
  /** Peak resident memory (MiB) of the server process. */
  serverPeakRssMib(): Promise<number>;
  /** Peak resident memory (MiB) of the engine process (inference, training). */
  enginePeakRssMib(): Promise<number>;
  /** The server's process and its engine's. */
  pids(): Promise<number[]>;
  stop(): Promise<void>;
}

const URL_LINE = /Atelier is running at (http:\/\/\S+)/;
const START_TIMEOUT_MS = 60_000;

/**
 * Starts `atelier serve --port 0 --no-open` with its own per-user folder (so that the
 * developer's recent projects are neither read nor touched) and resolves once it printed
 * its URL.
 */
export async function startStudio(log: (line: string) => void): Promise<Studio> {
  const cli = cliEntry();
  const scratch = await mkdtemp(join(tmpdir(), 'atelier-bench-studio-'));
  const home = join(scratch, 'home');
  await mkdir(home);
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--no-open'], {
    cwd: dirname(cli),
    env: { ...process.env, ATELIER_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The server's log, kept for failure messages only: progress belongs to the case.
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr.push(...chunk.split('\n').filter(Boolean));
    stderr.splice(0, Math.max(0, stderr.length - 40));
  });
  let url: string;
  try {
    url = await new Promise<string>((done, fail) => {
      let stdout = '';
      const timer = setTimeout(() => fail(new Error(`atelier serve printed no URL within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        const match = URL_LINE.exec(stdout);
        if (match) {
          clearTimeout(timer);
          done(match[1]!);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        fail(new Error(`atelier serve exited (${signal ?? `code ${code}`}) before printing its URL`));
      });
    });
  } catch (err) {
    await stopProcess(child);
    await rm(scratch, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}; its log: ${stderr.join('\n') || '(empty)'}`);
  }
  const parsed = new URL(url);
  const token = parsed.searchParams.get('token');
  if (!token) throw new Error(`the URL atelier serve printed carries no token: ${url}`);
  log(`studio: serving at ${parsed.origin} (pid ${child.pid})`);
  const serverPid = child.pid!;
  return {
    url,
    scratch,
    call: (name, input) => callApi(parsed.origin, token, name, input),
    serverPeakRssMib: () => peakRssMib(serverPid),
    enginePeakRssMib: async () => peakRssMib(await enginePid(serverPid)),
    pids: async () => [serverPid, await enginePid(serverPid)],
    async stop() {
      await stopProcess(child);
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

function callApi<N extends RequestName>(origin: string, token: string, name: N, input?: RequestInput<N>): Promise<RequestOutput<N>> {
  return new Promise((done, fail) => {
    const socket = new WebSocket(`${origin.replace(/^http/, 'ws')}${WS_PATH}`, { headers: { Origin: origin, Cookie: `${TOKEN_COOKIE}=${token}` } });
    socket.once('error', fail);
    socket.once('open', () => socket.send(JSON.stringify({ id: 1, type: 'invoke', name, input })));
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as WsServerFrame;
      if (frame.type !== 'result' || frame.id !== 1) return;
      socket.close();
      if (frame.ok) done(frame.value as RequestOutput<N>);
      else fail(new Error(`${name} failed: ${frame.error.message}`));
    });
  });
}

/** SIGTERM (the server cancels its jobs and stops its engine), SIGKILL if it lingers. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** A process's peak resident set size (VmHWM), MiB. */
export async function peakRssMib(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => {
    throw new Error(`cannot read the peak memory of process ${pid} (/proc/${pid}/status)`);
  });
  const kib = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  if (kib === undefined) throw new Error(`/proc/${pid}/status has no VmHWM`);
  return Number(kib) / 1024;
}

/** CPU time (ms, user + system, all threads) the processes have used so far. */
export async function cpuMsOf(pids: readonly number[]): Promise<number> {
  let ticks = 0;
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // After "pid (comm) ", whose comm may hold spaces: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  // Linux reports these in USER_HZ, 100 per second on every architecture it runs on.
  return ticks * 10;
}

/** The server's engine process: its child running out/main/engine.js. */
async function enginePid(serverPid: number): Promise<number> {
  for (const task of await readdir(`/proc/${serverPid}/task`).catch(() => [] as string[])) {
    const children = (await readFile(`/proc/${serverPid}/task/${task}/children`, 'utf8').catch(() => '')).trim().split(/\s+/).filter(Boolean);
    for (const pid of children) {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.split('\0').some((arg) => arg.endsWith('engine.js'))) return Number(pid);
    }
  }
  throw new Error(`no engine process found under the server (pid ${serverPid})`);
}

/** Flags for Chromium in containers and CI: no sandbox, no GPU, nothing phoning home. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface StudioPage {
  browser: Browser;
  page: Page;
  /** Throws when the page reported an error (uncaught exception, console error) so far. */
  assertNoErrors(): void;
  /** Chromium's renderer processes (the page's work: scripts, layout, canvas drawing). */
  rendererPids(): Promise<number[]>;
  /** Peak resident memory (MiB) of the largest renderer process. */
  rendererPeakRssMib(): Promise<number>;
}

/** A headless Chromium: the system's (/usr/bin/chromium, or $ATELIER_CHROMIUM). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.ATELIER_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) throw new Error(`Chromium not found at ${executablePath} (set ATELIER_CHROMIUM)`);
  // Not bundled: playwright-core is a development tool, loaded where the benchmark runs.
  const moduleName = 'playwright-core';
  const { chromium } = (await import(/* @vite-ignore */ moduleName)) as typeof import('playwright-core');
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
}

/** The browser's renderer processes (the pages' work: scripts, layout, canvas drawing). */
export async function rendererPidsOf(browser: Browser): Promise<() => Promise<number[]>> {
  const cdp = await browser.newBrowserCDPSession();
  return async () => {
    const info = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
    const pids = info.processInfo.filter((p) => p.type === 'renderer').map((p) => p.id);
    if (!pids.length) throw new Error('Chromium reports no renderer process');
    return pids;
  };
}

/** Opens the studio at `url` in a fresh headless Chromium. */
export async function openStudioPage(url: string, viewport: { width: number; height: number }): Promise<StudioPage> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport });
    // A loaded machine makes the first preview (weights, session) or a 4096² decode slow.
    page.setDefaultTimeout(300_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
    await page.goto(url);
    const rendererPids = await rendererPidsOf(browser);
    return {
      browser,
      page,
      assertNoErrors() {
        if (errors.length) throw new Error(`the page reported errors: ${errors.join('; ')}`);
      },
      rendererPids,
      rendererPeakRssMib: async () => Math.max(...(await Promise.all((await rendererPids()).map(peakRssMib)))),
    };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

/** CPU time so far (ms) of the studio's processes: server, engine and the page's renderers. */
export async function studioCpuMs(studio: Studio, tab: StudioPage): Promise<number> {
  return cpuMsOf([...(await studio.pids()), ...(await tab.rendererPids())]);
}
