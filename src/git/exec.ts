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
}

/** Runs git in `cwd` and returns stdout as bytes; throws GitCommandError on a non-zero exit. */
export function gitBytes(cwd: string, args: readonly string[], options: GitOptions = {}): Promise<Buffer> {
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
