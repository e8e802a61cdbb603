/**
 * Terminal output: colour that respects NO_COLOR (and non-TTY output), messages to stderr so stdout
 * stays data, and the one place errors are printed.
 */
import { createColors } from 'picocolors';
import { isRunpagesError } from '../errors.ts';
import { terminalJson, terminalOutput } from './terminal-text.ts';

const useColor = !('NO_COLOR' in process.env) && (process.env.FORCE_COLOR !== undefined || process.stderr.isTTY === true);
export const color = createColors(useColor);

// Everything printed for people goes through these two, so no escape sequence from run data
// reaches the terminal (see terminal-text.ts); only our own colour codes pass.
function toStderr(text: string): void {
  process.stderr.write(terminalOutput(text));
}

/** Human output (a table, a run's detail) on stdout. */
export function out(text: string): void {
  process.stdout.write(terminalOutput(text));
}

/** A progress or status line for the user, on stderr. */
export function info(message: string): void {
  toStderr(`${message}\n`);
}

export function warn(message: string): void {
  toStderr(`${color.yellow('warning')} ${message}\n`);
}

export function success(message: string): void {
  toStderr(`${color.green('✔')} ${message}\n`);
}

/** Data on stdout, as JSON when asked (C1 and bidi characters written as \u escapes). */
export function printJson(value: unknown): void {
  process.stdout.write(`${terminalJson(value)}\n`);
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
      process.stderr.write(tty ? `\r${terminalOutput(text)}` : terminalOutput(`${text}\n`));
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
    toStderr(`${color.red('error')} ${error.message.replace(/\n(?=\S)/g, '\n      ')}\n`);
    if (error.hint) toStderr(`${color.dim('hint')}  ${error.hint}\n`);
    return error.exitCode;
  }
  toStderr(`${color.red('unexpected error')} (please report it)\n`);
  toStderr(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 70;
}
