/**
 * The one place runpages starts git. Plain `node:child_process` rather than simple-git because
 * plumbing needs stdin (`mktree`, `hash-object --stdin-paths`), raw bytes out (`diff`, `cat-file`),
 * and the caller's whole environment passed through unchanged (`GIT_SSH_COMMAND`, credential
 * helpers, `GIT_INDEX_FILE`), which simple-git strips unless each name is allowed (docs/design.md#measured-facts).
 */
import { spawn } from 'node:child_process';

/** A git command that exited non-zero; `stderr` holds git's own explanation. */
export class GitCommandError extends Error {
  readonly args: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;
  readonly stdout: string;

  constructor(args: readonly string[], exitCode: number | null, stdout: string, stderr: string) {
    super(`git ${args.join(' ')} failed (exit ${exitCode}): ${stderr.trim() || stdout.trim()}`);
    this.name = 'GitCommandError';
    this.args = args;
    this.exitCode = exitCode;
    this.stderr = stderr;
    this.stdout = stdout;
  }
}

export interface GitOptions {
  /** Bytes written to git's stdin. */
  input?: string | Uint8Array;
  /** Extra environment on top of the caller's. */
  env?: Record<string, string>;
  signal?: AbortSignal;
  /** For network commands: kill git (and its ssh) when it stays silent or runs too long. */
  timeout?: GitTimeout;
}

/** Bounds for a git command that talks to a remote; its output (progress included) is its sign of life. */
export interface GitTimeout {
  /** No byte of output (run it with --progress) for this long kills it. */
  idleMs: number;
  /** The whole command. */
  totalMs: number;
  /** How to say what was running, e.g. `fetch from "origin"`. */
  what: string;
  /** The variables that set the bounds, for the message. */
  settings: string;
}

/** A git command killed because the remote did not answer; `stderr` says so in git's own `fatal:` form. */
export class GitTimeoutError extends GitCommandError {
  constructor(args: readonly string[], stdout: string, why: string) {
    super(args, null, stdout, `fatal: ${why}\n`);
    this.name = 'GitTimeoutError';
  }
}

/** Progress lines (`Receiving objects: 42%`), dropped from a failure's stderr so the reason reads well. */
const PROGRESS_LINE = /^(remote: )?(Enumerating|Counting|Compressing|Writing|Total|Receiving|Resolving|Unpacking|Delta compression|Finding sources)\b/;

function withoutProgress(stderr: string): string {
  return stderr
    .split(/\r\n|\r|\n/)
    .filter((line) => line.trim() && !PROGRESS_LINE.test(line))
    .join('\n');
}

/** Runs git in `cwd` and returns stdout as bytes; throws GitCommandError on a non-zero exit. */
export function gitBytes(cwd: string, args: readonly string[], options: GitOptions = {}): Promise<Buffer> {
  if (options.timeout) return gitBounded(cwd, args, options, options.timeout);
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    // git may exit before reading all of stdin (e.g. a failed rev-parse); that is not our error.
    child.stdin.on('error', () => {});
    child.on('close', (code) => {
      const stdout = Buffer.concat(out);
      if (code === 0) resolve(stdout);
      else reject(new GitCommandError(args, code, stdout.toString('utf8'), Buffer.concat(err).toString('utf8')));
    });
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Runs a network git command in its own process group, so that a timeout kills the ssh (or other
 * transport helper) it started along with it: an orphaned `ssh` holding the stderr pipe would keep
 * the command from ever finishing.
 */
function gitBounded(cwd: string, args: readonly string[], options: GitOptions, timeout: GitTimeout): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let killedFor: string | undefined;
    const kill = (why: string): void => {
      if (killedFor !== undefined) return;
      killedFor = why;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;
    let idle: NodeJS.Timeout;
    const alive = (): void => {
      clearTimeout(idle);
      idle = setTimeout(
        () => kill(`the remote did not answer ${timeout.what} for ${seconds(timeout.idleMs)}, so git was stopped (${timeout.settings})`),
        timeout.idleMs,
      );
    };
    alive();
    const total = setTimeout(
      () => kill(`${timeout.what} took longer than ${seconds(timeout.totalMs)}, so git was stopped (${timeout.settings})`),
      timeout.totalMs,
    );
    const onAbort = (): void => kill(`${timeout.what} was interrupted`);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    child.stdout.on('data', (chunk: Buffer) => {
      out.push(chunk);
      alive();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err.push(chunk);
      alive();
    });
    child.stdin.on('error', () => {});
    const done = (): void => {
      clearTimeout(idle);
      clearTimeout(total);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (error) => {
      done();
      reject(error);
    });
    child.on('close', (code) => {
      done();
      const stdout = Buffer.concat(out);
      if (killedFor !== undefined) reject(new GitTimeoutError(args, stdout.toString('utf8'), killedFor));
      else if (code === 0) resolve(stdout);
      else reject(new GitCommandError(args, code, stdout.toString('utf8'), withoutProgress(Buffer.concat(err).toString('utf8'))));
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Runs git in `cwd` and returns stdout as text without its final newline. */
export async function git(cwd: string, args: readonly string[], options: GitOptions = {}): Promise<string> {
  return (await gitBytes(cwd, args, options)).toString('utf8').replace(/\n$/, '');
}

/** Like `git`, but a non-zero exit yields undefined (for questions such as "does this ref exist?"). */
export async function gitMaybe(cwd: string, args: readonly string[], options: GitOptions = {}): Promise<string | undefined> {
  try {
    return await git(cwd, args, options);
  } catch (error) {
    if (error instanceof GitCommandError) return undefined;
    throw error;
  }
}
