import type { LogEntry } from '../../shared/api/app';

export type LogLevel = LogEntry['level'];

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  write(level: LogLevel, message: string): void;
}

/** A logger that hands every entry to the sinks (the `log` event, the console). */
export function createLogger(...sinks: ((entry: LogEntry) => void)[]): Logger {
  const write = (level: LogLevel, message: string) => {
    const entry: LogEntry = { level, message, time: new Date().toISOString() };
    for (const sink of sinks) sink(entry);
  };
  return {
    write,
    debug: (m) => write('debug', m),
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
  };
}
