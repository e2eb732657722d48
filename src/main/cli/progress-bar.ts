/**
 * A terminal progress bar on stderr: redrawn in place on a terminal, and written as a
 * plain line at most every few seconds (and at the end) when stderr is a file or a pipe,
 * so logs stay readable.
 */
import type { CliContext } from './command';

export interface ProgressBar {
  update(done: number, total: number, message?: string): void;
  /** Finish the line (a terminal needs the newline). */
  done(): void;
  /** A line of its own while the bar runs (on a terminal: above the bar, which is redrawn). */
  note(line: string): void;
}

const WIDTH = 28;
const LOG_INTERVAL_MS = 5000;

export function formatProgress(done: number, total: number, unit: string, elapsedMs: number, message = ''): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(fraction * WIDTH);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`;
  const eta = done > 0 && done < total ? `, ETA ${seconds((elapsedMs / done) * (total - done))}` : '';
  const tail = message ? `  ${message}` : '';
  return `${bar} ${String(Math.round(fraction * 100)).padStart(3)}%  ${done}/${total} ${unit}  ${seconds(elapsedMs)}${eta}${tail}`;
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function progressBar(ctx: Pick<CliContext, 'err'>, unit: string, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  const start = performance.now();
  const tty = stream.isTTY === true;
  let lastLog = -Infinity;
  let last = '';
  return {
    update(done, total, message) {
      last = formatProgress(done, total, unit, performance.now() - start, message);
      if (tty) {
        stream.write(`\r${last.slice(0, (stream.columns || 120) - 1)}\x1b[K`);
      } else if (performance.now() - lastLog >= LOG_INTERVAL_MS || (total > 0 && done >= total)) {
        lastLog = performance.now();
        ctx.err(last);
      }
    },
    done() {
      if (tty && last) stream.write('\n');
    },
    note(line) {
      if (tty && last) stream.write('\r\x1b[K');
      ctx.err(line);
      if (tty && last) stream.write(`\r${last.slice(0, (stream.columns || 120) - 1)}\x1b[K`);
    },
  };
}
