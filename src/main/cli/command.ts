/** What every `atelier <command>` gets besides its arguments. */
export interface CliContext {
  /** Folder of the built main bundles (out/main): engine.js, cli.js, and ../renderer. */
  mainDir: string;
  version: string;
  /** Results for the user (one line each): stdout. */
  out(line: string): void;
  /** Progress, warnings, errors: stderr. */
  err(line: string): void;
}

/**
 * One subcommand. `run` returns the exit code; a usage error is a thrown CliUsageError
 * (printed with the command's usage), anything else thrown is printed and exits 1.
 */
export interface CliCommand {
  name: string;
  /** One line describing the command (index.ts lists it for `atelier --help` without loading the module). */
  summary: string;
  /** Full usage text for `atelier <name> --help`. */
  usage: string;
  run(args: string[], context: CliContext): Promise<number>;
}

export class CliUsageError extends Error {
  override name = 'CliUsageError';
}
