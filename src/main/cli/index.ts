/**
 * The `atelier` command. Each subcommand is one module exporting a CliCommand, listed
 * once below with its one-line summary; `atelier --help` and dispatch read this list. A
 * command's module is imported only when it runs, so `atelier serve` does not load the
 * engine (TF.js) that `translate` runs in-process.
 */
import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { version } from '../../../package.json';
import { CliUsageError, type CliCommand, type CliContext } from './command';

export interface CommandEntry {
  name: string;
  /** One line for `atelier --help`. */
  summary: string;
  load(): Promise<CliCommand>;
}

export const commands: readonly CommandEntry[] = [
  {
    name: 'serve',
    summary: 'serve the studio to a browser (headless mode)',
    load: () => import('./serve').then((m) => m.serveCommand),
  },
  { name: 'train', summary: 'train pix2pix or CycleGAN on a dataset folder (the reference’s options)', load: () => import('./train').then((m) => m.trainCommand) },
  {
    name: 'translate',
    summary: 'translate a photo or a folder with a model, a run or a .pth',
    load: () => import('./translate').then((m) => m.translateCommand),
  },
  {
    name: 'inspect',
    summary: 'print the network architecture a .pth checkpoint holds',
    load: () => import('./inspect').then((m) => m.inspectCommand),
  },
  { name: 'export-onnx', summary: 'write a model as an ONNX file for other runtimes', load: () => import('./export-onnx').then((m) => m.exportOnnxCommand) },
  { name: 'bench', summary: 'time training and inference, one JSON line per case (--with-reference: against PyTorch)', load: () => import('./bench').then((m) => m.benchCommand) },
];

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `Atelier ${version}: image-to-image translation studio (pix2pix, CycleGAN)`,
    '',
    'Usage: atelier <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `atelier <command> --help` for a command\'s options.',
  ].join('\n');
}

export async function runCli(argv: string[], context: Partial<CliContext> = {}): Promise<number> {
  const ctx: CliContext = {
    mainDir: dirname(fileURLToPath(import.meta.url)),
    version,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    ...context,
  };
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ctx.out(help());
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-v') {
    ctx.out(version);
    return 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    ctx.err(`Unknown command "${name}". Commands: ${commands.map((c) => c.name).join(', ')}`);
    return 2;
  }
  const command = await entry.load();
  if (args.includes('--help') || args.includes('-h')) {
    ctx.out(command.usage);
    return 0;
  }
  try {
    return await command.run(args, ctx);
  } catch (err) {
    if (err instanceof CliUsageError) {
      ctx.err(`atelier ${command.name}: ${err.message}\n\n${command.usage}`);
      return 2;
    }
    ctx.err(`atelier ${command.name}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

/** Run when this bundle is the process entry (node out/main/cli.js …), not when imported. */
function isEntry(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
