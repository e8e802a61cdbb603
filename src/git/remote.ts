/** Talking to a remote: fetch one branch, push one commit. Never prompts: a training job has no one to answer. */
import { randomBytes } from 'node:crypto';
import { git, GitCommandError, gitMaybe } from './exec.ts';
import { deleteRef, resolveCommit } from './refs.ts';

const NETWORK_ENV = { GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };

/** True when `name` is a configured remote of the repository at `cwd`. */
export async function hasRemote(cwd: string, name: string): Promise<boolean> {
  const remotes = (await gitMaybe(cwd, ['remote'])) ?? '';
  return remotes.split('\n').includes(name);
}

/** The URL of a remote, or undefined when it is not configured. */
export async function remoteUrl(cwd: string, name: string): Promise<string | undefined> {
  return (await gitMaybe(cwd, ['remote', 'get-url', name])) || undefined;
}

/**
 * Fetches only `branch` from `remote` and returns its tip, or undefined when the remote has no such
 * branch. It lands in a private ref, deleted afterwards, so concurrent publishers in one clone never
 * contend for `refs/remotes/...` or FETCH_HEAD (`--refmap=` turns off git's opportunistic update of
 * the remote-tracking branch). Throws GitCommandError when the remote is unreachable.
 */
export async function fetchBranch(cwd: string, remote: string, branch: string, signal?: AbortSignal): Promise<string | undefined> {
  const scratch = `refs/runpages/fetch/${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await git(cwd, ['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', '--refmap=', remote, `+refs/heads/${branch}:${scratch}`], {
      env: NETWORK_ENV,
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (error instanceof GitCommandError && /couldn't find remote ref/i.test(error.stderr)) return undefined;
    throw error;
  }
  try {
    return await resolveCommit(cwd, scratch);
  } finally {
    await deleteRef(cwd, scratch);
  }
}

/**
 * Pushes `commit` to `branch` on `remote` as a fast-forward. Returns `behind` when the remote moved
 * on (someone else pushed first: fetch, rebuild, retry); throws GitCommandError for anything a
 * retry cannot fix (unreachable, no permission, a hook said no).
 */
export async function pushCommit(cwd: string, remote: string, commit: string, branch: string, signal?: AbortSignal): Promise<'pushed' | 'behind'> {
  try {
    await git(cwd, ['push', '--porcelain', '--no-verify', remote, `${commit}:refs/heads/${branch}`], {
      env: NETWORK_ENV,
      ...(signal ? { signal } : {}),
    });
    return 'pushed';
  } catch (error) {
    if (!(error instanceof GitCommandError)) throw error;
    // Porcelain ref lines: `<flag>\t<from>:<to>\t<summary>`; `!` marks a rejected ref.
    const refLines = error.stdout.split('\n').filter((line) => /^[ +\-*=!]\t/.test(line));
    // The ref landed, but updating the local remote-tracking ref failed (another push held its lock).
    if (refLines.length > 0 && refLines.every((line) => !line.startsWith('!'))) return 'pushed';
    const behind = refLines.some(
      (line) =>
        /\[rejected\]/.test(line) ||
        (/\[remote rejected\]/.test(line) && /lock|failed to update ref|incorrect old value|stale info/i.test(line)),
    );
    if (behind) return 'behind';
    throw error;
  }
}
