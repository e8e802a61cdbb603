/**
 * Terminal output: colour that respects NO_COLOR (and non-TTY output), messages to stderr so stdout
 * stays data, and the one place errors are printed.
 */
import { createColors } from 'picocolors';
import { isRunpagesError } from '../errors.ts';

const useColor = !('NO_COLOR' in process.env) && (process.env.FORCE_COLOR !== undefined || process.stderr.isTTY === true);
export const color = createColors(useColor);

/** A progress or status line for the user, on stderr. */
export function info(message: string): void {
  process.stderr.write(`${message}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`${color.yellow('warning')} ${message}\n`);
}

export function success(message: string): void {
  process.stderr.write(`${color.green('✔')} ${message}\n`);
}

/** Data on stdout, as JSON when asked. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Progress on long work: a rewritten line on a TTY, occasional lines otherwise.
 * Returns `tick(done)` and `done()`.
 */
export function progress(label: string, total: number): { tick: (done: number) => void; done: () => void } {
  const tty = process.stderr.isTTY === true;
  let lastPrinted = 0;
  return {
    tick(done) {
      const now = Date.now();
      if (now - lastPrinted < (tty ? 100 : 5000) && done < total) return;
      lastPrinted = now;
      const text = `${label} ${done}/${total}`;
      process.stderr.write(tty ? `\r${text}` : `${text}\n`);
    },
    done() {
      if (tty) process.stderr.write('\n');
    },
  };
}

/** Prints an error: user mistakes as message + hint, unexpected errors in full. Returns the exit code. */
export function reportError(error: unknown): number {
  if (isRunpagesError(error)) {
    // Further problems (one a line) line up under the first; lines already indented (a query with
    // its caret, a list of runs) keep their own layout.
    process.stderr.write(`${color.red('error')} ${error.message.replace(/\n(?=\S)/g, '\n      ')}\n`);
    if (error.hint) process.stderr.write(`${color.dim('hint')}  ${error.hint}\n`);
    return error.exitCode;
  }
  process.stderr.write(`${color.red('unexpected error')} (please report it)\n`);
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 70;
}
