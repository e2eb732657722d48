import { spawn } from 'node:child_process';

/**
 * Open a URL in the user's browser. Best effort: where no opener exists (a server without
 * a desktop) the printed URL is the way in, so a failure is only reported.
 */
export function openBrowser(url: string, onError: (message: string) => void): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', (err) => onError(`Could not open a browser (${command}: ${err.message}); open the URL above`));
    child.unref();
  } catch (err) {
    onError(`Could not open a browser (${(err as Error).message}); open the URL above`);
  }
}
