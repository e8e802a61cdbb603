/**
 * The one error type users see. `code` is stable (tests and scripts match on it), `message` says what
 * happened, `hint` says what to do next. Only the CLI entry decides how to print it and the exit code.
 */
export class RunpagesError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(code: string, message: string, options: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RunpagesError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

export function isRunpagesError(error: unknown): error is RunpagesError {
  return error instanceof RunpagesError;
}
